#!/usr/bin/env bash
# medpipe cohort build on a generated batch of 10,000 units x 200 features (bench/cohort_generate.py):
# the first build, a rebuild with nothing changed, and one after 100 units were re-run. Reference:
# the sqlite3 shell loading the same 2,000,000 numbers in long form (.import into a table with the
# same primary key and index), in the same run. Target: first build <= 30 s.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
build_bench_targets medpipe
units=${UNITS:-10000} features=${FEATURES:-200}
work=/tmp/medpipe-bench-cohort
rm -rf "$work" && mkdir -p "$work"
python3 bench/cohort_generate.py "$work/batch" "$units" "$features" "$work/long.csv"
echo "bench: generated $units units x $features features in $work/batch" >&2

build_once() { rm -f "$work/batch/cohort.sqlite" "$work/batch/cohort.csv"; "$medpipe" cohort build "$work/batch" -q; }
reference_once() {
  rm -f "$work/reference.sqlite"
  sqlite3 "$work/reference.sqlite" <<SQL
CREATE TABLE measurements (unit TEXT, step TEXT, label INTEGER, feature TEXT, value REAL, PRIMARY KEY (unit, label, step, feature)) WITHOUT ROWID;
CREATE INDEX measurements_by_feature ON measurements (step, feature, value);
.mode csv
.import $work/long.csv measurements
SQL
}
export -f build_once reference_once
export work medpipe

first=$(measure "$work" bash -c build_once)
reference=$(measure "$work" bash -c reference_once)
"$medpipe" cohort build "$work/batch" -q
unchanged=$(measure "$work" "$medpipe" cohort build "$work/batch" -q)
# 100 units re-run: their status and tables rewritten.
for d in $(ls "$work/batch" | grep _Series_ | head -100); do touch "$work/batch/$d"/*.csv; echo '{"unit": "x", "ok": true, "error": "", "seconds": 2}' > "$work/batch/$d/status.json"; done
changed=$(measure "$work" "$medpipe" cohort build "$work/batch" -q)
rows=$(sqlite3 "$work/batch/cohort.sqlite" "SELECT COUNT(*) FROM measurement_values")
size=$(du -m "$work/batch/cohort.sqlite" | cut -f1)

read -r t_first m_first <<<"$first"
read -r t_ref m_ref <<<"$reference"
read -r t_same m_same <<<"$unchanged"
read -r t_changed m_changed <<<"$changed"
table="| case | seconds | peak MB | vs reference |
|---|---|---|---|
| \`cohort build\`, new database ($units units, $rows measurements, ${size} MB) | $t_first | $m_first | $(ratio "$t_first" "$t_ref")x |
| \`cohort build\` again, nothing changed | $t_same | $m_same | $(ratio "$t_same" "$t_ref")x |
| \`cohort build\` after 100 units re-ran | $t_changed | $m_changed | $(ratio "$t_changed" "$t_ref")x |
| reference: \`sqlite3\` \`.import\` of the same numbers in long form | $t_ref | $m_ref | 1.00x |"
echo "$table" | tee "$work/table.md"
write_results bench/RESULTS-cohort.md "Cohort database build" "bash bench/cohort_bench.sh" \
  "Target: a new database of 10,000 units x 200 features in at most 30 s." "$work/table.md"
