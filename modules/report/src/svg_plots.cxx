#include "svg_plots.h"

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

std::string stripBoxPlot(const std::string& title, const CohortMetric& m, const std::vector<StripPoint>& points) {
  constexpr double width = 560, left = 20, right = 540, boxTop = 26, boxHeight = 16, stripTop = 50, stripHeight = 36;
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& p : points)
    if (std::isfinite(p.value)) lo = std::min(lo, p.value), hi = std::max(hi, p.value);
  if (!std::isfinite(lo)) lo = hi = 0;
  if (hi == lo) lo -= 1, hi += 1;
  auto x = [&](double v) { return left + (v - lo) / (hi - lo) * (right - left); };
  char buffer[512];
  std::string svg;
  std::snprintf(buffer, sizeof buffer,
                "<svg class=\"plot\" width=\"%.0f\" height=\"%.0f\" "
                "viewBox=\"0 0 %.0f %.0f\" role=\"img\">"
                "<text x=\"%.0f\" y=\"14\" class=\"title\">%s</text>",
                width, stripTop + stripHeight + 18, width, stripTop + stripHeight + 18, left,
                escapeHtml(title).c_str());
  svg += buffer;
  if (m.count > 0) {
    const double mid = boxTop + boxHeight / 2;
    std::snprintf(buffer, sizeof buffer,
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                  "class=\"whisker\"/>"
                  "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                  "class=\"box\"/>"
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                  "class=\"median\"/>",
                  x(m.low), mid, x(m.high), mid, x(m.q1), boxTop, std::max(1.0, x(m.q3) - x(m.q1)), boxHeight,
                  x(m.median), boxTop, x(m.median), boxTop + boxHeight);
    svg += buffer;
  }
  for (size_t i = 0; i < points.size(); ++i) {
    const auto& p = points[i];
    if (!std::isfinite(p.value)) continue;
    // Deterministic jitter so equal values stay visible as a column of dots.
    const double y = stripTop + std::fmod(double(i) * 0.618033988749895, 1.0) * stripHeight;
    std::snprintf(buffer, sizeof buffer,
                  "<a href=\"%s\"><circle cx=\"%.1f\" cy=\"%.1f\" r=\"%s\" "
                  "class=\"%s\"><title>",
                  p.href.c_str(), x(p.value), y, p.outlier ? "4.5" : "3", p.outlier ? "pt outlier" : "pt");
    svg += buffer + p.label + "</title></circle></a>";
  }
  std::snprintf(buffer, sizeof buffer,
                "<text x=\"%.0f\" y=\"%.0f\" class=\"axis\">%s</text>"
                "<text x=\"%.0f\" y=\"%.0f\" class=\"axis\" "
                "text-anchor=\"end\">%s</text></svg>",
                left, stripTop + stripHeight + 14, formatNumber(lo).c_str(), right, stripTop + stripHeight + 14,
                formatNumber(hi).c_str());
  return svg + buffer;
}

}  // namespace medpipe::report
