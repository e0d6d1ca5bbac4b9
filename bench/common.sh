# Shared by the bench scripts (sourced): the build, the timing of one command, the results header.
# Benchmarks build in BUILD_DIR (default build/, the tree scripts/build.sh makes) with the bench
# programs switched on; run them on an otherwise idle machine.
build=${BUILD_DIR:-build}
runs=${RUNS:-3}
medpipe=$build/apps/medpipe/medpipe
shared_data=${MEDPIPE_SHARED_DATA:-$PWD/../shared/data}

build_bench_targets() {  # TARGET...
  [[ -f $build/CMakeCache.txt ]] || bash scripts/build.sh >/dev/null
  cmake -S . -B "$build" -DMEDPIPE_BUILD_BENCH=ON >/dev/null
  cmake --build "$build" --target "$@" >/dev/null
}

# measure WORKDIR COMMAND...: the median wall time (s) of RUNS runs and the peak RSS (MB) of that run.
# WORKDIR/out is emptied before each run.
measure() {
  local work=$1 times=()
  shift
  for _ in $(seq "$runs"); do
    rm -rf "$work/out" && mkdir -p "$work/out"
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" ||
      { echo "bench: failed: $* (see $work/stderr.txt)" >&2; return 1; }
    times+=("$(cat "$work/time.txt")")
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p" | awk '{printf "%.2f %.0f\n", $1, $2 / 1024}'
}

# make_ct_phantom WORKDIR: WORKDIR/ct.nii.gz, the 512x512x300 CT phantom (0.8x0.8x1.0 mm) as int16
# .nii.gz, made once and kept for later runs.
make_ct_phantom() {
  local work=$1
  mkdir -p "$work"
  [[ -f $work/ct.nii.gz ]] && return
  "$medpipe" phantom -o "$work/phantom" --size 512x512x300 --spacing 0.8x0.8x1.0 >/dev/null
  "$medpipe" convert "$work/phantom/dicom" -o "$work/converted" >/dev/null
  mv "$work"/converted/*.nii.gz "$work/ct.nii.gz"
  rm -rf "$work/phantom" "$work/converted"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

machine() {
  echo "$(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), $(free -g | awk '/Mem:/ {print $2}') GiB, $(. /etc/os-release && echo "$PRETTY_NAME")"
}

# write_results FILE TITLE COMMAND NOTE TABLE: the table with a header saying how it was made.
write_results() {
  {
    echo "# $2"
    echo
    echo "\`$3\` on $(date -u +%Y-%m-%d), $(machine); median of $runs runs, peak resident memory. $4"
    echo
    cat "$5"
  } > "$1"
}
