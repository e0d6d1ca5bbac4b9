#!/usr/bin/env bash
# classify-voxels (a trained random forest, 30 features: 1 channel x 3 scales x 10) applied to a
# large volume: trains on a 128x128x64 phantom with 1 % painted, applies to X x Y x Z of the same
# kind (bench/src/classify_bench.cxx). Wall and CPU seconds of the stage alone, peak memory of the
# whole process, Dice per class against the phantom's truth, and the load average of the machine
# before and after (other jobs share its cores: wall time depends on them, CPU time much less).
# Table on stdout and in bench/RESULTS-classify.md.
# Usage: bash bench/classify_bench.sh [X Y Z]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
build_bench_targets classify_bench
size=("${1:-512}" "${2:-512}" "${3:-300}")
runs=1
work=$(mktemp -d)
table=$(mktemp)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
read -r _ train_s _ apply_s _ apply_cpu _ peak_mb _ volume_mb _ d1 d2 d3 _ features _ trees \
  <<< "$("$build/bench/classify_bench" "${size[@]}" "$work/bench.model")"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo "| volume | features | trees | apply s (wall) | apply CPU s | CPU s / 2 cores | peak MB | inputs MB | Dice 1 / 2 / 3 | train s | load before | load after |" > "$table"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|" >> "$table"
echo "| ${size[0]}x${size[1]}x${size[2]} | $features | $trees | $apply_s | $apply_cpu | $(awk -v c="$apply_cpu" 'BEGIN { printf "%.1f", c / 2 }') | $peak_mb | $volume_mb | $d1 / $d2 / $d3 | $train_s | $load_before | $load_after |" | tee -a "$table"
write_results bench/RESULTS-classify.md "Voxel-classifier benchmark" "bash bench/classify_bench.sh" \
  "Phantom of ${size[0]}x${size[1]}x${size[2]} float voxels, 0.7 x 0.7 x 1.0 mm (3 nested lobed classes of 200/300/400 HU, +-10 % bias, sigma 20 HU noise); model trained on a 128x128x64 phantom of the same kind with 1 % of its voxels painted, default feature bank (scales 1, 2, 4 mm) and 32 trees. Apply = the classify-voxels stage alone (model file read, features slice by slice, forest); peak memory is the whole process (inputs: phantom image and truth, 393 MB at 512x512x300). Load average = /proc/loadavg (1, 5, 15 min) before and after: on a 2-core machine shared with other jobs, 'CPU s / 2 cores' is the wall time the stage takes with both cores to itself." "$table"
rm -rf "$work" "$table"
cat bench/RESULTS-classify.md
