#!/usr/bin/env bash
# The tissue-class stages against ITK's single-threaded k-means and Bayesian filters, same volume
# (3-class phantom, sigma 20 HU noise, +-10 % bias) and same initial means, each implementation in
# its own process (bench/src/classes_bench.cxx): seconds, peak memory, share of equal labels.
# Table on stdout and in bench/RESULTS-classes.md.
# Usage: bash bench/classes_bench.sh [X Y Z]       (one run each: the ITK filters take minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
build_bench_targets classes_bench
size=("${1:-512}" "${2:-512}" "${3:-300}")
runs=1
work=$(mktemp -d)
table=$(mktemp)
echo "| stage | ITK reference | stage s | ITK s | speed-up | stage CPU s | ITK CPU s | stage peak MB | ITK peak MB | labels equal |" > "$table"
echo "|---|---|---|---|---|---|---|---|---|---|" >> "$table"
for pair in "kmeans:kmeans-classes:ScalarImageKmeansImageFilter" \
            "bayes:bayesian-classes:BayesianClassifierInitialization + BayesianClassifierImageFilter"; do
  IFS=: read -r mode stage reference <<< "$pair"
  # Each prints "seconds S cpu-s C peak-MB M volume-MB V"; seconds exclude making the phantom.
  read -r _ stage_s _ stage_cpu _ stage_mb _ <<< "$("$build/bench/classes_bench" "${size[@]}" "stage-$mode" "$work/stage.raw")"
  read -r _ itk_s _ itk_cpu _ itk_mb _ <<< "$("$build/bench/classes_bench" "${size[@]}" "itk-$mode" "$work/itk.raw")"
  equal=$("$build/bench/classes_bench" compare "$work/stage.raw" "$work/itk.raw" | awk '{print $2}')
  echo "| $stage | $reference | $stage_s | $itk_s | $(ratio "$itk_s" "$stage_s")x | $stage_cpu | $itk_cpu | $stage_mb | $itk_mb | $equal % |" | tee -a "$table"
done
write_results bench/RESULTS-classes.md "Tissue-class benchmark" "bash bench/classes_bench.sh" \
  "Phantom of ${size[0]}x${size[1]}x${size[2]} float voxels (the input alone: $(( ${size[0]} * ${size[1]} * ${size[2]} * 4 / 1048576 )) MB), 3 classes, seed 1; bayesian-classes with memberships: kmeans, priors: uniform, smoothing-iterations: 0 to match ITK. Seconds (wall) and CPU seconds exclude making the phantom; speed-up = ITK s / stage s (wall; ITK's filters use one core, the stages all); peak memory is the whole process, phantom included." "$table"
rm -rf "$work" "$table"
cat bench/RESULTS-classes.md
