#!/usr/bin/env bash
# DICOM I/O against dcm2niix on the same data in the same run: `medpipe scan` of a generated export
# (20 series x 300 slices, 6000 files; headers only, warm page cache) and `medpipe convert` of one
# series to .nii.gz / .nii, on the real CT ../shared/data/ct-philips-140 (512x512x140, where
# present) and on a generated 512x512x300 CT series. Median of RUNS runs (default 3; the uncompressed
# one-series rows RUNS_NII, default 11), the two tools taking turns; peak RSS.
# Process start (`--version`: wall, CPU, peak MB, shared libraries the loader maps), also of
# MEDPIPE_BEFORE (an older medpipe binary, for before/after in the same run) where given.
# Usage: [MEDPIPE_BEFORE=OLD/medpipe] bash bench/io_bench.sh [WORKDIR]   (tables on stdout and in bench/RESULTS-io.md)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
work=${1:-/tmp/medpipe-bench}
build_bench_targets medpipe
mkdir -p "$work"
if [[ ! -d $work/export ]]; then
  for i in $(seq -w 1 20); do "$medpipe" phantom -o "$work/export-tmp/s$i" --size 128x128x300 --seed "$i" >/dev/null; done
  mv "$work/export-tmp" "$work/export"
fi
[[ -d $work/big ]] || "$medpipe" phantom -o "$work/big" --size 512x512x300 >/dev/null
cat "$work"/export/*/dicom/* "$work"/big/dicom/* >/dev/null  # warm the page cache
load=$(cut -d' ' -f1-3 /proc/loadavg)  # other jobs on the machine show in the figures

# time_once WORKDIR COMMAND...: "wall-s cpu-s MB" of one run (CPU = user + system: in a batch every
# core is busy and CPU time decides), into an empty output folder.
time_once() {
  local work=$1
  shift
  # sync: the previous run's output written back first, or its writeback lands in this run's system
  # time (measured: 0.14-0.86 s for the same 150 MB .nii, for either tool)
  rm -rf "$work/out" && mkdir -p "$work/out" && sync
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" ||
    { echo "bench: failed: $* (see $work/stderr.txt)" >&2; return 1; }
  awk '{printf "%.3f %.3f %.0f\n", $1, $2 + $3, $4 / 1024}' "$work/time.txt"
}

# medians FILE: "wall cpu MB", each column's own median over the runs in FILE.
medians() {
  local col out=()
  for col in 1 2 3; do
    out+=("$(cut -d' ' -f$col "$1" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')")
  done
  printf '%.2f %.2f %.0f\n' "${out[@]}"
}

# row TASK MEDPIPE_ARGS -- DCM2NIIX_ARGS: one line of the table, both tools on the same data
# (medpipe: $row_medpipe, the build's unless a row of MEDPIPE_BEFORE), the tools taking turns run by
# run so a slow phase of the machine (a VM's first touch of memory shows as system time) falls on
# both; $row_runs runs of each (default RUNS).
row_medpipe=$medpipe
row_runs=""
row() {
  local task=$1 mp=() d2n=() mp_t mp_c mp_m d2n_t d2n_c d2n_m
  shift
  while [[ $1 != -- ]]; do mp+=("$1"); shift; done
  shift
  d2n=("$@")
  : >"$work/mp.runs"
  : >"$work/d2n.runs"
  for _ in $(seq "${row_runs:-$runs}"); do
    time_once "$work" "$row_medpipe" "${mp[@]}" >>"$work/mp.runs"
    time_once "$work" dcm2niix "${d2n[@]}" >>"$work/d2n.runs"
  done
  read -r mp_t mp_c mp_m < <(medians "$work/mp.runs")
  read -r d2n_t d2n_c d2n_m < <(medians "$work/d2n.runs")
  echo "| $task$busy_label | $mp_t | $mp_c | $mp_m | $d2n_t | $d2n_c | $d2n_m | $(ratio "$mp_t" "$d2n_t") | $(ratio "$mp_c" "$d2n_c") |"
}
busy_label=""

# with_busy_cores COMMAND...: COMMAND while one CPU-bound loop per core runs beside it (a batch
# where every core is busy); the loops are this script's own processes, stopped by their ids.
with_busy_cores() {
  local pids=() status=0
  for _ in $(seq "$(nproc)"); do (while :; do :; done) & pids+=($!); done
  busy_label=" (both cores busy)"
  "$@" || status=$?
  busy_label=""
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  return $status
}

# convert_rows LABEL DICOM_FOLDER: .nii.gz at medpipe's default level 1 and at dcm2niix's default
# level 6, both tools at the same level (dcm2niix -z y: pigz where installed, else its own zlib),
# then uncompressed.
convert_rows() {
  local label=$1 dicom=$2
  row "convert $label to .nii.gz, gzip 1 (medpipe's default)" convert "$dicom" -o "$work/out" -- -z y -1 -o "$work/out" "$dicom"
  row "convert $label to .nii.gz, gzip 6 (dcm2niix's default)" convert "$dicom" -o "$work/out" --compression-level 6 -- -z y -6 -o "$work/out" "$dicom"
  # A fraction of a second each, where one slow run moves a median of 3: RUNS_NII runs (default 11).
  row_runs=${RUNS_NII:-11} row "convert $label to .nii (no compression)" convert "$dicom" -o "$work/out" --format nii -- -z n -o "$work/out" "$dicom"
}

# startup_row LABEL PROGRAM: `PROGRAM --version` (its exit code ignored: dcm2niix's is 3).
startup_row() {
  local label=$1 program=$2 times=() libs
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$program" --version >/dev/null 2>&1 || true
    times+=("$(tail -1 "$work/time.txt")")  # after "Command exited with non-zero status N"
  done
  libs=$(LD_DEBUG=files "$program" --version 2>&1 >/dev/null | grep -o 'file=[^ ]*' | sort -u | wc -l || true)
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p" |
    awk -v label="$label" -v libs="$libs" '{printf "| %s | %.3f | %.3f | %.0f | %d |\n", label, $1, $2 + $3, $4 / 1024, libs}'
}

before=${MEDPIPE_BEFORE:-}
# export_rows: the whole 20-series export (20 x 128x128x300) at gzip 6 and uncompressed.
export_rows() {
  row "convert the 20-series export to .nii.gz, gzip 6" convert "$work/export" -o "$work/out" --compression-level 6 -- -z y -6 -o "$work/out" "$work/export"
  row "convert the 20-series export to .nii" convert "$work/export" -o "$work/out" --format nii -- -z n -o "$work/out" "$work/export"
}

{
  echo "| process start (\`--version\`) | wall s | CPU s | MB | shared libraries mapped |"
  echo "|---|---|---|---|---|"
  [[ -n $before ]] && startup_row "medpipe before (MEDPIPE_BEFORE: VTK and libtorch linked in)" "$before"
  startup_row "medpipe (VTK in medpipe-render, libtorch a plugin)" "$medpipe"
  [[ -x $(dirname "$medpipe")/medpipe-render ]] && startup_row "medpipe-render (3D rendering: VTK)" "$(dirname "$medpipe")/medpipe-render"
  startup_row "dcm2niix" dcm2niix
} | tee "$work/startup.md"

{
  echo "| task | medpipe s | medpipe CPU s | medpipe MB | dcm2niix s | dcm2niix CPU s | dcm2niix MB | time ratio | CPU ratio |"
  echo "|---|---|---|---|---|---|---|---|---|"
  row "scan 20 series x 300 slices (6000 files; dcm2niix -b o)" scan "$work/export" -- -b o -o "$work/out" "$work/export"
  if [[ -d $shared_data/ct-philips-140 ]]; then
    convert_rows "ct-philips-140 (real, 512x512x140)" "$shared_data/ct-philips-140"
  else
    echo "skipped ct-philips-140: $shared_data/ct-philips-140 is absent" >&2
  fi
  convert_rows "generated CT 512x512x300" "$work/big/dicom"
  export_rows
  if [[ -n $before && -d $shared_data/ct-philips-140 ]]; then
    row_medpipe=$before
    row "convert ct-philips-140 to .nii.gz, gzip 6, medpipe BEFORE" convert "$shared_data/ct-philips-140" -o "$work/out" --compression-level 6 -- -z y -6 -o "$work/out" "$shared_data/ct-philips-140"
    row "convert ct-philips-140 to .nii, medpipe BEFORE" convert "$shared_data/ct-philips-140" -o "$work/out" --format nii -- -z n -o "$work/out" "$shared_data/ct-philips-140"
    row_medpipe=$medpipe
  fi
  if [[ -d $shared_data/ct-philips-140 ]]; then
    with_busy_cores convert_rows "ct-philips-140 (real, 512x512x140)" "$shared_data/ct-philips-140"
  fi
  with_busy_cores export_rows
} | tee "$work/table.md"
pigz=$(command -v pigz >/dev/null && echo "pigz installed (dcm2niix -z y uses it)" || echo "no pigz (dcm2niix -z y uses its internal zlib)")
{ cat "$work/startup.md"; echo; cat "$work/table.md"; } > "$work/tables.md"
write_results bench/RESULTS-io.md "DICOM I/O benchmark" "bash bench/io_bench.sh" "Warm page cache; $pigz; medpipe gzips on all cores. CPU s = user + system seconds; each column the median of its own runs, the two tools taking turns; the uncompressed rows of one series median of ${RUNS_NII:-11} runs; the rows marked (both cores busy) ran beside one busy loop per core. Machine load when it started: $load; when it ended: $(cut -d' ' -f1-3 /proc/loadavg)." "$work/tables.md"
