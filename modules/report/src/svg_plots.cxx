#include "svg_plots.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace medpipe::report {

std::string formatNumber(double value) {
  if (!std::isfinite(value)) return "&#8211;";
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", value);
  return text;
}

std::string escapeHtml(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string stripBoxPlot(const std::string& title, const std::vector<PlotGroup>& groups) {
  constexpr double width = 560, left = 20, right = 540, boxHeight = 16, stripHeight = 36;
  const double labelHeight = groups.size() > 1 ? 14 : 0, rowHeight = labelHeight + boxHeight + stripHeight + 12;
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& g : groups)
    for (const auto& p : g.points)
      if (std::isfinite(p.value)) lo = std::min(lo, p.value), hi = std::max(hi, p.value);
  if (!std::isfinite(lo)) lo = hi = 0;
  if (hi == lo) lo -= 1, hi += 1;
  auto x = [&](double v) { return left + (v - lo) / (hi - lo) * (right - left); };
  const double height = 22 + rowHeight * double(groups.size()) + 14;
  char buffer[512];
  std::snprintf(buffer, sizeof buffer,
                "<svg class=\"plot\" width=\"%.0f\" height=\"%.0f\" "
                "viewBox=\"0 0 %.0f %.0f\" role=\"img\">"
                "<text x=\"%.0f\" y=\"14\" class=\"title\">%s</text>",
                width, height, width, height, left, escapeHtml(title).c_str());
  std::string svg = buffer;
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto& [name, m, points] = groups[g];
    const double top = 22 + rowHeight * double(g), boxTop = top + labelHeight + 4, stripTop = boxTop + boxHeight + 6;
    if (labelHeight > 0) {
      std::snprintf(buffer, sizeof buffer, "<text x=\"%.0f\" y=\"%.0f\" class=\"group\">", left, top + 11);
      svg += buffer + name + " (" + std::to_string(m.count) + ")</text>";
    }
    if (m.count > 0) {
      const double mid = boxTop + boxHeight / 2;
      std::snprintf(buffer, sizeof buffer,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                    "class=\"whisker\"/>"
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                    "height=\"%.1f\" class=\"box\"/>"
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                    "class=\"median\"/>",
                    x(m.low), mid, x(m.high), mid, x(m.q1), boxTop, std::max(1.0, x(m.q3) - x(m.q1)), boxHeight,
                    x(m.median), boxTop, x(m.median), boxTop + boxHeight);
      svg += buffer;
    }
    size_t finite = 0;
    for (const auto& p : points) finite += std::isfinite(p.value);
    const bool density = finite > kMaxDots;
    if (density) {  // the ordinary points as counts per 4-pixel column
      constexpr size_t kColumns = 130;
      std::vector<size_t> columns(kColumns, 0);
      for (const auto& p : points)
        if (std::isfinite(p.value) && !p.outlier)
          ++columns[std::min(kColumns - 1, size_t((x(p.value) - left) / (right - left) * kColumns))];
      const size_t most = *std::max_element(columns.begin(), columns.end());
      for (size_t c = 0; c < kColumns; ++c) {
        if (columns[c] == 0) continue;
        const double h = std::max(1.0, stripHeight * double(columns[c]) / double(most));
        std::snprintf(buffer, sizeof buffer,
                      "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                      "height=\"%.1f\" class=\"density\"><title>%zu "
                      "units</title></rect>",
                      left + (right - left) * double(c) / kColumns, stripTop + stripHeight - h,
                      (right - left) / kColumns, h, columns[c]);
        svg += buffer;
      }
    }
    size_t linkedOutliers = 0;
    for (size_t i = 0; i < points.size(); ++i) {
      const auto& p = points[i];
      if (!std::isfinite(p.value) || (density && (!p.outlier || ++linkedOutliers > kMaxLinkedOutliers))) continue;
      // Deterministic jitter so equal values stay visible as a column of dots.
      const double y = stripTop + std::fmod(double(i) * 0.618033988749895, 1.0) * stripHeight;
      std::snprintf(buffer, sizeof buffer,
                    "<a href=\"%s\"><circle cx=\"%.1f\" cy=\"%.1f\" r=\"%s\" "
                    "class=\"%s\"><title>",
                    p.href.c_str(), x(p.value), y, p.outlier ? "4.5" : "3", p.outlier ? "pt outlier" : "pt");
      svg += buffer + p.label + "</title></circle></a>";
    }
  }
  std::snprintf(buffer, sizeof buffer,
                "<text x=\"%.0f\" y=\"%.0f\" class=\"axis\">%s</text>"
                "<text x=\"%.0f\" y=\"%.0f\" class=\"axis\" "
                "text-anchor=\"end\">%s</text></svg>",
                left, height - 4, formatNumber(lo).c_str(), right, height - 4, formatNumber(hi).c_str());
  return svg + buffer;
}

std::string histogramPlot(double lower, double upper, const std::vector<long long>& counts, long long below,
                          long long above) {
  constexpr double width = 560, left = 20, right = 540, top = 10, barsHeight = 120;
  long long most = 1;
  for (long long c : counts) most = std::max(most, c);
  char buffer[512];
  std::snprintf(buffer, sizeof buffer,
                "<svg class=\"histogram\" width=\"%.0f\" height=\"%.0f\" "
                "viewBox=\"0 0 %.0f %.0f\" role=\"img\">",
                width, top + barsHeight + 34, width, top + barsHeight + 34);
  std::string svg = buffer;
  const double barWidth = (right - left) / double(std::max<size_t>(1, counts.size()));
  const double binWidth = (upper - lower) / double(std::max<size_t>(1, counts.size()));
  for (size_t b = 0; b < counts.size(); ++b) {
    if (counts[b] == 0) continue;
    const double h = barsHeight * std::log10(1.0 + double(counts[b])) / std::log10(1.0 + double(most));
    std::snprintf(buffer, sizeof buffer,
                  "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                  "class=\"bar\"><title>%s to %s: %lld "
                  "voxels</title></rect>",
                  left + barWidth * double(b), top + barsHeight - h, std::max(0.5, barWidth - 1), h,
                  formatNumber(lower + binWidth * double(b)).c_str(),
                  formatNumber(lower + binWidth * double(b + 1)).c_str(), counts[b]);
    svg += buffer;
  }
  std::snprintf(buffer, sizeof buffer,
                "<text x=\"%.0f\" y=\"%.0f\" class=\"axis\">%s</text>"
                "<text x=\"%.0f\" y=\"%.0f\" class=\"axis\" text-anchor=\"end\">%s</text>"
                "<text x=\"%.0f\" y=\"%.0f\" class=\"axis\" text-anchor=\"middle\">log "
                "count; %lld voxels below, %lld "
                "above the range</text></svg>",
                left, top + barsHeight + 14, formatNumber(lower).c_str(), right, top + barsHeight + 14,
                formatNumber(upper).c_str(), width / 2, top + barsHeight + 30, below, above);
  return svg + buffer;
}

}  // namespace medpipe::report
