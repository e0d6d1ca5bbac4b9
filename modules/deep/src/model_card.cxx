// The model card: JSON read with JsonCpp, every field checked with a message naming it.
#include "medpipe/deep/model_card.h"

#include <json/json.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "medpipe/core/error.h"

namespace medpipe::deep {
namespace fs = std::filesystem;
namespace {

// Field access with the card's path and the field's dotted name in every error.
class CardReader {
 public:
  explicit CardReader(fs::path path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& field, const std::string& reason) const {
    throw Error(path_.string(), field, reason);
  }
  const Json::Value& member(const Json::Value& object, const std::string& key, const std::string& field,
                            bool required = true) const {
    static const Json::Value null;
    if (!object.isObject()) fail(field, "must be an object");
    if (!object.isMember(key)) {
      if (required) fail(field == "card" ? key : field + "." + key, "missing");
      return null;
    }
    return object[key];
  }
  std::string text(const Json::Value& v, const std::string& field) const {
    if (!v.isString()) fail(field, "must be a string");
    return v.asString();
  }
  double number(const Json::Value& v, const std::string& field) const {
    if (!v.isNumeric()) fail(field, "must be a number");
    return v.asDouble();
  }
  int integer(const Json::Value& v, const std::string& field, int lo, int hi) const {
    if (!v.isIntegral()) fail(field, "must be a whole number");
    const auto value = v.asInt64();
    if (value < lo || value > hi) fail(field, "must be in " + std::to_string(lo) + " .. " + std::to_string(hi));
    return int(value);
  }
  std::vector<double> numbers(const Json::Value& v, const std::string& field, size_t count) const {
    if (!v.isArray() || (count && v.size() != count))
      fail(field, "must be a list of " + (count ? std::to_string(count) + " " : std::string()) + "numbers");
    std::vector<double> out;
    for (Json::ArrayIndex i = 0; i < v.size(); ++i) out.push_back(number(v[i], field + "[" + std::to_string(i) + "]"));
    return out;
  }

 private:
  fs::path path_;
};

Normalisation readNormalisation(const CardReader& r, const Json::Value& v, const std::string& field) {
  Normalisation n;
  const std::string kind = r.text(r.member(v, "kind", field), field + ".kind");
  if (kind == "none") {
    n.kind = Normalisation::Kind::None;
  } else if (kind == "ct-window") {
    n.kind = Normalisation::Kind::CtWindow;
    n.lower = r.number(r.member(v, "lower", field), field + ".lower");
    n.upper = r.number(r.member(v, "upper", field), field + ".upper");
    if (!(n.upper > n.lower)) r.fail(field + ".upper", "must be above lower");
  } else if (kind == "zscore") {
    n.kind = Normalisation::Kind::ZScore;
    if (const auto& clip = r.member(v, "clip", field, false); !clip.isNull()) {
      const auto values = r.numbers(clip, field + ".clip", 2);
      n.clip = true, n.clipLow = values[0], n.clipHigh = values[1];
      if (!(n.clipHigh > n.clipLow)) r.fail(field + ".clip", "the upper bound must be above the lower");
    }
    if (const auto& p = r.member(v, "percentiles", field, false); !p.isNull()) {
      const auto values = r.numbers(p, field + ".percentiles", 2);
      if (!(values[0] >= 0 && values[0] < values[1] && values[1] <= 100))
        r.fail(field + ".percentiles", "must be two percentiles 0 <= low < high <= 100");
      n.percentiles = {values[0], values[1]};
    }
    const auto& mean = r.member(v, "mean", field, false);
    const auto& std = r.member(v, "std", field, false);
    if (mean.isNull() != std.isNull()) r.fail(field, "give both mean and std, or neither (the image's own)");
    if (!mean.isNull()) {
      n.fixedStatistics = true;
      n.mean = r.number(mean, field + ".mean");
      n.std = r.number(std, field + ".std");
      if (!(n.std > 0)) r.fail(field + ".std", "must be above 0");
    }
  } else {
    r.fail(field + ".kind", "'" + kind + "' is not one of none, ct-window, zscore");
  }
  return n;
}

// Whole numbers stay whole; others keep 6 decimals (a NIfTI's float spacing 3.2 reads back as 3.2000000477).
Json::Value list(const std::vector<double>& values) {
  Json::Value out(Json::arrayValue);
  for (double v : values) {
    if (v == std::round(v) && std::abs(v) < 1e9) out.append(Json::Int64(v));
    else out.append(std::round(v * 1e6) / 1e6);
  }
  return out;
}

}  // namespace

ModelCard readModelCard(const fs::path& given) {
  fs::path cardPath = given;
  ModelCard card;
  if (fs::is_directory(given)) {
    cardPath = given / "model.json";
  } else if (given.extension() != ".json") {
    cardPath = fs::path(given).replace_extension(".json");  // file.pt -> file.json
    card.weights = given.filename().string();
  }
  if (!fs::exists(given)) throw Error(given.string(), "model", "no such model folder or file");
  std::ifstream in(cardPath);
  if (!in) throw Error(cardPath.string(), "", "no model card (a model is its weights and this JSON card beside them)");
  Json::Value root;
  Json::CharReaderBuilder builder;
  std::string errors;
  if (!Json::parseFromStream(builder, in, &root, &errors))
    throw Error(cardPath.string(), "", "not valid JSON: " + errors.substr(0, errors.find('\n')));
  const CardReader r(cardPath);
  card.folder = cardPath.parent_path();
  card.name = r.text(r.member(root, "name", "card"), "name");

  const auto& arch = r.member(root, "architecture", "card");
  card.architecture = r.text(r.member(arch, "type", "architecture"), "architecture.type");
  if (card.architecture != "unet3d" && card.architecture != "torchscript")
    r.fail("architecture.type", "'" + card.architecture + "' is not one of unet3d, torchscript");
  card.inChannels = r.integer(r.member(arch, "in-channels", "architecture"), "architecture.in-channels", 1, 1);
  if (card.architecture == "unet3d") {
    for (double c : r.numbers(r.member(arch, "channels", "architecture"), "architecture.channels", 0)) {
      if (c < 1 || c > 512 || c != int(c)) r.fail("architecture.channels", "features per level must be whole numbers 1 .. 512");
      card.channels.push_back(int(c));
    }
    if (card.channels.size() < 2 || card.channels.size() > 6) r.fail("architecture.channels", "must list 2 .. 6 levels");
  }

  // A TorchScript file given as `model:` is the weights; a folder's or a card's card names them.
  const bool weightsGiven = !fs::is_directory(given) && given.extension() != ".json";
  if (const auto& weights = r.member(root, "weights", "card", !weightsGiven); !weights.isNull()) {
    if (!weightsGiven) card.weights = r.text(r.member(weights, "file", "weights"), "weights.file");
    if (const auto& sha = r.member(weights, "sha256", "weights", false); !sha.isNull())
      card.weightsSha256 = r.text(sha, "weights.sha256");
  }

  const auto& input = r.member(root, "input", "card");
  const auto patch = r.numbers(r.member(input, "patch", "input"), "input.patch", 3);
  const int multiple = card.channels.empty() ? 1 : 1 << (card.channels.size() - 1);
  for (int a = 0; a < 3; ++a) {
    if (patch[a] < 1 || patch[a] > 512 || patch[a] != int(patch[a]))
      r.fail("input.patch", "sizes must be whole numbers 1 .. 512");
    if (int(patch[a]) % multiple)
      r.fail("input.patch", "sizes must be multiples of " + std::to_string(multiple) + " (the U-Net's levels)");
    card.patch[a] = int(patch[a]);
  }
  const auto spacing = r.numbers(r.member(input, "spacing", "input"), "input.spacing", 3);
  for (int a = 0; a < 3; ++a) {
    if (!(spacing[a] > 0)) r.fail("input.spacing", "spacings must be above 0 mm");
    card.spacing[a] = spacing[a];
  }
  card.orientation = r.text(r.member(input, "orientation", "input"), "input.orientation");
  if (card.orientation != "LPS")
    r.fail("input.orientation", "'" + card.orientation + "' is not supported (LPS: the array axes run to the patient's left, posterior, head)");
  card.normalisation = readNormalisation(r, r.member(input, "normalisation", "input"), "input.normalisation");

  const auto& output = r.member(root, "output", "card");
  card.activation = r.text(r.member(output, "activation", "output"), "output.activation");
  if (card.activation != "softmax" && card.activation != "sigmoid")
    r.fail("output.activation", "'" + card.activation + "' is not one of softmax, sigmoid");
  if (const auto& t = r.member(output, "threshold", "output", false); !t.isNull()) {
    card.threshold = r.number(t, "output.threshold");
    if (!(card.threshold > 0 && card.threshold < 1)) r.fail("output.threshold", "must be between 0 and 1");
  }
  const auto& labels = r.member(output, "labels", "output");
  if (!labels.isArray() || labels.empty()) r.fail("output.labels", "must be a non-empty list");
  for (Json::ArrayIndex i = 0; i < labels.size(); ++i) {
    const std::string field = "output.labels[" + std::to_string(i) + "]";
    LabelInfo label;
    label.value = r.integer(r.member(labels[i], "value", field), field + ".value", 1, 255);
    label.name = r.text(r.member(labels[i], "name", field), field + ".name");
    const auto rgb = r.numbers(r.member(labels[i], "color", field), field + ".color", 3);
    for (int c = 0; c < 3; ++c) {
      if (rgb[c] < 0 || rgb[c] > 255) r.fail(field + ".color", "components must be 0 .. 255");
      label.rgb[c] = std::uint8_t(rgb[c]);
    }
    for (const auto& other : card.labels)
      if (other.value == label.value) r.fail(field + ".value", "label " + std::to_string(label.value) + " is listed twice");
    card.labels.push_back(label);
  }

  if (const auto& t = r.member(root, "training", "card", false); !t.isNull()) {
    if (const auto& v = r.member(t, "data", "training", false); !v.isNull()) card.training.data = r.text(v, "training.data");
    if (const auto& v = r.member(t, "seed", "training", false); !v.isNull()) card.training.seed = v.asUInt64();
    if (const auto& v = r.member(t, "epochs", "training", false); !v.isNull()) card.training.epochs = v.asInt();
    if (const auto& v = r.member(t, "patch", "training", false); !v.isNull()) card.training.patch = v.asInt();
    if (const auto& v = r.member(t, "validation-dice", "training", false); !v.isNull())
      card.training.validationDice = r.number(v, "training.validation-dice");
    if (const auto& v = r.member(t, "command", "training", false); !v.isNull())
      card.training.command = r.text(v, "training.command");
  }
  return card;
}

std::string modelCardJson(const ModelCard& card) {
  Json::Value root;
  root["name"] = card.name;
  root["architecture"]["type"] = card.architecture;
  root["architecture"]["in-channels"] = card.inChannels;
  if (!card.channels.empty()) root["architecture"]["channels"] = list({card.channels.begin(), card.channels.end()});
  root["weights"]["file"] = card.weights;
  if (!card.weightsSha256.empty()) root["weights"]["sha256"] = card.weightsSha256;
  root["input"]["patch"] = list({double(card.patch[0]), double(card.patch[1]), double(card.patch[2])});
  root["input"]["spacing"] = list({card.spacing[0], card.spacing[1], card.spacing[2]});
  root["input"]["orientation"] = card.orientation;
  Json::Value& n = root["input"]["normalisation"];
  const Normalisation& norm = card.normalisation;
  switch (norm.kind) {
    case Normalisation::Kind::None: n["kind"] = "none"; break;
    case Normalisation::Kind::CtWindow:
      n["kind"] = "ct-window", n["lower"] = norm.lower, n["upper"] = norm.upper;
      break;
    case Normalisation::Kind::ZScore:
      n["kind"] = "zscore";
      if (norm.clip) n["clip"] = list({norm.clipLow, norm.clipHigh});
      else n["percentiles"] = list({norm.percentiles[0], norm.percentiles[1]});
      if (norm.fixedStatistics) n["mean"] = norm.mean, n["std"] = norm.std;
      break;
  }
  root["output"]["activation"] = card.activation;
  if (card.activation == "sigmoid") root["output"]["threshold"] = card.threshold;
  Json::Value& labels = root["output"]["labels"] = Json::Value(Json::arrayValue);
  for (const auto& l : card.labels) {
    Json::Value label;
    label["value"] = l.value, label["name"] = l.name;
    label["color"] = list({double(l.rgb[0]), double(l.rgb[1]), double(l.rgb[2])});
    labels.append(label);
  }
  Json::Value& t = root["training"];
  t["data"] = card.training.data;
  t["seed"] = Json::UInt64(card.training.seed);
  t["epochs"] = card.training.epochs;
  t["patch"] = card.training.patch;
  t["validation-dice"] = card.training.validationDice;
  t["command"] = card.training.command;
  Json::StreamWriterBuilder writer;
  writer["indentation"] = "  ";
  writer["precision"] = 10;  // 3.2, not 3.2000000000000002
  return Json::writeString(writer, root) + "\n";
}

}  // namespace medpipe::deep
