#!/usr/bin/env bash
# Radiomics: all 3D IBSI features of a ~100 mL region of a generated 512x512x300 CT (wall time,
# per-family times, peak memory, 3,000 bins) and GLCM against ITK's ScalarImageToTextureFeaturesFilter
# on the same voxels, mask and bins (src/radiomics_bench.cxx). Writes bench/RESULTS-radiomics.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
build_bench_targets radiomics_bench
table=$("$build/bench/radiomics_bench" "$runs")
{
  echo "# Radiomics"
  echo
  echo "\`bash bench/radiomics_bench.sh\` on $(date -u +%Y-%m-%d), $(machine); median of $runs runs; load average before: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "Peak memory is the process's VmHWM, reset before the measurement; the image and label map are resident throughout."
  echo
  echo "$table"
} >bench/RESULTS-radiomics.md
cat bench/RESULTS-radiomics.md
