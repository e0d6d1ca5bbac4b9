#!/usr/bin/env bash
# medpipe report on a batch of N units (default 500): wall time and peak memory of writing the
# report, against reading every file it reads (cat) as the reference, and the largest unit page.
# The batch is one real unit (a 256x256x64 phantom through quality-metrics, label statistics, a
# preview and the report's 3D picture) copied N times with its metrics spread, so the cohort has
# outliers to flag, and two scanner models, so the plots are grouped. UNITS="500 10000" by default.
# Usage: bash bench/report_bench.sh [WORKDIR]     (table on stdout and in bench/RESULTS-report.md)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
work=${1:-/tmp/medpipe-report-bench}
build_bench_targets medpipe
medpipe=$PWD/$medpipe
rows=()
for units in ${UNITS:-500 10000}; do
batch=$work/batch-$units
if [[ ! -d $batch ]]; then
  rm -rf "$work/one" && mkdir -p "$work"
  [[ -d $work/phantom ]] || "$medpipe" phantom -o "$work/phantom" >/dev/null
  cat > "$work/qc.yaml" <<'YAML'
input: {path: '${input_dir}'}
steps:
  qc: {stage: quality-metrics, input: input}
  bone: {stage: binary-threshold, input: input, lower: 300, upper: 3000}
  stats: {stage: label-statistics, input: {image: input, labels: bone}}
outputs:
  - {step: qc, file: quality.csv}
  - {step: stats, file: stats.csv}
  - {step: bone, file: bone-preview.png, format: preview}
YAML
  "$medpipe" run "$work/qc.yaml" --input "$work/phantom/dicom" --output "$work/one" -q >/dev/null
  mkdir -p "$batch.tmp"
  for i in $(seq 1 "$units"); do
    unit=$batch.tmp/$(printf 'unit_%05d' "$i")
    mkdir -p "$unit"
    cp "$work/one/stats.csv" "$work/one/bone-preview.png" "$unit/"
    [[ ! -f $work/one/report-render.png ]] || cp "$work/one/report-render.png" "$unit/"
    # Two scanner models, every third unit the other one.
    sed "s/\"scanner\": \"\([^\"]*\)\"/\"scanner\": \"\1 $(( i % 3 ? 1 : 2 ))\"/" \
      "$work/one/provenance.json" > "$unit/provenance.json"
    # Spread every number of the volume row by up to +-5 %, and a few units far off.
    awk -F, -v OFS=, -v seed="$i" 'BEGIN { srand(seed) } NR == 1 || $1 != -1 { print; next }
      { for (c = 3; c <= NF; ++c) if ($c != "nan") $c = $c * (1 + (rand() - 0.5) * (seed % 97 == 0 ? 2 : 0.1)); print }' \
      "$work/one/quality.csv" > "$unit/quality.csv"
  done
  mv "$batch.tmp" "$batch"
fi
times=() reference=()
for _ in $(seq "$runs"); do
  rm -rf "$batch/report"
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$medpipe" report "$batch" >/dev/null
  times+=("$(cat "$work/time.txt")")
  start=$(date +%s.%N)
  find "$batch" -mindepth 2 -maxdepth 2 \( -name '*.json' -o -name '*.csv' \) -exec cat {} + > /dev/null
  reference+=("$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.3f", e - s }')")
done
read -r seconds kb < <(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
cat_seconds=$(printf '%s\n' "${reference[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
largest=$(find "$batch/report/units" -name '*.html' -printf '%s\n' | sort -n | tail -1)
index=$(stat -c %s "$batch/report/index.html")
rows+=("| $units | $seconds | $(( kb / 1024 )) | $cat_seconds | $(ratio "$seconds" "$cat_seconds") | $(( largest / 1024 )) | $(( index / 1024 )) |")
done
{
  echo "| units | report (s) | peak memory (MB) | reading its inputs with cat (s) | ratio | largest unit page (KB) | index.html (KB) |"
  echo "|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} | tee "$work/table.md"
write_results bench/RESULTS-report.md "Batch report" "bash bench/report_bench.sh" \
  "Targets (issue 18): 500 units in at most 30 s, a unit page at most 1.5 MB, a group page usable with 10,000 units. Unit pages link the unit's PNGs, they do not embed them; the group page has no images, shows 100 table rows a page and draws a strip of over 600 units as a density." "$work/table.md"
