#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine and runs medpipe's main job on the bundled
# sample study (testdata/sample-ct): scan it, then run configs/ct-bone.yaml on it (denoise,
# bone threshold, largest component, statistics), writing into ./demo-output.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
medpipe=build/apps/medpipe/medpipe
out=demo-output
"$medpipe" scan testdata/sample-ct
"$medpipe" run configs/ct-bone.yaml --input testdata/sample-ct --output "$out" --force
# A 3D picture of the result: the segmented bone in the translucent body, seen from the front left (medpipe starts a
# private Xvfb when there is no display). The README shows this picture.
"$medpipe" render "$out/denoised.nii.gz" --labels "$out/bone.nii.gz" --preset ct-soft-tissue --view 30,15 \
  --size 512x512 -o "$out/bone-render.png"
echo
echo "demo: outputs written to $(pwd)/$out:"
ls -l "$out"
# `run` wrote the batch report (README: the last thing the demo shows).
echo "demo: report: $(pwd)/$out/report/index.html"
