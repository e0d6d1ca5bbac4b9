#!/usr/bin/env bash
# Configures and builds medpipe in ./build (Release, Ninja, ccache when present).
# Extra arguments go to the CMake configure step, e.g. -DMEDPIPE_WITH_VTK=OFF.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja "$@"
cmake --build build --parallel "$(nproc)"
