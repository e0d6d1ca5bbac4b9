#!/usr/bin/env bash
# DICOM I/O benchmark: `medpipe scan` of a generated export (20 series x 300 slices) and
# `medpipe convert` of one generated 512x512x300 CT series, each against dcm2niix on the same
# data in the same run. Median of RUNS runs (default 3), peak resident memory from /usr/bin/time.
# Usage: bash bench/io_bench.sh [WORKDIR]     (writes the table to stdout and bench/RESULTS-io.md)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/medpipe-bench}
runs=${RUNS:-3}
medpipe=build/apps/medpipe/medpipe
[[ -x $medpipe ]] || bash scripts/build.sh >/dev/null

mkdir -p "$work"
if [[ ! -d $work/export ]]; then
  for i in $(seq -w 1 20); do "$medpipe" phantom -o "$work/export-tmp/s$i" --size 128x128x300 --seed "$i" >/dev/null; done
  mv "$work/export-tmp" "$work/export"
fi
[[ -d $work/big ]] || "$medpipe" phantom -o "$work/big" --size 512x512x300 >/dev/null

# measure NAME COMMAND...: median wall time (s) and the peak RSS (MB) of that median run.
measure() {
  local times=()
  for _ in $(seq "$runs"); do
    rm -rf "$work/out" && mkdir -p "$work/out"
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null 2>&1
    times+=("$(cat "$work/time.txt")")
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p" | awk '{printf "%.2f %.0f\n", $1, $2 / 1024}'
}

cat "$work"/export/*/dicom/* >/dev/null  # warm the page cache
read -r scan_t scan_m < <(measure "$medpipe" scan "$work/export")
read -r d2n_scan_t d2n_scan_m < <(measure dcm2niix -b o -o "$work/out" "$work/export")
read -r conv_t conv_m < <(measure "$medpipe" convert "$work/big/dicom" -o "$work/out")
read -r conv6_t conv6_m < <(measure "$medpipe" convert "$work/big/dicom" -o "$work/out" --compression-level 6)
read -r d2n_t d2n_m < <(measure dcm2niix -z y -o "$work/out" "$work/big/dicom")
read -r d2n_raw_t d2n_raw_m < <(measure dcm2niix -z n -o "$work/out" "$work/big/dicom")
read -r conv_raw_t conv_raw_m < <(measure "$medpipe" convert "$work/big/dicom" -o "$work/out" --format nii)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
{
  echo "| task | medpipe s | medpipe MB | dcm2niix s | dcm2niix MB | time ratio |"
  echo "|---|---|---|---|---|---|"
  echo "| scan 20 series x 300 slices (6000 files; dcm2niix -b o) | $scan_t | $scan_m | $d2n_scan_t | $d2n_scan_m | $(ratio "$scan_t" "$d2n_scan_t") |"
  echo "| convert 512x512x300 to .nii.gz (medpipe gzip 1, dcm2niix -z y) | $conv_t | $conv_m | $d2n_t | $d2n_m | $(ratio "$conv_t" "$d2n_t") |"
  echo "| convert 512x512x300 to .nii.gz (medpipe gzip 6, dcm2niix -z y) | $conv6_t | $conv6_m | $d2n_t | $d2n_m | $(ratio "$conv6_t" "$d2n_t") |"
  echo "| convert 512x512x300 to .nii (no compression) | $conv_raw_t | $conv_raw_m | $d2n_raw_t | $d2n_raw_m | $(ratio "$conv_raw_t" "$d2n_raw_t") |"
} | tee bench/RESULTS-io.md.tmp
{
  echo "# DICOM I/O benchmark"
  echo
  echo "\`bash bench/io_bench.sh\` on $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(date -u +%Y-%m-%d); median of $runs runs, warm page cache; peak RSS."
  echo
  cat bench/RESULTS-io.md.tmp
} > bench/RESULTS-io.md
rm bench/RESULTS-io.md.tmp
