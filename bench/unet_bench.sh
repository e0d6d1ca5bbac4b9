#!/usr/bin/env bash
# unet-segment's sliding-window inference of the shipped model (testdata/unet-phantom) on a
# 256x256x128 phantom at the model's spacing, on 1 and 2 threads (bench/src/unet_bench.cxx): the
# whole stage, the sliding windows alone, and the bare forward passes they make (the reference:
# the same calls, same batch, nothing else); overhead = windows / forward - 1 (goal <= 10 %).
# Table on stdout and in bench/RESULTS-unet.md.
# Usage: bash bench/unet_bench.sh [X Y Z]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
build_bench_targets unet_bench
size=("${1:-256}" "${2:-256}" "${3:-128}")
runs=1
table=$(mktemp)
echo "| threads | forward calls | stage s | sliding windows s | bare forward passes s | overhead of the windows | overhead of the stage | peak MB |" > "$table"
echo "|---|---|---|---|---|---|---|---|" >> "$table"
for threads in 1 2; do
  read -r _ stage _ windows _ forward _ calls _ _ _ peak <<< "$("$build/bench/unet_bench" testdata/unet-phantom "${size[@]}" "$threads")"
  overhead=$(awk -v w="$windows" -v f="$forward" 'BEGIN { printf "%.1f %%", (w / f - 1) * 100 }')
  stage_overhead=$(awk -v s="$stage" -v f="$forward" 'BEGIN { printf "%.1f %%", (s / f - 1) * 100 }')
  echo "| $threads | $calls | $stage | $windows | $forward | $overhead | $stage_overhead | $peak |" | tee -a "$table"
done
write_results bench/RESULTS-unet.md "Sliding-window inference benchmark" "bash bench/unet_bench.sh" \
  "Phantom of ${size[0]}x${size[1]}x${size[2]} voxels at the model's spacing (3.2x3.2x10 mm, so no resampling work), the shipped model (patch 32x32x8, 4 classes), MONAI mode, overlap 0.25, Gaussian blending, one patch per thread per step. One untimed forward pass first (libtorch's start-up). Peak memory is the whole process (phantom and its label map included)." "$table"
rm -f "$table"
cat bench/RESULTS-unet.md
