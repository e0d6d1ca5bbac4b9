#include "itk_stage_support.h"

#include <sstream>

namespace medpipe {

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
    filter.Update();
  } catch (const itk::ProcessAborted&) {
    filter.RemoveObserver(tag);
    throw Error("", stage, "cancelled");
  } catch (const itk::ExceptionObject& e) {
    filter.RemoveObserver(tag);
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
