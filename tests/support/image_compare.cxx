#include "image_compare.h"

#include <itkImageRegionConstIteratorWithIndex.h>
#include <itkLinearInterpolateImageFunction.h>

#include <cmath>
#include <sstream>

namespace medpipe::test {

PhysicalComparison compareInPhysicalSpace(const ImageF& a, const ImageF& b, double tolerance) {
  PhysicalComparison result;
  const auto sizeA = a.GetLargestPossibleRegion().GetSize();
  const auto sizeB = b.GetLargestPossibleRegion().GetSize();
  if (sizeA[0] * sizeA[1] * sizeA[2] != sizeB[0] * sizeB[1] * sizeB[2]) {
    std::ostringstream why;
    why << "sizes differ: " << sizeA << " vs " << sizeB;
    result.gridProblem = why.str();
    return result;
  }
  // The index map a -> b is affine; take it from the origin and the three unit steps.
  ImageF::PointType p;
  itk::ContinuousIndex<double, 3> base, steps[3];
  a.TransformIndexToPhysicalPoint({{0, 0, 0}}, p);
  b.TransformPhysicalPointToContinuousIndex(p, base);
  for (unsigned d = 0; d < 3; ++d) {
    ImageF::IndexType unit{{0, 0, 0}};
    unit[d] = 1;
    a.TransformIndexToPhysicalPoint(unit, p);
    b.TransformPhysicalPointToContinuousIndex(p, steps[d]);
    for (unsigned e = 0; e < 3; ++e) steps[d][e] -= base[e];
  }
  // Check the far corner lands on a voxel centre within tolerance (mm).
  auto mapIndex = [&](const ImageF::IndexType& i, itk::ContinuousIndex<double, 3>& out) {
    for (unsigned e = 0; e < 3; ++e) out[e] = base[e] + i[0] * steps[0][e] + i[1] * steps[1][e] + i[2] * steps[2][e];
  };
  for (long corner = 0; corner < 8; ++corner) {
    ImageF::IndexType i;
    for (unsigned d = 0; d < 3; ++d) i[d] = (corner >> d & 1) ? static_cast<long>(sizeA[d]) - 1 : 0;
    itk::ContinuousIndex<double, 3> c;
    mapIndex(i, c);
    ImageF::PointType pa, pb;
    a.TransformIndexToPhysicalPoint(i, pa);
    ImageF::IndexType rounded;
    for (unsigned e = 0; e < 3; ++e) rounded[e] = std::lround(c[e]);
    b.TransformIndexToPhysicalPoint(rounded, pb);
    result.maxCornerDistance = std::max(result.maxCornerDistance, pa.EuclideanDistanceTo(pb));
    if (!b.GetLargestPossibleRegion().IsInside(rounded)) {
      result.gridProblem = "a corner of the first image falls outside the second";
      return result;
    }
  }
  if (result.maxCornerDistance > tolerance) {
    std::ostringstream why;
    why << "grids are " << result.maxCornerDistance << " mm apart at a corner";
    result.gridProblem = why.str();
    return result;
  }
  result.sameGrid = true;
  for (itk::IndexValueType z = 0; z < static_cast<long>(sizeA[2]); ++z)
    for (itk::IndexValueType y = 0; y < static_cast<long>(sizeA[1]); ++y)
      for (itk::IndexValueType x = 0; x < static_cast<long>(sizeA[0]); ++x) {
        itk::ContinuousIndex<double, 3> c;
        mapIndex({{x, y, z}}, c);
        ImageF::IndexType j;
        for (unsigned e = 0; e < 3; ++e) j[e] = std::lround(c[e]);
        const double diff = std::abs(double(a.GetPixel({{x, y, z}})) - double(b.GetPixel(j)));
        result.maxValueDifference = std::max(result.maxValueDifference, diff);
        ++result.voxelsCompared;
      }
  return result;
}

bool sameGeometry(const itk::ImageBase<3>& a, const itk::ImageBase<3>& b, double tolerance, std::string* why) {
  std::ostringstream out;
  if (a.GetLargestPossibleRegion().GetSize() != b.GetLargestPossibleRegion().GetSize()) out << "size ";
  for (unsigned d = 0; d < 3; ++d) {
    if (std::abs(a.GetSpacing()[d] - b.GetSpacing()[d]) > tolerance) out << "spacing[" << d << "] ";
    if (std::abs(a.GetOrigin()[d] - b.GetOrigin()[d]) > tolerance) out << "origin[" << d << "] ";
    for (unsigned e = 0; e < 3; ++e)
      if (std::abs(a.GetDirection()(d, e) - b.GetDirection()(d, e)) > tolerance) out << "direction(" << d << e << ") ";
  }
  if (why) *why = out.str();
  return out.str().empty();
}

}  // namespace medpipe::test



namespace medpipe::test {

SampledComparison compareBySampling(const ImageF& image, const ImageF& reference, int margin) {
  auto interpolator = itk::LinearInterpolateImageFunction<ImageF, double>::New();
  interpolator->SetInputImage(&image);
  const auto size = image.GetLargestPossibleRegion().GetSize();
  SampledComparison result;
  double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, sad = 0;
  itk::ImageRegionConstIteratorWithIndex<ImageF> it(&reference, reference.GetLargestPossibleRegion());
  for (; !it.IsAtEnd(); ++it) {
    ImageF::PointType p;
    reference.TransformIndexToPhysicalPoint(it.GetIndex(), p);
    itk::ContinuousIndex<double, 3> c;
    image.TransformPhysicalPointToContinuousIndex(p, c);
    bool inside = true;
    for (unsigned d = 0; d < 3 && inside; ++d) inside = c[d] >= margin && c[d] <= double(size[d]) - 1 - margin;
    if (!inside) continue;
    const double a = interpolator->EvaluateAtContinuousIndex(c), b = it.Get();
    sa += a, sb += b, saa += a * a, sbb += b * b, sab += a * b, sad += std::abs(a - b);
    ++result.samples;
  }
  if (result.samples == 0) return result;
  const double n = double(result.samples);
  result.meanAbsDifference = sad / n;
  const double cov = sab / n - sa / n * sb / n;
  const double va = saa / n - sa / n * sa / n, vb = sbb / n - sb / n * sb / n;
  result.correlation = va > 0 && vb > 0 ? cov / std::sqrt(va * vb) : 0;
  return result;
}

}  // namespace medpipe::test

namespace medpipe::test {

double labelDice(const LabelImage& a, const LabelImage& b, std::uint8_t labelA, std::uint8_t labelB) {
  const auto* x = a.GetBufferPointer();
  const auto* y = b.GetBufferPointer();
  size_t both = 0, inA = 0, inB = 0;
  for (size_t i = 0, n = a.GetPixelContainer()->Size(); i < n; ++i) {
    const bool inX = x[i] == labelA, inY = y[i] == labelB;
    both += inX && inY, inA += inX, inB += inY;
  }
  return inA + inB > 0 ? 2.0 * double(both) / double(inA + inB) : 1.0;
}

}  // namespace medpipe::test
