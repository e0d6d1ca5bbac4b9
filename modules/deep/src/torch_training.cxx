// Training medpipe's 3D U-Net on CPU: random patches (a third centred on foreground, as nnU-Net
// oversamples it), flips and intensity jitter, cross-entropy + soft Dice, Adam, a validation split
// scored by sliding-window Dice, early stopping. One of the two files of medpipe that include libtorch.
#include <algorithm>
#include <fstream>
#include <sstream>
#include <numeric>
#include <random>

#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"
#include "medpipe/deep/network.h"
#include "sha256.h"
#include "unet3d.h"

namespace medpipe::deep {
namespace {

using Rng = std::mt19937_64;

// Uniform in [0, n): from the generator's bits, so the draw is the same with every standard library.
size_t below(Rng& rng, size_t n) { return n ? size_t(rng() % n) : 0; }
double uniform(Rng& rng, double lo, double hi) { return lo + (hi - lo) * double(rng() >> 11) * 0x1.0p-53; }

struct Batch {
  torch::Tensor images, labels;
};

Batch sampleBatch(const std::vector<const TrainingVolume*>& volumes, const std::array<int, 3>& patch, int batch, Rng& rng) {
  const size_t px = size_t(patch[0]), py = size_t(patch[1]), pz = size_t(patch[2]);
  auto images = torch::empty({batch, 1, long(pz), long(py), long(px)});
  auto labels = torch::empty({batch, long(pz), long(py), long(px)}, torch::kLong);
  float* image = images.data_ptr<float>();
  int64_t* label = labels.data_ptr<int64_t>();
  for (int b = 0; b < batch; ++b) {
    const TrainingVolume& v = *volumes[below(rng, volumes.size())];
    std::array<size_t, 3> start{};
    const std::array<size_t, 3> p{px, py, pz};
    const bool foreground = below(rng, 3) == 0;
    size_t centre = 0;
    if (foreground) {
      // A random foreground voxel: draw until one is found (bounded; the volumes have foreground).
      for (int tries = 0; tries < 1000; ++tries) {
        centre = below(rng, v.labels.size());
        if (v.labels[centre]) break;
      }
    }
    const std::array<size_t, 3> at{centre % v.size[0], centre / v.size[0] % v.size[1], centre / (v.size[0] * v.size[1])};
    for (int a = 0; a < 3; ++a) {
      const size_t room = v.size[a] - p[a];
      start[a] = foreground ? std::min(room, at[a] > p[a] / 2 ? at[a] - p[a] / 2 : 0) : below(rng, room + 1);
    }
    const bool flip[3] = {below(rng, 2) == 1, below(rng, 2) == 1, below(rng, 2) == 1};
    const float scale = float(uniform(rng, 0.9, 1.1)), shift = float(uniform(rng, -0.1, 0.1));
    for (size_t z = 0; z < pz; ++z)
      for (size_t y = 0; y < py; ++y)
        for (size_t x = 0; x < px; ++x) {
          const size_t sx = start[0] + (flip[0] ? px - 1 - x : x), sy = start[1] + (flip[1] ? py - 1 - y : y),
                       sz = start[2] + (flip[2] ? pz - 1 - z : z);
          const size_t from = (sz * v.size[1] + sy) * v.size[0] + sx;
          const size_t to = ((size_t(b) * pz + z) * py + y) * px + x;
          image[to] = v.image[from] * scale + shift;
          label[to] = v.labels[from];
        }
  }
  return {images, labels};
}

torch::Tensor softDiceLoss(const torch::Tensor& logits, const torch::Tensor& labels, int classes) {
  const auto probabilities = torch::softmax(logits, 1);
  const auto target = torch::one_hot(labels, classes).permute({0, 4, 1, 2, 3}).to(torch::kFloat);
  const std::vector<int64_t> dims{0, 2, 3, 4};
  const auto intersection = (probabilities * target).sum(dims);
  const auto total = probabilities.sum(dims) + target.sum(dims);
  const auto dice = (2 * intersection + 1e-5) / (total + 1e-5);
  return 1 - dice.slice(0, 1).mean();  // foreground classes
}

// Dice of each foreground class of sliding-window predictions on `volumes`.
std::vector<double> validationDice(UNet3d& model, const std::vector<const TrainingVolume*>& volumes, const std::array<int, 3>& patch,
                      int classes, const Progress& progress) {
  torch::NoGradGuard noGrad;
  model->eval();
  std::vector<double> intersection(classes, 0), total(classes, 0);
  WindowOptions options;  // MONAI's defaults, as the stage
  for (const TrainingVolume* v : volumes) {
    const auto forward = [&](const float* patches, size_t count, float* logits) {
      auto input = torch::from_blob(const_cast<float*>(patches), {long(count), 1, patch[2], patch[1], patch[0]});
      const auto out = model->forward(input).contiguous();
      std::memcpy(logits, out.data_ptr<float>(), size_t(out.numel()) * sizeof(float));
    };
    const auto result = slidingWindow(v->image.data(), v->size, patch, size_t(classes), options, forward, progress);
    const size_t voxels = v->labels.size();
    for (size_t i = 0; i < voxels; ++i) {
      int best = 0;
      for (int c = 1; c < classes; ++c)
        if (result.logits[c * voxels + i] > result.logits[best * voxels + i]) best = c;
      const int truth = v->labels[i];
      if (best == truth) intersection[best] += 2;
      total[best] += 1, total[truth] += 1;
    }
  }
  std::vector<double> dice;
  for (int c = 1; c < classes; ++c) dice.push_back(total[c] > 0 ? intersection[c] / total[c] : 1.0);
  model->train();
  return dice;
}

std::string listed(const std::vector<double>& values) {
  std::string out;
  for (double v : values) out += (out.empty() ? "" : " ") + std::to_string(v).substr(0, 5);
  return out;
}

}  // namespace

TrainingReport trainUNet(ModelCard& card, const std::vector<TrainingVolume>& volumes, const TrainingOptions& o,
                         const Progress& progress) {
  const int classes = card.outputChannels();
  if (card.architecture != "unet3d" || card.activation != "softmax")
    throw Error("", "architecture", "train-unet trains medpipe's unet3d with softmax outputs only");
  if (volumes.empty()) throw Error("", "--images", "no training volumes");
  for (const auto& v : volumes) {
    for (int a = 0; a < 3; ++a)
      if (v.size[a] < size_t(card.patch[a]))
        throw Error(v.name, "--patch", "the volume (" + std::to_string(v.size[0]) + "x" + std::to_string(v.size[1]) + "x" +
                                            std::to_string(v.size[2]) + ") is smaller than the patch");
    if (std::none_of(v.labels.begin(), v.labels.end(), [](std::uint8_t l) { return l != 0; }))
      throw Error(v.name, "labels", "the label map is empty");
  }
  at::set_num_threads(int(std::max(1u, o.threads)));
  torch::manual_seed(o.seed);
  Rng rng(o.seed);

  // Validation split: a seeded shuffle, the last share held out (none with a single volume).
  std::vector<size_t> order(volumes.size());
  std::iota(order.begin(), order.end(), 0);
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[below(rng, i)]);
  const size_t held = volumes.size() < 2 ? 0 : std::max<size_t>(1, size_t(o.validationFraction * double(volumes.size()) + 0.5));
  std::vector<const TrainingVolume*> training, validation;
  for (size_t i = 0; i < order.size(); ++i) (i + held < order.size() ? training : validation).push_back(&volumes[order[i]]);
  if (validation.empty()) validation = training;  // one volume: scored on itself (said in the card)

  UNet3d model(card.inChannels, classes, card.channels);
  model->train();
  torch::optim::Adam optimiser(model->parameters(), torch::optim::AdamOptions(o.learningRate));
  TrainingReport report;
  double best = -1;
  int sinceBest = 0;
  const std::string weights = card.weightsPath().string();
  for (int epoch = 1; epoch <= o.epochs; ++epoch) {
    double lossSum = 0;
    for (int it = 0; it < o.iterationsPerEpoch; ++it) {
      progress.throwIfCancelled();
      const Batch batch = sampleBatch(training, card.patch, o.batch, rng);
      optimiser.zero_grad();
      const auto logits = model->forward(batch.images);
      const auto loss = torch::nn::functional::cross_entropy(logits, batch.labels) + softDiceLoss(logits, batch.labels, classes);
      loss.backward();
      optimiser.step();
      lossSum += loss.item<double>();
    }
    const Progress quiet(Progress::Callback(), &progress);  // cancellable, but no "sliding windows" lines
    const auto perLabel = validationDice(model, validation, card.patch, classes, quiet);
    const double dice = std::accumulate(perLabel.begin(), perLabel.end(), 0.0) / double(perLabel.size());
    report.epochsRun = epoch;
    progress.report(double(epoch) / o.epochs, "epoch " + std::to_string(epoch) + ": loss " +
                                                  std::to_string(lossSum / o.iterationsPerEpoch) + ", validation Dice " +
                                                  std::to_string(dice) + " (per label " + listed(perLabel) + ")");
    if (dice > best) {
      best = dice, sinceBest = 0, report.bestEpoch = epoch;
      // Through a stream: a file name would go into the archive's record names (and change the sha256).
      std::ostringstream bytes;
      torch::save(model, bytes);
      writeAtomically(weights, [&](const std::filesystem::path& tmp) {
        std::ofstream out(tmp, std::ios::binary);
        out << bytes.str();
        if (!out) throw Error(tmp.string(), "", "cannot write the weights");
      });
    } else if (++sinceBest >= o.patience) {
      report.stoppedEarly = true;
      break;
    }
  }
  report.validationDice = best;
  card.weightsSha256 = sha256OfFile(weights);
  card.training.seed = o.seed;
  card.training.epochs = report.bestEpoch;
  card.training.patch = card.patch[0];
  card.training.validationDice = best;
  return report;
}

}  // namespace medpipe::deep
