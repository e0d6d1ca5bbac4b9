#!/usr/bin/env bash
# Every registered stage as a user runs it (issue 22's goal: each within 10 s wall on a
# 512x512x300 CT on this 2-core machine, with its defaults): `medpipe run` of a config whose timed
# step is the stage with its defaults, on the CT phantom stage_run_bench.sh makes (int16 .nii.gz),
# each implementation where a stage has two. Stages that need more than the image get it from
# untimed-in-the-column steps before theirs: a body mask (binary-threshold -500..3000 HU; cast-to-labels takes it cast to an image), seeds in
# the lungs, a model trained by `medpipe train-classifier` on a 300x60x20 crop painted by
# kmeans-classes, the shipped phantom U-Net. Columns: the step's own wall seconds (provenance.json),
# the whole run's wall and CPU seconds (reading, the helper steps and writing included) and peak
# resident memory, Mvox/s and peak in float volumes, and ITK's speed-up where the stage has both.
# Usage: bash bench/every_stage_bench.sh [WORKDIR]   (STAGES=a,b runs only those; table on stdout
# and in bench/RESULTS-every-stage.md)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
runs=1
work=${1:-/tmp/medpipe-stage-run-bench}
build_bench_targets medpipe
make_ct_phantom "$work"
load=$(cut -d' ' -f1-3 /proc/loadavg)

# A voxel-classifier model for classify-voxels and voxel-class-probability.
if [[ ! -f $work/ct.model ]]; then
  cat >"$work/scribbles.yaml" <<EOF
input: {path: $work/ct.nii.gz}
steps:
  crop: {stage: crop-to-box, input: input, x0: 100, y0: 200, z0: 140, x1: 399, y1: 259, z1: 159}
  classes: {stage: kmeans-classes, input: crop, classes: 3}
outputs:
  - {step: crop, file: crop.nii.gz}
  - {step: classes, file: classes.nii.gz}
EOF
  rm -rf "$work/scribbles"
  "$medpipe" run "$work/scribbles.yaml" -o "$work/scribbles" --no-report -q
  "$medpipe" train-classifier "$work/scribbles/crop.nii.gz" --labels "$work/scribbles/classes.nii.gz" \
    -o "$work/ct.model" -q
fi

# What each stage needs beyond its defaults: its input line, and parameters ("key: value; key: value").
body_mask="  body: {stage: binary-threshold, input: input, lower: -500, upper: 3000}"
declare -A input=(
  [close]="body" [connected-components]="body" [dilate]="body" [erode]="body"
  [fill-holes]="body" [open]="body" [cast-to-image]="body" [resample-labels]="body"
  [crop-to-mask]="{image: input, mask: body}" [apply-mask]="{image: input, mask: body}"
  [label-statistics]="{image: input, labels: body}" [radiomics]="{image: input, labels: body}"
  [quality-metrics]="{image: input, labels: body}" [cast-to-labels]="body-image"
)
declare -A extra=(
  [threshold-level-set]="seeds: [[-38, -2, 0]]"
  [confidence-connected]="seeds: [[-38, -2, 0], [38, -2, 0]]"
  [connected-threshold]="seeds: [[-38, -2, 0], [38, -2, 0]]"
  [neighborhood-connected]="seeds: [[-38, -2, 0], [38, -2, 0]]"
  [crop-to-box]="x0: 0; y0: 0; z0: 0; x1: 255; y1: 255; z1: 149"
  [classify-voxels]="model: $work/ct.model"
  [voxel-class-probability]="model: $work/ct.model"
  [unet-segment]="model: $PWD/testdata/unet-phantom"
  [unet-probability]="model: $PWD/testdata/unet-phantom"
  # Its defaults on the whole body (11 M voxels) refuse: Moran's I would need 5 GB of FFT buffers
  # (limit 2 GB). The stage's documented example resamples to 2 mm first.
  [radiomics]="spacing: 2,2,2"
)
mapfile -t all < <("$medpipe" stages | awk '/^  [a-z]/ {print $1}')
IFS=, read -r -a stages <<<"${STAGES:-$(IFS=,; echo "${all[*]}")}"

# measure_run STAGE [IMPLEMENTATION]: "step-s wall-s cpu-s MB" of one run.
measure_run() {
  local stage=$1 implementation=${2:-} kind file
  kind=$("$medpipe" stages "$stage" | sed -n 's/^Output: *//p')
  case $kind in image | labels) file=out.nii.gz ;; *) file=out.csv ;; esac
  {
    echo "input: {path: $work/ct.nii.gz}"
    echo "steps:"
    [[ ${input[$stage]:-} == *body* ]] && echo "$body_mask"
    [[ ${input[$stage]:-} == body-image ]] && echo "  body-image: {stage: cast-to-image, input: body}"
    echo "  out:"
    echo "    stage: $stage"
    echo "    input: ${input[$stage]:-input}"
    [[ -n ${extra[$stage]:-} ]] && echo "    ${extra[$stage]//; /$'\n'    }"
    [[ -n $implementation ]] && echo "    implementation: $implementation"
    echo "outputs:"
    echo "  - {step: out, file: $file}"
  } >"$work/step.yaml"
  rm -rf "$work/out"
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$medpipe" run "$work/step.yaml" -o "$work/out" --no-report -q \
    >/dev/null 2>"$work/stderr.txt" || { echo "bench: failed: $stage $implementation (see $work/stderr.txt)" >&2; return 1; }
  local step
  step=$(python3 -c "import json,sys; print(next(s['seconds'] for s in json.load(open(sys.argv[1]))['steps'] if s['name'] == 'out'))" \
    "$work/out/provenance.json")
  awk -v s="$step" '{printf "%.2f %.1f %.1f %.0f\n", s, $1, $2 + $3, $4 / 1024}' "$work/time.txt"
}

voxels=$((512 * 512 * 300))
float_volume_mb=300  # a float 512x512x300 volume in MB of 2^20 bytes, as peak MB counts
# The process's own memory before it reads anything (libraries, ITK): what a stage's peak is not.
/usr/bin/time -f "%M" -o "$work/time.txt" "$medpipe" --version >/dev/null
process_mb=$(awk '{printf "%.0f", $1 / 1024}' "$work/time.txt")

# row STAGE IMPLEMENTATION [ITK-STEP-S]: one run's table row; the speed-up is ITK's step over this one's.
row() {
  local s t c m verdict speedup
  read -r s t c m <<<"$(measure_run "$1" "${2#(one)}")"
  [[ -n $t ]] || { echo "| $1 | $2 | failed | | | | | | | | **no** |"; return; }
  verdict=$(awk -v t="$t" 'BEGIN { print (t <= 10 ? "yes" : "**no**") }')
  speedup=${3:+$(ratio "$3" "$s")}
  [[ $2 == itk ]] && speedup=1
  echo "| $1 | $2 | $s | $(awk -v v="$voxels" -v s="$s" 'BEGIN { printf "%.1f", v / 1e6 / s }') | ${speedup:-} | $t | $c | $m |" \
    "$(awk -v m="$m" -v f="$float_volume_mb" 'BEGIN { printf "%.2f", m / f }') |" \
    "$(awk -v m="$m" -v p="$process_mb" -v f="$float_volume_mb" 'BEGIN { printf "%.2f", (m - p) / f }') | $verdict |"
}

table=$(mktemp)
{
  echo "| stage | implementation | step s | step Mvox/s | speed-up (ITK step / step) | run wall s | run CPU s | peak MB | peak / float volume | stage peak / float volume | run <= 10 s |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  for stage in "${stages[@]}"; do
    if "$medpipe" stages "$stage" | grep -q '^  implementation '; then
      # ITK's bilateral and non-local means take 13 and 30 minutes here: measured on crops by
      # stage_bench and denoise_bench (bench/RESULTS-stages.md).
      if [[ $stage == bilateral || $stage == patch-based-denoising ]]; then
        row "$stage" fast
        continue
      fi
      itk_row=$(row "$stage" itk)
      row "$stage" fast "$(awk -F'|' '{ gsub(/ /, "", $4); print $4 }' <<<"$itk_row")"
      echo "$itk_row"
    else
      row "$stage" "(one)"
    fi
  done
} | tee "$table"
write_results bench/RESULTS-every-stage.md "Every stage as a user runs it" "bash bench/every_stage_bench.sh" \
  "\`medpipe run\` of one config per stage on a 512x512x300 int16 .nii.gz CT phantom (0.8x0.8x1.0 mm), the stage with its defaults (plus seeds, a body mask, a model where it needs them: see the script), its result written as .nii.gz (gzip 1) or .csv. step s = the stage's own time (provenance.json), step Mvox/s = 78.6 M voxels / step s; speed-up = the ITK implementation's step s over the fast one's, the two run one after the other (ITK's bilateral and patch-based denoising: on crops, in bench/RESULTS-stages.md); peak / float volume = the whole process's peak over 300 MB (one float 512x512x300 volume); stage peak = the same less the process's own $process_mb MB before it reads anything (the peak of \`medpipe --version\`: libraries, ITK), input, reading and writing included; run = the whole command: reading, the input's histogram, a body-mask step where the stage takes one, the stage, writing. Machine load (1, 5, 15 min) at the start: $load, at the end: $(cut -d' ' -f1-3 /proc/loadavg)." "$table"
rm -f "$table"
