#include "itk_stage_support.h"

#include <itkImageAlgorithm.h>

#include <algorithm>
#include <sstream>

#include "medpipe/core/abort_watch.h"

namespace medpipe {
namespace {

// The pieces of `region` with about `voxels` voxels each: slabs of whole slices, or rows of one slice.
std::vector<ImageF::RegionType> piecesOf(const ImageF::RegionType& region, size_t voxels) {
  std::vector<ImageF::RegionType> pieces;
  const auto size = region.GetSize();
  const size_t slice = size[0] * size[1];
  const size_t slices = std::max<size_t>(1, voxels / std::max<size_t>(1, slice));
  const size_t rows = slices > 1 ? size[1] : std::clamp<size_t>(voxels / std::max<size_t>(1, size[0]), 1, size[1]);
  for (size_t z = 0; z < size[2]; z += slices)
    for (size_t y = 0; y < size[1]; y += rows) {
      ImageF::RegionType piece = region;
      piece.SetIndex(1, region.GetIndex(1) + itk::IndexValueType(y));
      piece.SetIndex(2, region.GetIndex(2) + itk::IndexValueType(z));
      piece.SetSize(1, std::min(rows, size[1] - y));
      piece.SetSize(2, std::min(slices, size[2] - z));
      pieces.push_back(piece);
    }
  return pieces;
}

}  // namespace

ImageF::Pointer runFilterInPieces(itk::ImageToImageFilter<ImageF, ImageF>& filter, const Progress& progress,
                                  const std::string& stage, size_t voxelsPerPiece) {
  ImageF* out = filter.GetOutput();
  try {
    AbortWatch watch(filter, progress);
    out->UpdateOutputInformation();
    auto result = ImageF::New();
    result->CopyInformation(out);
    result->SetRegions(out->GetLargestPossibleRegion());
    result->Allocate();
    const auto pieces = piecesOf(out->GetLargestPossibleRegion(), voxelsPerPiece);
    for (size_t i = 0; i < pieces.size(); ++i) {
      out->SetRequestedRegion(pieces[i]);
      out->PropagateRequestedRegion();
      out->UpdateOutputData();
      itk::ImageAlgorithm::Copy(out, result.GetPointer(), pieces[i], pieces[i]);
      if (progress.cancelled()) throw Error("", stage, "cancelled");
      progress.report(double(i + 1) / double(pieces.size()), stage);
    }
    return result;
  } catch (const itk::ProcessAborted&) {
    throw Error("", stage, "cancelled");
  } catch (const itk::ExceptionObject& e) {
    if (progress.cancelled()) throw Error("", stage, "cancelled");
    throw Error("", stage, e.GetDescription());
  }
}

void updateFilter(itk::ProcessObject& filter, const Progress& progress, const std::string& stage) {
  auto observer = itk::CStyleCommand::New();
  struct Context {
    itk::ProcessObject* filter;
    const Progress* progress;
    std::string stage;
  } context{&filter, &progress, stage};
  observer->SetClientData(&context);
  observer->SetCallback([](itk::Object*, const itk::EventObject&, void* data) {
    auto* c = static_cast<Context*>(data);
    if (c->progress->cancelled()) {
      c->filter->AbortGenerateDataOn();
      return;
    }
    c->progress->report(c->filter->GetProgress(), c->stage);
  });
  const auto tag = filter.AddObserver(itk::ProgressEvent(), observer);
  try {
    AbortWatch watch(filter, progress);
    filter.Update();
  } catch (const itk::ProcessAborted&) {
    filter.RemoveObserver(tag);
    throw Error("", stage, "cancelled");
  } catch (const itk::ExceptionObject& e) {
    filter.RemoveObserver(tag);
    // A ProcessAborted thrown in a worker thread may reach here wrapped by the thread pool.
    if (progress.cancelled()) throw Error("", stage, "cancelled");
    throw Error("", stage, e.GetDescription());
  }
  filter.RemoveObserver(tag);
  if (progress.cancelled()) throw Error("", stage, "cancelled");
  progress.report(1.0, stage);  // some ITK filters stop reporting short of 1
}

std::vector<ImageF::IndexType> seedIndices(const Points& seeds, const itk::ImageBase<3>& image, const std::string& where) {
  std::vector<ImageF::IndexType> indices;
  const auto region = image.GetLargestPossibleRegion();
  for (const auto& p : seeds.points) {
    ImageF::IndexType index;
    if (seeds.voxelIndices) {
      for (unsigned d = 0; d < 3; ++d) index[d] = static_cast<itk::IndexValueType>(std::llround(p[d]));
    } else {
      ImageF::PointType point;
      for (unsigned d = 0; d < 3; ++d) point[d] = p[d];
      image.TransformPhysicalPointToIndex(point, index);
    }
    if (!region.IsInside(index)) {
      std::ostringstream what;
      what << "seed " << (seeds.voxelIndices ? "voxel " : "") << "(" << p[0] << ", " << p[1] << ", " << p[2] << ")"
           << (seeds.voxelIndices ? "" : " mm") << " is outside the image";
      throw Error("", where, what.str());
    }
    indices.push_back(index);
  }
  return indices;
}

}  // namespace medpipe
