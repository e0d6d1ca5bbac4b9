#pragma once
// Shared by classify-voxels and voxel-class-probability: the model parameter, the channel inputs and
// the check that the step gives the channels the model was trained on.
#include <string>
#include <vector>

#include "medpipe/core/error.h"
#include "medpipe/core/parallel.h"
#include "medpipe/filters/stage.h"
#include "medpipe/ml/model_file.h"
#include "voxel_grid.h"

namespace medpipe::trained {

inline ParameterSpec modelParameter() {
  return ParameterSpec::text("model", "", "a model file",
                             "the model file made by `medpipe train-classifier IMAGE... --labels SCRIBBLES -o "
                             "MODEL` (a relative path is relative to the working folder)",
                             [](const std::string& path) {
                               if (path.empty()) throw Error("", "", "give the model file (medpipe train-classifier)");
                             });
}

inline std::vector<InputSpec> channelInputs() {
  return {{"image", DataKind::Image, "image to classify: the first channel the model was trained on"},
          {"image2", DataKind::Image, "second channel on the same voxel grid, when the model has two or three", true},
          {"image3", DataKind::Image, "third channel on the same voxel grid, when the model has three", true},
          {"mask", DataKind::Labels, "non-zero = voxels to classify (the rest get 0)", true}};
}

// The model, the channels of the step as a VolumeView and the mask (or nullptr); errors name the
// model file and what does not fit.
struct Prepared {
  ml::VoxelClassifier model;
  ml::VolumeView volume;
  const std::uint8_t* mask = nullptr;
};

inline Prepared prepare(const StageInputs& in, const ParameterValues& p, const std::string& stage) {
  Prepared r;
  const std::string path = p.text("model");
  if (path.empty()) throw Error("", stage + ".model", "give the model file (medpipe train-classifier)");
  r.model = ml::readModel(path);
  const auto& first = in.at("image").image;
  const auto size = first->GetLargestPossibleRegion().GetSize();
  for (unsigned d = 0; d < 3; ++d) r.volume.size[d] = size[d], r.volume.spacing[d] = first->GetSpacing()[d];
  r.volume.channel.push_back(first->GetBufferPointer());
  for (const char* name : {"image2", "image3"}) {
    const auto it = in.find(name);
    if (it == in.end() || !it->second.image) continue;
    requireSameGrid(*first, *it->second.image, stage, name);
    r.volume.channel.push_back(it->second.image->GetBufferPointer());
  }
  const unsigned wanted = r.model.bank.channels, given = unsigned(r.volume.channel.size());
  static const char* names[] = {"image", "image, image2", "image, image2, image3"};
  if (given != wanted)
    throw Error(path, "channels",
                "the model was trained on " + std::to_string(wanted) + " channel" + (wanted > 1 ? "s" : "") + " (" +
                    names[wanted - 1] + "), the " + stage + " step gives " + std::to_string(given) + " (" +
                    names[given - 1] + ")");
  const auto mask = in.find("mask");
  if (mask != in.end() && mask->second.labels) {
    requireSameGrid(*first, *mask->second.labels, stage, "mask");
    r.mask = mask->second.labels->GetBufferPointer();
  }
  return r;
}

}  // namespace medpipe::trained
