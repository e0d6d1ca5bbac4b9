#!/usr/bin/env bash
# The README's demo pipeline end to end (configs/ct-bone.yaml: DICOM series in; curvature
# anisotropic diffusion, HU threshold, largest component, statistics; volumes, CSV/JSON and a
# preview out) against the same work as a plain ITK program (bench/src/itk_chain.cxx), in the same
# run, on the real CT ../shared/data/ct-philips-140 (512x512x140, where present) and on a generated
# 512x512x300 CT series. Median of RUNS runs (default 3), peak resident memory from /usr/bin/time.
# Usage: bash bench/pipeline_bench.sh [WORKDIR]   (table on stdout and in bench/RESULTS-pipeline.md)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
work=${1:-/tmp/medpipe-pipeline-bench}
build_bench_targets medpipe itk_chain
mkdir -p "$work"
[[ -d $work/ct300 ]] || "$medpipe" phantom -o "$work/ct300" --size 512x512x300 --spacing 0.8x0.8x1.0 >/dev/null

# ROW LABEL DICOM_FOLDER SLICES: the plain ITK program, medpipe with ITK's diffusion, medpipe as shipped.
rows() {
  local label=$1 dicom=$2 slices=$3
  local volume_mb=$(( 512 * 512 * slices * 4 / 1048576 ))
  local itk mpi mp itk_t itk_m mpi_t mpi_m mp_t mp_m
  itk=$(measure "$work" "$build/bench/itk_chain" "$dicom" "$work/out" 3)
  mpi=$(measure "$work" "$medpipe" run configs/ct-bone.yaml --input "$dicom" --output "$work/out" --force --quiet \
        --set denoised.implementation=itk)
  mp=$(measure "$work" "$medpipe" run configs/ct-bone.yaml --input "$dicom" --output "$work/out" --force --quiet)
  read -r itk_t itk_m <<<"$itk"
  read -r mpi_t mpi_m <<<"$mpi"
  read -r mp_t mp_m <<<"$mp"
  echo "| $label | plain ITK program (itk_chain) | $itk_t | $itk_m | 1.00 | $(ratio "$itk_m" "$volume_mb") |"
  echo "| $label | medpipe run, diffusion implementation=itk | $mpi_t | $mpi_m | $(ratio "$mpi_t" "$itk_t") | $(ratio "$mpi_m" "$volume_mb") |"
  echo "| $label | medpipe run configs/ct-bone.yaml (as shipped: fast diffusion) | $mp_t | $mp_m | $(ratio "$mp_t" "$itk_t") | $(ratio "$mp_m" "$volume_mb") |"
}

{
  echo "| data | program | seconds | peak MB | time vs plain ITK | peak / one float volume |"
  echo "|---|---|---|---|---|---|"
  if [[ -d $shared_data/ct-philips-140 ]]; then
    rows "ct-philips-140 (real, 512x512x140)" "$shared_data/ct-philips-140" 140
  else
    echo "skipped ct-philips-140: $shared_data/ct-philips-140 is absent" >&2
  fi
  rows "generated CT 512x512x300" "$work/ct300/dicom" 300
} | tee "$work/table.md"
write_results bench/RESULTS-pipeline.md "Pipeline benchmark" "bash bench/pipeline_bench.sh" \
  "configs/ct-bone.yaml (3 diffusion iterations) end to end from DICOM; one float volume = 512 x 512 x slices x 4 bytes." \
  "$work/table.md"
