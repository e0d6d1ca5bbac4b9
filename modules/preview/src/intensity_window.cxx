#include "medpipe/preview/intensity_window.h"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "medpipe/core/error.h"

namespace medpipe {

const std::vector<std::string>& intensityWindowPresets() {
  static const std::vector<std::string> names = {"ct-soft-tissue", "ct-bone", "ct-lung", "mr-default"};
  return names;
}

std::pair<double, double> intensityPercentiles(const ImageF& image, double low, double high) {
  const float* p = image.GetBufferPointer();
  const size_t n = image.GetPixelContainer()->Size();
  if (n == 0) return {0, 0};
  const size_t stride = std::max<size_t>(1, n / 1000000);
  std::vector<float> sample;
  sample.reserve(n / stride + 1);
  for (size_t i = 0; i < n; i += stride) sample.push_back(p[i]);
  auto at = [&](double fraction) {
    const auto k = static_cast<size_t>(std::clamp(fraction, 0.0, 1.0) * static_cast<double>(sample.size() - 1));
    std::nth_element(sample.begin(), sample.begin() + static_cast<std::ptrdiff_t>(k), sample.end());
    return static_cast<double>(sample[k]);
  };
  const double lo = at(low);
  return {lo, at(high)};
}

namespace {

std::optional<IntensityWindow> levelAndWidth(const std::string& text) {
  double level = 0, width = 0;
  int used = 0;
  if (std::sscanf(text.c_str(), "%lf,%lf%n", &level, &width, &used) == 2 && static_cast<size_t>(used) == text.size() &&
      width > 0)
    return IntensityWindow{level, width};
  return std::nullopt;
}

[[noreturn]] void notAWindow(const std::string& preset) {
  std::string known;
  for (const auto& name : intensityWindowPresets()) known += (known.empty() ? "" : ", ") + name;
  throw Error("", "window", "'" + preset + "' is not a preset (" + known + ") nor LEVEL,WIDTH with WIDTH > 0");
}

}  // namespace

void checkIntensityWindow(const std::string& preset) {
  const auto& names = intensityWindowPresets();
  if (std::find(names.begin(), names.end(), preset) == names.end() && !levelAndWidth(preset)) notAWindow(preset);
}

IntensityWindow intensityWindowFor(const std::string& preset, const ImageF& image) {
  if (preset == "ct-soft-tissue") return {40, 400};
  if (preset == "ct-bone") return {400, 1800};
  if (preset == "ct-lung") return {-600, 1500};
  if (preset == "mr-default") {
    const auto [lo, hi] = intensityPercentiles(image, 0.01, 0.99);
    // A constant image still gets a usable (non-zero) width.
    return {(lo + hi) / 2, std::max(hi - lo, 1e-6)};
  }
  if (const auto window = levelAndWidth(preset)) return *window;
  notAWindow(preset);
}

}  // namespace medpipe
