#!/usr/bin/env bash
# The slow stages as a user waits for them: `medpipe run` of a one-step config on a 512x512x300
# CT-like NIfTI (a generated phantom, int16 .nii.gz in, the step's result out as .nii.gz at gzip 1),
# reading and writing included; medpipe's own implementation (the default) and ITK's
# (implementation: itk) where a stage has both, and `clamp` as the cost of the reading and
# writing alone. Wall seconds, CPU seconds (user + system), peak resident memory; median of RUNS.
# Usage: bash bench/stage_run_bench.sh [WORKDIR]   (STAGES=a,b runs only those; table on stdout
# and in bench/RESULTS-stage-runs.md)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
work=${1:-/tmp/medpipe-stage-run-bench}
build_bench_targets medpipe
make_ct_phantom "$work"
load=$(cut -d' ' -f1-3 /proc/loadavg)  # other jobs on the 2 cores show in the figures

# The step of each stage: its defaults, with the seeds of its example where it needs them (the
# phantom's lungs sit at x = -38 and 38 mm).
declare -A extra=(
  [threshold-level-set]="    seeds: [[-38, -2, 0]]"
  [confidence-connected]="    seeds: [[-38, -2, 0], [38, -2, 0]]"
)
all=(clamp gaussian confidence-connected n4-bias-correction curvature-flow watershed min-max-curvature-flow
  threshold-level-set)
IFS=, read -r -a stages <<<"${STAGES:-$(IFS=,; echo "${all[*]}")}"

# measure_run STAGE [IMPLEMENTATION]: "wall cpu MB" of the median run.
measure_run() {
  local stage=$1 implementation=${2:-} times=()
  {
    echo "input: {path: $work/ct.nii.gz}"
    echo "steps:"
    echo "  out:"
    echo "    stage: $stage"
    echo "    input: input"
    [[ -n ${extra[$stage]:-} ]] && echo "${extra[$stage]}"
    [[ -n $implementation ]] && echo "    implementation: $implementation"
    echo "outputs:"
    echo "  - {step: out, file: out.nii.gz}"
  } >"$work/step.yaml"
  for _ in $(seq "$runs"); do
    rm -rf "$work/out"
    /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$medpipe" run "$work/step.yaml" -o "$work/out" --no-report -q \
      >/dev/null 2>"$work/stderr.txt" || { echo "bench: failed: $stage $implementation (see $work/stderr.txt)" >&2; return 1; }
    times+=("$(cat "$work/time.txt")")
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p" | awk '{printf "%.1f %.1f %.0f\n", $1, $2 + $3, $4 / 1024}'
}

table=$(mktemp)
{
  echo "| stage | implementation | wall s | CPU s | peak MB |"
  echo "|---|---|---|---|---|"
  for stage in "${stages[@]}"; do
    if "$medpipe" stages "$stage" | grep -q '^  implementation '; then
      for implementation in itk fast; do
        read -r t c m <<<"$(measure_run "$stage" "$implementation")"
        echo "| $stage | $implementation | $t | $c | $m |"
      done
    else
      read -r t c m <<<"$(measure_run "$stage")"
      echo "| $stage | (one) | $t | $c | $m |"
    fi
  done
} | tee "$table"
write_results bench/RESULTS-stage-runs.md "Stages as a user runs them" "bash bench/stage_run_bench.sh" \
  "One-step \`medpipe run\` on a 512x512x300 int16 .nii.gz CT phantom, result written as .nii.gz (gzip 1); clamp = reading, the input histogram and writing alone. CPU s = user + system. Machine load (1, 5, 15 min) at the start: $load." "$table"
rm -f "$table"
