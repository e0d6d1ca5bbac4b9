#include "label_surfaces.h"

#include <vtkCellArray.h>
#include <vtkDiscreteFlyingEdges3D.h>
#include <vtkImageData.h>
#include <vtkPolyDataNormals.h>
#include <vtkReverseSense.h>
#include <vtkTransform.h>
#include <vtkTransformPolyDataFilter.h>
#include <vtkWindowedSincPolyDataFilter.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "vtk_image_bridge.h"
#include "vtk_log_bridge.h"

namespace medpipe {
namespace {

// Positive when the triangles of a closed surface wind counter-clockwise seen from outside.
double signedVolume(vtkPolyData* mesh) {
  double volume = 0;
  vtkIdType count = 0;
  const vtkIdType* ids = nullptr;
  auto polys = mesh->GetPolys();
  polys->InitTraversal();
  while (polys->GetNextCell(count, ids)) {
    for (vtkIdType t = 1; t + 1 < count; ++t) {
      double a[3], b[3], c[3];
      mesh->GetPoint(ids[0], a), mesh->GetPoint(ids[t], b), mesh->GetPoint(ids[t + 1], c);
      volume += (a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) +
                 a[2] * (b[0] * c[1] - b[1] * c[0])) / 6;
    }
  }
  return volume;
}

// A 0/1 copy of the padded label image: 1 where the value is one of `values`.
vtkSmartPointer<vtkImageData> regionMask(vtkImageData* padded, const std::vector<std::uint8_t>& values) {
  std::array<bool, 256> inRegion{};
  for (auto v : values) inRegion[v] = true;
  auto mask = vtkSmartPointer<vtkImageData>::New();
  mask->DeepCopy(padded);
  auto* p = static_cast<std::uint8_t*>(mask->GetScalarPointer());
  const vtkIdType n = mask->GetNumberOfPoints();
  for (vtkIdType i = 0; i < n; ++i) p[i] = inRegion[p[i]] ? 1 : 0;
  return mask;
}

vtkSmartPointer<vtkPolyData> surfaceOf(vtkImageData* padded, const LabelRegion& region, double smoothing,
                                       vtkMatrix4x4* toLps) {
  // A single label is contoured in place; a union of labels through a mask of its own.
  vtkSmartPointer<vtkImageData> input = padded;
  double value = region.values.empty() ? region.label : region.values.front();
  if (region.values.size() > 1) {
    input = regionMask(padded, region.values);
    value = 1;
  }
  vtkNew<vtkDiscreteFlyingEdges3D> contour;
  contour->SetInputData(input);
  contour->SetValue(0, value);
  contour->ComputeNormalsOff();
  contour->ComputeGradientsOff();
  contour->ComputeScalarsOff();
  vtkAlgorithmOutput* surface = contour->GetOutputPort();

  // Slicer's closed-surface smoothing: a windowed-sinc low-pass whose pass band narrows as the
  // smoothing factor grows; it does not shrink the surface as Laplacian smoothing would.
  vtkNew<vtkWindowedSincPolyDataFilter> smoother;
  if (smoothing > 0) {
    smoother->SetInputConnection(surface);
    smoother->SetNumberOfIterations(20);
    smoother->SetPassBand(std::pow(10.0, -4.0 * std::min(smoothing, 1.0)));
    smoother->BoundarySmoothingOff();
    smoother->FeatureEdgeSmoothingOff();
    smoother->NonManifoldSmoothingOn();
    smoother->NormalizeCoordinatesOn();
    surface = smoother->GetOutputPort();
  }

  vtkNew<vtkTransform> transform;
  transform->SetMatrix(toLps);
  vtkNew<vtkTransformPolyDataFilter> placed;
  placed->SetInputConnection(surface);
  placed->SetTransform(transform);
  placed->Update();
  vtkSmartPointer<vtkPolyData> mesh = placed->GetOutput();

  // A mirroring direction matrix (or the contouring's own convention) can leave triangles facing
  // inwards; STL consumers (3D printing) need them outwards.
  if (signedVolume(mesh) < 0) {
    vtkNew<vtkReverseSense> reverse;
    reverse->SetInputData(mesh);
    reverse->ReverseCellsOn();
    reverse->Update();
    mesh = reverse->GetOutput();
  }
  vtkNew<vtkPolyDataNormals> normals;
  normals->SetInputData(mesh);
  normals->SplittingOff();
  normals->ConsistencyOff();  // already consistent; consistency passes are slow on big meshes
  normals->AutoOrientNormalsOff();
  normals->ComputePointNormalsOn();
  normals->Update();
  return normals->GetOutput();
}

}  // namespace

std::vector<std::uint8_t> labelsPresent(const LabelImage& labels) {
  std::array<bool, 256> seen{};
  const std::uint8_t* p = labels.GetBufferPointer();
  const size_t n = labels.GetPixelContainer()->Size();
  for (size_t i = 0; i < n; ++i) seen[p[i]] = true;
  std::vector<std::uint8_t> present;
  for (unsigned v = 1; v < 256; ++v)
    if (seen[v]) present.push_back(static_cast<std::uint8_t>(v));
  return present;
}

std::map<std::uint8_t, std::vector<std::uint8_t>> enclosedLabels(const LabelImage& labels) {
  struct Box {
    size_t low[3] = {SIZE_MAX, SIZE_MAX, SIZE_MAX}, high[3] = {0, 0, 0};
    bool seen = false;
  };
  std::array<Box, 256> boxes{};
  const auto size = labels.GetLargestPossibleRegion().GetSize();
  const std::uint8_t* p = labels.GetBufferPointer();
  size_t i = 0;
  for (size_t k = 0; k < size[2]; ++k)
    for (size_t j = 0; j < size[1]; ++j)
      for (size_t c = 0; c < size[0]; ++c, ++i) {
        if (!p[i]) continue;
        Box& b = boxes[p[i]];
        const size_t at[3] = {c, j, k};
        for (unsigned d = 0; d < 3; ++d) b.low[d] = std::min(b.low[d], at[d]), b.high[d] = std::max(b.high[d], at[d]);
        b.seen = true;
      }
  std::map<std::uint8_t, std::vector<std::uint8_t>> enclosed;
  for (unsigned outer = 1; outer < 256; ++outer)
    for (unsigned inner = 1; inner < 256; ++inner) {
      const Box &o = boxes[outer], &n = boxes[inner];
      if (outer == inner || !o.seen || !n.seen) continue;
      bool inside = true;
      for (unsigned d = 0; d < 3; ++d) inside = inside && o.low[d] <= n.low[d] && n.high[d] <= o.high[d];
      if (inside) enclosed[static_cast<std::uint8_t>(outer)].push_back(static_cast<std::uint8_t>(inner));
    }
  return enclosed;
}

std::vector<LabelSurface> labelSurfaces(const LabelImage& labels, const std::vector<LabelRegion>& regions,
                                        double smoothing) {
  routeVtkMessagesToLog();
  const auto padded = paddedLabelImage(labels);
  const auto toLps = indexToLps(labels);
  std::vector<LabelSurface> surfaces;
  for (const auto& region : regions) {
    auto mesh = surfaceOf(padded, region, smoothing, toLps);
    if (mesh->GetNumberOfPolys() > 0) surfaces.push_back({region.label, mesh});
  }
  return surfaces;
}

}  // namespace medpipe
