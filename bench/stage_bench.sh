#!/usr/bin/env bash
# Every benchmarked stage against the bare ITK filter it wraps, same parameters and input, same run,
# on a 512x512x300 float phantom (bench/src/stage_bench.cxx). Table on stdout and in bench/RESULTS-stages.md.
# Usage: bash bench/stage_bench.sh [X Y Z [RUNS]]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build-bench}
cmake -S . -B "$build" -G Ninja -DMEDPIPE_BUILD_BENCH=ON -DMEDPIPE_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target stage_bench >/dev/null
size=("${1:-512}" "${2:-512}" "${3:-300}")
"$build/bench/stage_bench" "${size[@]}" "${4:-3}" | tee /tmp/medpipe-stage-table.md
{
  echo "# Stage benchmark"
  echo
  echo "\`bash bench/stage_bench.sh\` on $(nproc) cores, $(date -u +%Y-%m-%d): ${size[0]}x${size[1]}x${size[2]} float phantom, median of ${4:-3} runs; ratio = stage time / bare ITK time."
  echo
  cat /tmp/medpipe-stage-table.md
} > bench/RESULTS-stages.md
