// computeFeatures: checks the region, discretises once and runs the requested families on a
// small pool of threads (families are independent; each fills its own list). A cancel stops every
// family at its next check, and the pool starts no other.
#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <thread>

#include "families.h"
#include "medpipe/core/error.h"
#include "medpipe/core/parallel.h"

namespace medpipe::radiomics {

std::vector<FeatureValue> computeFeatures(const RoiImage& roi, const FeatureSettings& settings,
                                          const Progress& progress) {
  const size_t n = roi.grid.count();
  if (n == 0 || roi.intensity.size() != n || roi.morphMask.size() != n || roi.intensityMask.size() != n)
    throw Error("", "region", "image and masks must have one value per voxel of the grid");
  if (std::find(roi.intensityMask.begin(), roi.intensityMask.end(), 1) == roi.intensityMask.end())
    throw Error("", "region", "the intensity mask is empty: no voxel to compute features on");
  for (const auto& family : settings.families)
    if (std::find(familyNames().begin(), familyNames().end(), family) == familyNames().end())
      throw Error("", "families", "unknown feature family '" + family + "'");
  auto wanted = [&](const char* family) {
    return settings.families.empty() ||
           std::find(settings.families.begin(), settings.families.end(), family) != settings.families.end();
  };
  const unsigned threads = settings.threads ? settings.threads : workerThreadCount();
  DiscretisedImage levels;
  const bool needLevels =
      wanted("ih") || wanted("cm") || wanted("rlm") || wanted("szm") || wanted("dzm") || wanted("ngt") || wanted("ngl");
  if (needLevels) levels = discretise(roi, settings.discretisation, progress);
  const unsigned agg = settings.aggregations;
  const Progress& p = progress;

  // Longest first, so the pool ends together.
  std::vector<std::pair<std::string, std::function<void(FeatureList&)>>> jobs;
  if (wanted("morph")) jobs.emplace_back("morph", [&](FeatureList& o) { addMorphologyFeatures(roi, threads, p, o); });
  if (wanted("rlm")) jobs.emplace_back("rlm", [&](FeatureList& o) { addGlrlmFeatures(levels, agg, threads, p, o); });
  if (wanted("cm")) jobs.emplace_back("cm", [&](FeatureList& o) { addGlcmFeatures(levels, agg, threads, p, o); });
  if (wanted("szm")) jobs.emplace_back("szm", [&](FeatureList& o) { addGlszmFeatures(levels, agg, p, o); });
  if (wanted("dzm")) jobs.emplace_back("dzm", [&](FeatureList& o) { addGldzmFeatures(levels, roi, agg, p, o); });
  if (wanted("ngl")) jobs.emplace_back("ngl", [&](FeatureList& o) { addNgldmFeatures(levels, agg, p, o); });
  if (wanted("ngt")) jobs.emplace_back("ngt", [&](FeatureList& o) { addNgtdmFeatures(levels, agg, p, o); });
  if (wanted("loc")) jobs.emplace_back("loc", [&](FeatureList& o) { addLocalIntensityFeatures(roi, threads, p, o); });
  if (wanted("stat")) jobs.emplace_back("stat", [&](FeatureList& o) { addIntensityStatistics(roi, p, o); });
  if (wanted("ih")) jobs.emplace_back("ih", [&](FeatureList& o) { addIntensityHistogram(levels, p, o); });
  if (wanted("ivh"))
    jobs.emplace_back("ivh", [&](FeatureList& o) { addIntensityVolumeHistogram(roi, settings, p, o); });

  std::vector<FeatureList> results(jobs.size());
  std::vector<std::exception_ptr> errors(jobs.size());
  std::atomic<size_t> next{0}, done{0};
  // Progress callbacks need not be thread-safe: only the calling thread reports, after each of its
  // families, how many of all have finished.
  auto worker = [&](bool reports) {
    for (size_t j; (j = next++) < jobs.size();) try {
        progress.throwIfCancelled();
        jobs[j].second(results[j]);
        const size_t finished = ++done;
        if (reports) progress.report(double(finished) / double(jobs.size()), jobs[j].first);
      } catch (...) {
        errors[j] = std::current_exception();
      }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < std::min<size_t>(threads, jobs.size()); ++t) pool.emplace_back(worker, false);
  worker(true);
  for (auto& t : pool) t.join();
  // A cancel, whatever else failed meanwhile (a family that met its limit before the cancel).
  progress.throwIfCancelled();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);

  // Output in the manual's family order.
  std::vector<FeatureValue> features;
  for (const auto& family : familyNames())
    for (size_t j = 0; j < jobs.size(); ++j)
      if (jobs[j].first == family)
        for (const auto& [tag, value] : results[j]) {
          const FeatureInfo* info = findFeature(tag);
          features.push_back({family, tag, info ? info->code : "", value});
        }
  return features;
}

}  // namespace medpipe::radiomics
