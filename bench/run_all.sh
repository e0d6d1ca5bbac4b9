#!/usr/bin/env bash
# All benchmarks in one command: DICOM I/O against dcm2niix, stages against bare ITK filters, the
# pipeline against a plain ITK program, and workflow throughput. Each writes bench/RESULTS-*.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh >/dev/null
for bench in io_bench stage_bench pipeline_bench workflow_bench; do
  echo "== $bench"
  bash "bench/$bench.sh"
  echo
done
