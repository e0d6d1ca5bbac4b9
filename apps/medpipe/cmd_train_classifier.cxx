// medpipe train-classifier: trains a voxel classifier from painted voxels (scribbles) on one to
// three co-registered channels and writes the model file the classify-voxels stage applies.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <sstream>

#include "cli_support.h"
#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"
#include "medpipe/core/log.h"
#include "medpipe/filters/stage.h"
#include "medpipe/io/dicom_conversion.h"
#include "medpipe/io/dicom_index.h"
#include "medpipe/io/image_file.h"
#include "medpipe/io/region_objects.h"
#include "medpipe/ml/model_file.h"
#include "medpipe/pipeline/config_validation.h"

namespace medpipe::cli {
namespace {
namespace fs = std::filesystem;

// Same size, spacing, origin and direction (within a small fraction of a voxel, as ITK checks).
bool sameGrid(const itk::ImageBase<3>& a, const itk::ImageBase<3>& b) {
  if (a.GetLargestPossibleRegion().GetSize() != b.GetLargestPossibleRegion().GetSize()) return false;
  const double tolerance = 1e-4 * std::min({a.GetSpacing()[0], a.GetSpacing()[1], a.GetSpacing()[2]});
  for (unsigned r = 0; r < 3; ++r) {
    if (std::abs(a.GetSpacing()[r] - b.GetSpacing()[r]) > tolerance ||
        std::abs(a.GetOrigin()[r] - b.GetOrigin()[r]) > tolerance)
      return false;
    for (unsigned c = 0; c < 3; ++c)
      if (std::abs(a.GetDirection()(r, c) - b.GetDirection()(r, c)) > 1e-6) return false;
  }
  return true;
}

ImageF::Pointer readChannel(const fs::path& path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec) && extensionAccepts(path.filename().string(), DataKind::Image))
    return readImage(path);
  if (!fs::exists(path)) throw Error(path.string(), "", "no such file or folder");
  const DicomIndex index = indexDicomFolder(path);
  if (index.volumes.size() != 1)
    throw Error(path.string(), "",
                std::to_string(index.volumes.size()) + " image series found: give one volume file or series folder");
  return readVolume(index.volumes.front(), IrregularGeometry::Resample);
}

// A label map file on the image's grid or a DICOM SEG read onto it (segment names name the classes).
LabelImage::Pointer readScribbles(const fs::path& path, const ImageF& image, std::map<int, std::string>& names) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec) && extensionAccepts(path.filename().string(), DataKind::Labels)) {
    auto labels = readLabelImage(path);
    if (!sameGrid(*labels, image))
      throw Error(path.string(), "--labels",
                  "the scribbles are not on the image's voxel grid (size, spacing, origin or direction differ)");
    return labels;
  }
  if (!fs::is_regular_file(path, ec))
    throw Error(path.string(), "--labels", "give a label map file (.nii.gz, .nrrd, .mha) or a DICOM SEG file");
  const RegionMap map = readRegionObject(path, image, RegionReadOptions{});
  for (const auto& r : map.regions) names[r.label] = r.name;
  return map.labels;
}

std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream all(text);
  for (std::string one; std::getline(all, one, ',');)
    if (!one.empty()) items.push_back(one);
  return items;
}

ml::FeatureBank parseBank(const std::string& scales, const std::string& features, bool position) {
  ml::FeatureBank bank;
  bank.position = position;
  bank.scalesMm.clear();
  for (const auto& s : splitList(scales)) {
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (*end || !(v > 0) || v > 100) throw Error("", "--scales", "'" + s + "' is not a scale in mm (0 < scale <= 100)");
    bank.scalesMm.push_back(v);
  }
  if (bank.scalesMm.empty()) throw Error("", "--scales", "give at least one scale in mm");
  bank.kinds.clear();
  for (const auto& f : splitList(features)) {
    bool known = false;
    for (ml::FeatureKind k : ml::kFeatureKinds)
      if (f == toString(k)) bank.kinds.push_back(k), known = true;
    if (!known)
      throw Error("", "--features",
                  "unknown feature '" + f + "' (gaussian, log, gradient-magnitude, dog, structure-tensor, hessian)");
  }
  if (bank.kinds.empty()) throw Error("", "--features", "give at least one feature");
  return bank;
}

std::map<int, std::string> parseNames(const std::string& text) {
  std::map<int, std::string> names;
  for (const auto& item : splitList(text)) {
    const size_t eq = item.find('=');
    const int label = eq == std::string::npos ? 0 : std::atoi(item.substr(0, eq).c_str());
    if (label < 1 || label > 255) throw Error("", "--class-names", "'" + item + "' is not LABEL=NAME");
    names[label] = item.substr(eq + 1);
  }
  return names;
}

}  // namespace

int runTrainClassifier(const Args& args) {
  CommandLine line;
  line.usage = "medpipe train-classifier IMAGE [IMAGE2 [IMAGE3]] --labels SCRIBBLES -o MODEL [options]";
  std::vector<std::string> images;
  std::string scribblesPath, output, scales = "1,2,4", classNames;
  std::string features = "gaussian,log,gradient-magnitude,dog,structure-tensor,hessian";
  unsigned trees = 32, seed = 1;
  bool position = false, quiet = false, verbose = false;
  line.options.add_options()(
      "image", po::value(&images)->required(),
      "one to three co-registered channels (volume files or DICOM series folders), e.g. T1 and T2")(
      "labels", po::value(&scribblesPath)->required(),
      "the scribbles: a label map on the image's grid (.nii.gz, .nrrd, .mha) or a DICOM SEG; only painted voxels "
      "are non-zero, each label value a class (at least two)")(
      "output,o", po::value(&output)->required(), "the model file to write")(
      "scales", po::value(&scales), "Gaussian scales of the features, in mm, comma-separated (default: 1,2,4)")(
      "features", po::value(&features),
      "features per channel and scale, comma-separated (default: all of gaussian, log, gradient-magnitude, dog, "
      "structure-tensor, hessian)")(
      "position", po::bool_switch(&position), "also the voxel's position in mm (for anatomy at fixed places)")(
      "trees", po::value(&trees), "trees of the random forest (default: 32)")(
      "seed", po::value(&seed), "seed of the forest's random choices: the same seed, the same model (default: 1)")(
      "class-names", po::value(&classNames), "names of the classes, \"1=background,2=fat,3=muscle\" (a SEG names them)")(
      "quiet,q", po::bool_switch(&quiet), "no informational messages")("verbose,v", po::bool_switch(&verbose),
                                                                       "also debug messages");
  line.positional.add("image", -1);
  po::variables_map vm;
  if (auto done = parseCommandLine(args, line, vm)) return *done;
  installLogSink(quiet, verbose);
  return reportErrors("train-classifier", [&] {
    if (images.size() > 3) throw Error("", "IMAGE", "at most three channels, got " + std::to_string(images.size()));
    if (trees < 1 || trees > 1000) throw Error("", "--trees", "must be 1 to 1000");
    const ml::FeatureBank bank = parseBank(scales, features, position);
    std::map<int, std::string> names = parseNames(classNames);
    std::vector<ImageF::Pointer> channels;
    for (const auto& path : images) {
      channels.push_back(readChannel(path));
      if (channels.size() > 1 && !sameGrid(*channels.back(), *channels[0]))
        throw Error(path, "IMAGE", "not on the first image's voxel grid (size, spacing, origin or direction differ)");
    }
    std::map<int, std::string> segNames;
    const LabelImage::Pointer scribbles = readScribbles(scribblesPath, *channels[0], segNames);
    for (const auto& [label, name] : segNames) names.emplace(label, name);
    ml::VolumeView volume;
    for (unsigned d = 0; d < 3; ++d)
      volume.size[d] = channels[0]->GetLargestPossibleRegion().GetSize()[d], volume.spacing[d] = channels[0]->GetSpacing()[d];
    for (const auto& c : channels) volume.channel.push_back(c->GetBufferPointer());
    ml::TrainingOptions options;
    options.trees = trees, options.seed = seed;
    const ml::VoxelClassifier model = ml::trainVoxelClassifier(volume, scribbles->GetBufferPointer(), scribblesPath,
                                                               bank, options, names, terminalProgress("features"));
    ml::writeModel(model, output);
    for (const auto& c : model.classes)
      logInfo("class " + std::to_string(c.label) + " '" + c.name + "': " + std::to_string(c.paintedVoxels) +
              " painted voxels");
    logInfo("out-of-bag error " + std::to_string(100 * model.outOfBagError) + " % (" +
            std::to_string(model.bank.featureCount()) + " features, " + std::to_string(model.forest.size()) +
            " trees); apply it with a classify-voxels step, model: " + output);
    std::cout << output << "\n";
    return kSuccess;
  });
}

}  // namespace medpipe::cli
