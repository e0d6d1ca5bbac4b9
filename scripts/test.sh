#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine and runs the whole test suite:
# dependencies, build, then ctest. Exits non-zero when anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/install-deps.sh
bash scripts/build.sh "$@"
echo "build: ready after $(( $(date +%s) - start )) s"
ctest --test-dir build --output-on-failure --parallel "$(nproc)"
