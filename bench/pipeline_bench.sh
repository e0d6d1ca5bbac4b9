#!/usr/bin/env bash
# `medpipe run` of a 4-step chain (bench/chain.yaml: curvature anisotropic diffusion, threshold,
# largest component, statistics) on a 512x512x300 volume against the same chain as a plain ITK
# program (bench/src/itk_chain.cxx), in the same run: median of RUNS runs, peak resident memory.
# Usage: bash bench/pipeline_bench.sh [WORKDIR]   (table on stdout and in bench/RESULTS-pipeline.md)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/medpipe-pipeline-bench}
runs=${RUNS:-3}
iterations=${ITERATIONS:-3}
build=${BUILD_DIR:-build-bench}
cmake -S . -B "$build" -G Ninja -DMEDPIPE_BUILD_BENCH=ON -DMEDPIPE_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target medpipe itk_chain stage_bench >/dev/null
medpipe=$build/apps/medpipe/medpipe
mkdir -p "$work"
if [[ ! -f $work/ct.nii.gz ]]; then
  "$medpipe" phantom -o "$work/phantom" --size 512x512x300 --spacing 0.8x0.8x1.0 >/dev/null
  "$medpipe" convert "$work/phantom/dicom" -o "$work/convert" --force >/dev/null
  mv "$work/convert/1_Phantom_CT.nii.gz" "$work/ct.nii.gz"
fi

measure() {  # median seconds and the peak RSS (MB) of that run
  local times=()
  for _ in $(seq "$runs"); do
    rm -rf "$work/out" && mkdir -p "$work/out"
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null 2>&1
    times+=("$(cat "$work/time.txt")")
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p" | awk '{printf "%.1f %.0f\n", $1, $2 / 1024}'
}

read -r itk_t itk_m < <(measure "$build/bench/itk_chain" "$work/ct.nii.gz" "$work/out" "$iterations")
read -r mp_t mp_m < <(measure "$medpipe" run bench/chain.yaml --input "$work/ct.nii.gz" --output "$work/out" --force \
                      --var iterations="$iterations" --var implementation=itk --quiet)
read -r fast_t fast_m < <(measure "$medpipe" run bench/chain.yaml --input "$work/ct.nii.gz" --output "$work/out" --force \
                      --var iterations="$iterations" --var implementation=fast --quiet)
volume_mb=$(awk 'BEGIN { printf "%.0f", 512 * 512 * 300 * 4 / 1048576 }')
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
{
  echo "| program | seconds | peak MB | time vs plain ITK | peak / one float volume ($volume_mb MB) |"
  echo "|---|---|---|---|---|"
  echo "| plain ITK program (itk_chain) | $itk_t | $itk_m | 1.00 | $(ratio "$itk_m" "$volume_mb") |"
  echo "| medpipe run, implementation=itk | $mp_t | $mp_m | $(ratio "$mp_t" "$itk_t") | $(ratio "$mp_m" "$volume_mb") |"
  echo "| medpipe run, implementation=fast (default) | $fast_t | $fast_m | $(ratio "$fast_t" "$itk_t") | $(ratio "$fast_m" "$volume_mb") |"
} > "$work/table.md"
cat "$work/table.md"
{
  echo "# Pipeline benchmark"
  echo
  echo "\`bash bench/pipeline_bench.sh\` on $(nproc) cores, $(date -u +%Y-%m-%d): bench/chain.yaml ($iterations diffusion iterations) on a 512x512x300 float volume; median of $runs runs."
  echo
  cat "$work/table.md"
} > bench/RESULTS-pipeline.md
