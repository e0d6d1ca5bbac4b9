#!/usr/bin/env bash
# Throughput of workflows/Snakefile on one machine: series per minute with 1 and 2 parallel jobs,
# running configs/ct-bone.yaml on a generated export of N series (default 8) of 256x256x64.
# Usage: bash bench/workflow_bench.sh [WORKDIR]     (table on stdout and in bench/RESULTS-workflow.md)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
work=${1:-/tmp/medpipe-workflow-bench}
series=${SERIES:-8}
build_bench_targets medpipe
medpipe=$PWD/$medpipe
if [[ ! -d $work/export ]]; then
  for i in $(seq 1 "$series"); do
    "$medpipe" phantom -o "$work/gen/s$i" --seed "$i" >/dev/null
    mkdir -p "$work/export" && mv "$work/gen/s$i/dicom" "$work/export/s$i"
  done
  rm -rf "$work/gen"
fi
row() {
  local jobs=$1
  rm -rf "$work/out-$jobs" "$work/.snakemake"
  local start end
  start=$(date +%s.%N)
  (cd "$work" && PATH="$(dirname "$medpipe"):$PATH" snakemake -s "$OLDPWD/workflows/Snakefile" -j "$jobs" --quiet \
     --config medpipe_config="$OLDPWD/configs/ct-bone.yaml" input="$work/export" output="$work/out-$jobs" >/dev/null 2>&1)
  end=$(date +%s.%N)
  awk -v j="$jobs" -v n="$series" -v s="$start" -v e="$end" \
    'BEGIN { t = e - s; printf "| %d | %d | %.1f | %.1f |\n", j, n, t, n / t * 60 }'
}
{
  echo "| jobs | series | seconds | series/min |"
  echo "|---|---|---|---|"
  row 1
  row 2
} | tee "$work/table.md"
runs=1
write_results bench/RESULTS-workflow.md "Workflow throughput" "bash bench/workflow_bench.sh" \
  "configs/ct-bone.yaml on $series generated CT series of 256x256x64 through workflows/Snakefile." "$work/table.md"
