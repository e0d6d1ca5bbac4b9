#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine and runs the whole test suite twice:
#   1. the normal build (build/, Release);
#   2. the same suite built with AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/,
#      CMake preset "asan", -DMEDPIPE_SANITIZE=ON; ITK and GDCM stay uninstrumented).
# Extra arguments go to both CMake configure steps, e.g. -DMEDPIPE_WITH_VTK=OFF.
# Prints ctest's summary for each pass and exits non-zero when anything failed in either.
# CI runs both (.ci/run). MEDPIPE_SKIP_SANITIZERS=1 skips the second pass for a quick local check:
# on an idle 2-core machine its build (-O1) takes about 20 min from cold, its tests about 12.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/install-deps.sh
bash scripts/build.sh "$@"
echo "build: ready after $(( $(date +%s) - start )) s"

status=0
ctest --test-dir build --output-on-failure --parallel "$(nproc)" || status=1
echo "tests: done after $(( $(date +%s) - start )) s"

if [[ ${MEDPIPE_SKIP_SANITIZERS:-0} != 1 ]]; then
  asan_start=$(date +%s)
  cmake --preset asan "$@"
  cmake --build build-asan --parallel "$(nproc)"
  echo "sanitizer build: ready after $(( $(date +%s) - asan_start )) s"
  # detect_leaks=0: medpipe's own commands (scan, convert, run) run leak-free, but every rendering
  # process (VTK under Xvfb) leaks 240 bytes from Mesa's GL driver and ITKCommon, in modules unloaded
  # before exit ("<unknown module>"), which a suppression cannot name; LeakSanitizer then fails the
  # process. Memory errors stay fatal, and so does undefined behaviour (halt_on_error) except the
  # third-party cases in cmake/ubsan-suppressions.txt. The tests' medpipe child processes inherit these.
  export ASAN_OPTIONS=detect_leaks=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=$PWD/cmake/ubsan-suppressions.txt
  ctest --test-dir build-asan --output-on-failure --parallel "$(nproc)" || status=1
  echo "sanitizer tests: done after $(( $(date +%s) - asan_start )) s"
fi
exit "$status"
