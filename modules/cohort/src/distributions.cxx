#include "distributions.h"

#include <cmath>

#include "medpipe/cohort/outliers.h"

namespace medpipe::cohort {
namespace {

// P(a, x), the regularised lower incomplete gamma function.
double gammaP(double a, double x) {
  if (x <= 0) return 0;
  const double logPrefix = a * std::log(x) - x - std::lgamma(a);
  if (x < a + 1) {  // series
    double term = 1 / a, sum = term;
    for (int n = 1; n < 1000 && std::abs(term) > 1e-15 * std::abs(sum); ++n) term *= x / (a + n), sum += term;
    return sum * std::exp(logPrefix);
  }
  // Continued fraction for Q(a, x) (modified Lentz).
  double b = x + 1 - a, c = 1e300, d = 1 / b, h = d;
  for (int i = 1; i < 1000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b, d = std::abs(d) < 1e-300 ? 1e-300 : d;
    c = b + an / c, c = std::abs(c) < 1e-300 ? 1e-300 : c;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::abs(delta - 1) < 1e-15) break;
  }
  return 1 - std::exp(logPrefix) * h;
}

double betaContinuedFraction(double a, double b, double x) {
  double c = 1, d = 1 - (a + b) * x / (a + 1);
  d = std::abs(d) < 1e-300 ? 1e-300 : d;
  d = 1 / d;
  double h = d;
  for (int m = 1; m < 1000; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((a - 1 + m2) * (a + m2));
    d = 1 + aa * d, d = std::abs(d) < 1e-300 ? 1e-300 : d;
    c = 1 + aa / c, c = std::abs(c) < 1e-300 ? 1e-300 : c;
    d = 1 / d, h *= d * c;
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1 + m2));
    d = 1 + aa * d, d = std::abs(d) < 1e-300 ? 1e-300 : d;
    c = 1 + aa / c, c = std::abs(c) < 1e-300 ? 1e-300 : c;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::abs(delta - 1) < 1e-15) break;
  }
  return h;
}

// I_x(a, b), the regularised incomplete beta function.
double betaI(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const double front = std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x));
  if (x < (a + 1) / (a + b + 2)) return front * betaContinuedFraction(a, b, x) / a;
  return 1 - front * betaContinuedFraction(b, a, 1 - x) / b;
}

template <typename Cdf>
double invert(Cdf cdf, double q) {
  double low = 0, high = 1;
  while (cdf(high) < q) high *= 2;
  for (int i = 0; i < 200 && high - low > 1e-12 * high; ++i) {
    const double mid = (low + high) / 2;
    (cdf(mid) < q ? low : high) = mid;
  }
  return (low + high) / 2;
}

}  // namespace

double chiSquareCdf(double x, double k) { return gammaP(k / 2, x / 2); }

double fCdf(double x, double d1, double d2) { return x <= 0 ? 0 : betaI(d1 / 2, d2 / 2, d1 * x / (d1 * x + d2)); }

double fQuantile(double q, double d1, double d2) {
  return invert([&](double x) { return fCdf(x, d1, d2); }, q);
}

double chiSquareQuantile(double k, double q) {
  return invert([&](double x) { return chiSquareCdf(x, k); }, q);
}

}  // namespace medpipe::cohort
