#!/usr/bin/env bash
# Each denoising and segmentation stage against the bare ITK filter it wraps, same parameters and
# input, same run, measured alternately (bench/src/stage_bench.cxx) on a 512x512x300 float phantom;
# the slowest stages on a centred 256x256x100 or 128x128x50 part of it (the size column says which).
# Then denoise_bench.sh and every_stage_bench.sh (every stage as run). Tables on stdout and in
# bench/RESULTS-stages.md.
# Usage: bash bench/stage_bench.sh [X Y Z [RUNS]]      (STAGES=a,b runs only those stages)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
build_bench_targets stage_bench
size=("${1:-512}" "${2:-512}" "${3:-300}")
runs=${4:-$runs}
table=$(mktemp)
load=$(cut -d" " -f1-3 /proc/loadavg)  # other jobs on the 2 cores show in the figures
"$build/bench/stage_bench" "${size[@]}" "$runs" | tee "$table"
write_results bench/RESULTS-stages.md "Stage benchmark" "bash bench/stage_bench.sh" \
  "Float phantom of ${size[0]}x${size[1]}x${size[2]} (or the size in the row); speed-up = bare ITK time / stage time; MB = peak resident memory a run added to the input; stage volumes = the stage's whole peak (input included) in float volumes. Machine load (1, 5, 15 min) at the start: $load." "$table"
rm -f "$table"
# bilateral and patch-based denoising as a user runs them, fast on the whole CT (issue 22).
{ echo; bash bench/denoise_bench.sh; } | tee -a bench/RESULTS-stages.md
# Every registered stage as a user runs it (bench/RESULTS-every-stage.md, its title a section here).
bash bench/every_stage_bench.sh >/dev/null
{ echo; sed '1s/^# /## /' bench/RESULTS-every-stage.md; } | tee -a bench/RESULTS-stages.md
