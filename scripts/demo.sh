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
echo
echo "demo: outputs written to $(pwd)/$out:"
ls -l "$out"
