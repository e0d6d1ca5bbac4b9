// medpipe train-unet: trains medpipe's small 3D U-Net on image/label pairs and writes a model folder
// (weights.pt + model.json) that unet-segment runs. See docs/deep-learning.md.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "cli_support.h"
#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"
#include "medpipe/deep/network.h"
#include "medpipe/deep/normalisation.h"
#include "medpipe/io/image_file.h"

namespace medpipe::cli {
namespace {
namespace fs = std::filesystem;

bool isVolumeFile(const fs::path& p) {
  const std::string name = p.filename().string();
  for (const char* ext : {".nii.gz", ".nii", ".nrrd", ".mha"})
    if (name.size() > std::strlen(ext) && name.compare(name.size() - std::strlen(ext), std::string::npos, ext) == 0) return true;
  return false;
}

std::array<int, 3> parsePatch(const std::string& text) {
  int x = 0, y = 0, z = 0, used = 0;
  if (std::sscanf(text.c_str(), "%dx%dx%d%n", &x, &y, &z, &used) == 3 && size_t(used) == text.size()) return {x, y, z};
  if (std::sscanf(text.c_str(), "%d%n", &x, &used) == 1 && size_t(used) == text.size()) return {x, x, x};
  throw Error("", "--patch", "'" + text + "' is not N or XxYxZ voxels");
}

std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) out.push_back(item);
  return out;
}

// Distinct colours for up to 8 labels, then grey.
std::array<std::uint8_t, 3> colourOf(size_t i) {
  static const std::array<std::array<std::uint8_t, 3>, 8> palette{
      {{230, 159, 0}, {86, 180, 233}, {240, 228, 66}, {0, 158, 115}, {204, 121, 167}, {213, 94, 0}, {0, 114, 178}, {153, 153, 153}}};
  return palette[std::min(i, palette.size() - 1)];
}

}  // namespace

int runTrainUnet(const Args& args) {
  CommandLine line;
  line.usage = "medpipe train-unet --images DIR --labels DIR -o MODEL [--epochs N] [--patch N|XxYxZ] [--seed S] [options]";
  std::string images, labels, output, patch = "32", channels = "8,16,32", window = "-1000,1000", names;
  deep::TrainingOptions options;
  line.options.add_options()
      ("images", po::value(&images)->required(), "folder of images (NIfTI, NRRD, MHA), paired with --labels by file name")
      ("labels", po::value(&labels)->required(), "folder of label maps with the same file names")
      ("output,o", po::value(&output)->required(), "model folder to write (weights.pt, model.json)")
      ("epochs", po::value(&options.epochs)->default_value(options.epochs), "at most this many epochs")
      ("iterations", po::value(&options.iterationsPerEpoch)->default_value(options.iterationsPerEpoch), "batches per epoch")
      ("patch", po::value(&patch)->default_value(patch), "training and inference patch, voxels (N or XxYxZ)")
      ("batch", po::value(&options.batch)->default_value(options.batch), "patches per batch")
      ("channels", po::value(&channels)->default_value(channels), "features per U-Net level, comma-separated")
      ("learning-rate", po::value(&options.learningRate)->default_value(options.learningRate), "Adam's step size")
      ("seed", po::value(&options.seed)->default_value(options.seed), "seed of the weights, patches and split")
      ("patience", po::value(&options.patience)->default_value(options.patience), "epochs without a better validation Dice before stopping")
      ("validation", po::value(&options.validationFraction)->default_value(options.validationFraction), "share of the pairs held out")
      ("window", po::value(&window)->default_value(window), "CT window LOWER,UPPER (HU) scaled to 0..1 (or 'zscore')")
      ("label-names", po::value(&names), "names of labels 1, 2, ... comma-separated (default 'label N')")
      ("threads", po::value(&options.threads)->default_value(options.threads), "threads (1: the same weights for the same seed)");
  po::variables_map vm;
  if (auto done = parseCommandLine(args, line, vm)) return *done;

  return reportErrors("train-unet", [&] {
    if (!deep::torchAvailable()) throw Error("", "", deep::kWithoutTorch);
    if (options.epochs < 1) throw Error("", "--epochs", "must be at least 1");
    if (options.iterationsPerEpoch < 1) throw Error("", "--iterations", "must be at least 1");
    if (options.batch < 1) throw Error("", "--batch", "must be at least 1");
    deep::ModelCard card;
    card.patch = parsePatch(patch);
    card.channels.clear();
    for (const auto& c : splitList(channels)) card.channels.push_back(std::stoi(c));
    if (card.channels.size() < 2) throw Error("", "--channels", "give at least two levels");
    const int multiple = 1 << (card.channels.size() - 1);
    for (int a = 0; a < 3; ++a)
      if (card.patch[a] < multiple || card.patch[a] % multiple)
        throw Error("", "--patch", "sizes must be multiples of " + std::to_string(multiple) + " (the U-Net's levels)");
    if (window == "zscore") {
      card.normalisation.kind = deep::Normalisation::Kind::ZScore;
    } else {
      const auto bounds = splitList(window);
      if (bounds.size() != 2) throw Error("", "--window", "'" + window + "' is not LOWER,UPPER or zscore");
      card.normalisation.kind = deep::Normalisation::Kind::CtWindow;
      card.normalisation.lower = std::stod(bounds[0]), card.normalisation.upper = std::stod(bounds[1]);
      if (!(card.normalisation.upper > card.normalisation.lower)) throw Error("", "--window", "UPPER must be above LOWER");
    }

    // Pairs by file name, read and checked: one grid per pair, one spacing for all, LPS axes.
    std::vector<fs::path> files;
    if (!fs::is_directory(images)) throw Error(images, "--images", "not a folder");
    for (const auto& entry : fs::directory_iterator(images))
      if (entry.is_regular_file() && isVolumeFile(entry.path())) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    if (files.empty()) throw Error(images, "--images", "no NIfTI, NRRD or MHA files");
    std::vector<deep::TrainingVolume> volumes;
    std::vector<LabelImage::Pointer> labelMaps;
    std::set<int> values;
    for (const auto& file : files) {
      const fs::path labelFile = fs::path(labels) / file.filename();
      if (!fs::exists(labelFile)) throw Error(labelFile.string(), "--labels", "no label map for " + file.filename().string());
      const auto image = readImage(file);
      const auto labelMap = readLabelImage(labelFile);
      const auto size = image->GetLargestPossibleRegion().GetSize();
      if (labelMap->GetLargestPossibleRegion().GetSize() != size)
        throw Error(labelFile.string(), "size", "the label map's grid differs from its image's");
      for (int a = 0; a < 3; ++a) {
        if (volumes.empty()) card.spacing[a] = image->GetSpacing()[a];
        if (std::abs(image->GetSpacing()[a] - card.spacing[a]) > 1e-3 * card.spacing[a])
          throw Error(file.string(), "spacing", "differs from the first image's; resample every pair to one spacing first");
        for (int b = 0; b < 3; ++b)
          if (std::abs(image->GetDirection()(a, b) - (a == b ? 1.0 : 0.0)) > 1e-4)
            throw Error(file.string(), "direction", "the image's axes are not L, P, S (resample it onto an axial LPS grid first)");
      }
      deep::TrainingVolume v;
      v.size = {size[0], size[1], size[2]};
      v.image.assign(image->GetBufferPointer(), image->GetBufferPointer() + image->GetLargestPossibleRegion().GetNumberOfPixels());
      deep::normalise(v.image, card.normalisation);
      v.name = file.string();
      const auto* l = labelMap->GetBufferPointer();
      for (size_t i = 0; i < v.image.size(); ++i)
        if (l[i]) values.insert(l[i]);
      volumes.push_back(std::move(v));
      labelMaps.push_back(labelMap);
    }
    if (values.empty()) throw Error(labels, "--labels", "every label map is empty");
    // Label values in the files -> classes 1..n (0 background), in increasing order.
    std::vector<int> classOf(256, 0);
    const auto nameList = splitList(names);
    size_t i = 0;
    for (int value : values) {
      classOf[value] = int(++i);
      deep::LabelInfo info;
      info.value = value;
      info.name = i <= nameList.size() ? nameList[i - 1] : "label " + std::to_string(value);
      info.rgb = colourOf(i - 1);
      card.labels.push_back(info);
    }
    for (size_t v = 0; v < volumes.size(); ++v) {
      const auto* l = labelMaps[v]->GetBufferPointer();
      volumes[v].labels.resize(volumes[v].image.size());
      for (size_t k = 0; k < volumes[v].labels.size(); ++k) volumes[v].labels[k] = std::uint8_t(classOf[l[k]]);
    }

    const fs::path folder(output);
    fs::create_directories(folder);
    card.folder = folder;
    card.name = folder.filename().string();
    card.weights = "weights.pt";
    std::ostringstream command;
    command << "medpipe train-unet --epochs " << options.epochs << " --iterations " << options.iterationsPerEpoch
            << " --patch " << card.patch[0] << "x" << card.patch[1] << "x" << card.patch[2] << " --batch " << options.batch
            << " --channels " << channels << " --learning-rate " << options.learningRate << " --seed " << options.seed
            << " --patience " << options.patience << " --validation " << options.validationFraction << " --window " << window
            << " --threads " << options.threads;
    card.training.command = command.str();
    card.training.data = std::to_string(volumes.size()) + " image/label pairs (" + std::to_string(values.size()) + " labels)";
    const Progress progress([](double, const std::string& what) { std::cerr << "train-unet: " << what << "\n"; });
    const auto report = deep::trainUNet(card, volumes, options, progress);
    const std::string json = deep::modelCardJson(card);
    writeAtomically(folder / "model.json", [&](const fs::path& tmp) {
      std::ofstream out(tmp);
      out << json;
      if (!out) throw Error(tmp.string(), "", "cannot write the model card");
    });
    std::cout << "trained " << report.epochsRun << " epoch(s)" << (report.stoppedEarly ? " (stopped early)" : "")
              << ", best epoch " << report.bestEpoch << ", validation Dice " << report.validationDice << "\n"
              << (folder / "model.json").string() << "\n";
    return kSuccess;
  });
}

}  // namespace medpipe::cli
