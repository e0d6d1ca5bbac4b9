#!/usr/bin/env bash
# bilateral and patch-based-denoising (issue 22): medpipe's fast filters (the default) against ITK's
# (implementation: itk), each as a user runs it: `medpipe run` of a one-step config (defaults) on a
# generated CT series, reading the DICOM and writing float .nii included. The fast ones run on the
# whole 512x512x300 CT; ITK's take minutes there (0.1 Mvox/s), so they run on 128x128x50 (0.8 x 0.8
# x 1 mm, the same spacing) and their 512x512x300 time is extrapolated per voxel. The step's own
# seconds ("done in", from -v) give Mvox/s; wall, CPU and peak memory are the whole process's.
# Prints a markdown section (stage_bench.sh appends it to bench/RESULTS-stages.md).
# Usage: bash bench/denoise_bench.sh [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
work=${1:-/tmp/medpipe-denoise-bench}
[[ -x $medpipe ]] || build_bench_targets medpipe
mkdir -p "$work"
[[ -d $work/ct300 ]] || "$medpipe" phantom -o "$work/ct300" --size 512x512x300 --spacing 0.8x0.8x1.0 >/dev/null
[[ -d $work/ct50 ]] || "$medpipe" phantom -o "$work/ct50" --size 128x128x50 --spacing 0.8x0.8x1.0 >/dev/null

# run STAGE IMPLEMENTATION DICOM: "wall cpu peak-MB step-seconds" of one `medpipe run`.
run() {
  cat >"$work/step.yaml" <<YAML
steps:
  out: {stage: $1, input: input$([[ -n $2 ]] && echo ", implementation: $2")}
outputs:
  - {step: out, file: out.nii}
YAML
  rm -rf "$work/out"
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$medpipe" run "$work/step.yaml" --input "$3" \
    --output "$work/out" --no-report -v >"$work/log.txt" 2>&1 || { echo "bench: failed: $1 $2 (see $work/log.txt)" >&2; return 1; }
  local step
  step=$(sed -n 's/.*out done in \([0-9.]*\) s.*/\1/p' "$work/log.txt" | tail -1)
  awk -v s="$step" '{printf "%.1f %.1f %.0f %s\n", $1, $2 + $3, $4 / 1024, s}' "$work/time.txt"
}

mvox300=78.6432 mvox50=0.8192 volume_mb=300
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "## bilateral and patch-based-denoising: fast (default) against ITK (implementation: itk)"
echo
echo "\`bash bench/denoise_bench.sh\` on $(date -u +%Y-%m-%d), $(machine). One \`medpipe run\` of a one-step config"
echo "with the stage's defaults per row (DICOM in, float .nii out). ITK's rows ran on 128x128x50 (same spacing);"
echo "their 512x512x300 seconds are extrapolated per voxel (marked ~). Peak = the whole process's resident memory;"
echo "one float volume of 512x512x300 = 300 MB."
echo
echo "| stage | implementation | size | step s | Mvox/s | speed-up | medpipe run wall s (CPU s) | peak MB | peak / float volume |"
echo "|---|---|---|---|---|---|---|---|---|"
read -r io_wall io_cpu io_peak _ <<<"$(run clamp "" "$work/ct300/dicom")"
echo "| clamp (read and write only, for scale) | | 512x512x300 | | | | $io_wall ($io_cpu) | $io_peak | $(ratio "$io_peak" "$volume_mb") |"
for stage in bilateral patch-based-denoising; do
  read -r i_wall i_cpu i_peak i_step <<<"$(run "$stage" itk "$work/ct50/dicom")"
  read -r f_wall f_cpu f_peak f_step <<<"$(run "$stage" fast "$work/ct300/dicom")"
  i_rate=$(awk -v m="$mvox50" -v s="$i_step" 'BEGIN { printf "%.3f", m / s }')
  f_rate=$(awk -v m="$mvox300" -v s="$f_step" 'BEGIN { printf "%.1f", m / s }')
  i_full=$(awk -v r="$i_rate" -v m="$mvox300" 'BEGIN { printf "%.0f", m / r }')
  echo "| $stage | itk | 128x128x50 | $i_step (~$i_full at 512x512x300) | $i_rate | 1 | $i_wall ($i_cpu) | $i_peak | |"
  echo "| $stage | fast | 512x512x300 | $f_step | $f_rate | $(ratio "$f_rate" "$i_rate") | $f_wall ($f_cpu) | $f_peak | $(ratio "$f_peak" "$volume_mb") |"
done
echo
echo "Load average (1, 5, 15 min) before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg) (other builds and benches"
echo "share the 2 cores: wall seconds above 1 x CPU seconds / 2 mean waiting)."
