#!/usr/bin/env bash
# All benchmarks in one command, on an otherwise idle machine: DICOM I/O against dcm2niix, each
# stage against its bare ITK filter, the README's demo pipeline against a plain ITK program, and
# workflow throughput. Each script writes bench/RESULTS-*.md; this one joins them into
# bench/RESULTS.md and prints it.   Usage: bash bench/run_all.sh [BENCH...]   (RUNS=N: median of N,
# default 3). Naming benches (e.g. io_bench) re-runs only those and joins them with the other tables
# as they are; the joined file then says which tables are from earlier runs.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
bash scripts/install-deps.sh >/dev/null
start=$(date +%s)
parts=(io_bench:RESULTS-io.md stage_bench:RESULTS-stages.md stage_run_bench:RESULTS-stage-runs.md classes_bench:RESULTS-classes.md pipeline_bench:RESULTS-pipeline.md workflow_bench:RESULTS-workflow.md cohort_bench:RESULTS-cohort.md report_bench:RESULTS-report.md)
selected=("$@")
wanted() { [[ ${#selected[@]} -eq 0 ]] || [[ " ${selected[*]} " == *" $1 "* ]]; }
for part in "${parts[@]}"; do
  wanted "${part%%:*}" || continue
  echo "== ${part%%:*}"
  bash "bench/${part%%:*}.sh"
  echo
done
{
  echo "# Benchmark results"
  echo
  echo "\`bash bench/run_all.sh\` on $(date -u +%Y-%m-%d), $(machine), medpipe $(git describe --always --dirty 2>/dev/null || echo unknown);"
  echo "$(( $(date +%s) - start )) s in all$([[ ${#selected[@]} -gt 0 ]] && echo " for ${selected[*]}; the other tables are from their own earlier runs (dates in their headers)")."
  echo "Each table compares medpipe with its reference measured in the same run."
  for part in "${parts[@]}"; do
    echo
    sed '1s/^# /## /' "bench/${part#*:}"
  done
} > bench/RESULTS.md
cat bench/RESULTS.md
