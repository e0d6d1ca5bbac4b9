#!/usr/bin/env bash
# Reproduces testdata/unet-phantom, the small U-Net the tests and the README use: six phantom CTs
# (`medpipe phantom`, seeds 1-6, 64x64x16 voxels of 3.2x3.2x10 mm) converted to NIfTI, and
# `medpipe train-unet` on them with the options recorded in the card's training.command.
# usage: scripts/train-phantom-unet.sh [MEDPIPE] [OUTPUT]   (default build/apps/medpipe/medpipe, testdata/unet-phantom)
# One thread and a fixed seed: the same weights on the same machine (CPUs with other vector units
# may round differently; docs/deep-learning.md).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
medpipe=${1:-$here/build/apps/medpipe/medpipe}
output=${2:-$here/testdata/unet-phantom}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/images" "$work/labels"
for seed in 1 2 3 4 5 6; do
  "$medpipe" phantom -o "$work/p$seed" --size 64x64x16 --spacing 3.2x3.2x10 --seed "$seed" >/dev/null
  "$medpipe" convert "$work/p$seed/dicom" -o "$work/c$seed" --quiet >/dev/null
  mv "$work/c$seed"/*.nii.gz "$work/images/phantom$seed.nii.gz"
  mv "$work/p$seed/labels.nii.gz" "$work/labels/phantom$seed.nii.gz"
done
"$medpipe" train-unet --images "$work/images" --labels "$work/labels" -o "$output" \
  --epochs 30 --iterations 12 --patch 32x32x8 --channels 4,8,16 --learning-rate 0.01 --seed 1 --threads 1 \
  --label-names "soft tissue,lung,bone"
