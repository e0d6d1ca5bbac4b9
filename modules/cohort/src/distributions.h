#pragma once
// Quantiles of the chi-square and F distributions, from the regularised incomplete gamma and beta
// functions (continued fractions as in Numerical Recipes, ch. 6), inverted by bisection.
namespace medpipe::cohort {

double chiSquareCdf(double x, double k);
double fCdf(double x, double d1, double d2);

}  // namespace medpipe::cohort
