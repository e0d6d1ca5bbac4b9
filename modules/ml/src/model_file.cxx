// Reading and writing the model file. Every number is written so that it reads back exactly
// (%.17g for thresholds), so a model read back classifies exactly as the one trained.
#include "medpipe/ml/model_file.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"

namespace medpipe::ml {
namespace {

constexpr const char* kMagic = "medpipe-voxel-classifier";

std::uint64_t fnv1a(const std::string& text) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string hex64(std::uint64_t v) {
  char text[20];
  std::snprintf(text, sizeof text, "%016" PRIx64, v);
  return text;
}

std::string number(double v, int digits) {
  char text[40];
  std::snprintf(text, sizeof text, "%.*g", digits, v);
  return text;
}

std::string oneLine(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

FeatureKind kindNamed(const std::string& name, const std::string& path) {
  for (FeatureKind k : kFeatureKinds)
    if (name == toString(k)) return k;
  throw Error(path, "features", "unknown feature '" + name + "'");
}

// Reads the fields of one line; errors name the file, the line's key and what is wrong.
class LineReader {
 public:
  LineReader(const std::string& path, std::istringstream& body) : path_(path), body_(body) {}

  std::istringstream next(const std::string& key) {
    std::string line;
    if (!std::getline(body_, line)) throw Error(path_, key, "missing (the file ends early)");
    ++number_;
    std::istringstream fields(line);
    std::string word;
    fields >> word;
    if (word != key) throw Error(path_, key, "line " + std::to_string(number_) + " is '" + word + "', expected '" + key + "'");
    return fields;
  }
  template <typename T>
  T value(const std::string& key) {
    auto fields = next(key);
    T v{};
    if (!(fields >> v)) throw Error(path_, key, "not a valid value");
    return v;
  }
  [[noreturn]] void fail(const std::string& key, const std::string& reason) const {
    throw Error(path_, key, "line " + std::to_string(number_) + ": " + reason);
  }
  size_t line() const { return number_; }

 private:
  const std::string& path_;
  std::istringstream& body_;
  size_t number_ = 1;  // the magic line was read already
};

}  // namespace

void writeModel(const VoxelClassifier& m, const std::filesystem::path& path) {
  std::ostringstream o;
  o << kMagic << ' ' << kModelFormatVersion << '\n';
  o << "channels " << m.bank.channels << '\n';
  o << "scales-mm";
  for (double s : m.bank.scalesMm) o << ' ' << number(s, 17);
  o << "\nfeatures";
  for (FeatureKind k : m.bank.kinds) o << ' ' << toString(k);
  o << "\nposition " << (m.bank.position ? "yes" : "no") << '\n';
  o << "classes " << m.classes.size() << '\n';
  for (const auto& c : m.classes) o << "class " << c.label << ' ' << c.paintedVoxels << ' ' << oneLine(c.name) << '\n';
  o << "medpipe-version " << oneLine(m.provenance.medpipeVersion) << '\n';
  o << "trained-at " << oneLine(m.provenance.trainedAtUtc) << '\n';
  o << "seed " << m.provenance.seed << '\n';
  o << "training-images " << m.provenance.images.size() << '\n';
  for (const auto& image : m.provenance.images) o << "image " << oneLine(image) << '\n';
  o << "out-of-bag-error " << number(m.outOfBagError, 17) << '\n';
  o << "trees " << m.forest.size() << '\n';
  for (const Tree& t : m.forest) {
    o << "tree " << t.left.size() << '\n';
    for (size_t n = 0; n < t.left.size(); ++n) {
      if (t.left[n] < 0) {
        o << 'l';
        for (size_t k = 0; k < m.classes.size(); ++k)
          o << ' ' << number(t.leafProbabilities[size_t(t.right[n]) * m.classes.size() + k], 9);
      } else {
        o << "s " << t.feature[n] << ' ' << number(t.threshold[n], 17) << ' ' << t.left[n] << ' ' << t.right[n];
      }
      o << '\n';
    }
  }
  const std::string body = o.str();
  writeAtomically(path, [&](const std::filesystem::path& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    out << body << "checksum fnv1a64 " << hex64(fnv1a(body)) << '\n';
    if (!out) throw Error(path.string(), "", "could not write");
  });
}

VoxelClassifier readModel(const std::filesystem::path& file) {
  const std::string path = file.string();
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(path, "", "cannot open the model file");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string magic = std::string(kMagic) + ' ';
  if (text.compare(0, magic.size(), magic) != 0)
    throw Error(path, "", "not a medpipe voxel-classifier model (made by medpipe train-classifier)");
  const int version = std::atoi(text.c_str() + magic.size());
  if (version != kModelFormatVersion)
    throw Error(path, "version",
                "model format version " + std::to_string(version) + ", this medpipe reads version " +
                    std::to_string(kModelFormatVersion) + ": train the model again with this medpipe");
  const size_t last = text.rfind("checksum fnv1a64 ");
  if (last == std::string::npos || (last > 0 && text[last - 1] != '\n'))
    throw Error(path, "checksum", "missing: the file is truncated");
  const std::string body = text.substr(0, last);
  std::string stored = text.substr(last + 17);
  while (!stored.empty() && (stored.back() == '\n' || stored.back() == '\r')) stored.pop_back();
  if (stored != hex64(fnv1a(body))) throw Error(path, "checksum", "does not match: the file is damaged or was edited");

  std::istringstream lines(body);
  std::string first;
  std::getline(lines, first);
  LineReader r(path, lines);
  VoxelClassifier m;
  m.bank.channels = r.value<unsigned>("channels");
  if (m.bank.channels < 1 || m.bank.channels > 3) r.fail("channels", "must be 1 to 3");
  {
    auto f = r.next("scales-mm");
    m.bank.scalesMm.clear();
    for (double s; f >> s;) {
      if (!(s > 0) || !std::isfinite(s)) r.fail("scales-mm", "a scale must be a positive number of mm");
      m.bank.scalesMm.push_back(s);
    }
    if (m.bank.scalesMm.empty()) r.fail("scales-mm", "no scale");
  }
  {
    auto f = r.next("features");
    m.bank.kinds.clear();
    for (std::string k; f >> k;) m.bank.kinds.push_back(kindNamed(k, path));
    if (m.bank.kinds.empty()) r.fail("features", "no feature");
  }
  const auto position = r.value<std::string>("position");
  if (position != "yes" && position != "no") r.fail("position", "must be yes or no");
  m.bank.position = position == "yes";
  const auto classes = r.value<size_t>("classes");
  if (classes < 2 || classes > 255) r.fail("classes", "must be 2 to 255");
  for (size_t c = 0; c < classes; ++c) {
    auto f = r.next("class");
    ClassInfo info;
    if (!(f >> info.label >> info.paintedVoxels) || info.label < 1 || info.label > 255)
      r.fail("class", "expected a label 1..255 and a voxel count");
    if (!m.classes.empty() && info.label <= m.classes.back().label) r.fail("class", "labels must increase");
    f >> std::ws;
    std::getline(f, info.name);
    m.classes.push_back(info);
  }
  std::getline(r.next("medpipe-version") >> std::ws, m.provenance.medpipeVersion);
  std::getline(r.next("trained-at") >> std::ws, m.provenance.trainedAtUtc);
  m.provenance.seed = r.value<unsigned>("seed");
  const auto images = r.value<size_t>("training-images");
  for (size_t i = 0; i < images; ++i) {
    std::string image;
    std::getline(r.next("image") >> std::ws, image);
    m.provenance.images.push_back(image);
  }
  m.outOfBagError = r.value<double>("out-of-bag-error");
  const auto trees = r.value<size_t>("trees");
  if (trees < 1 || trees > 100000) r.fail("trees", "must be 1 to 100000");
  const auto F = std::int32_t(m.bank.featureCount());
  for (size_t k = 0; k < trees; ++k) {
    const auto nodes = r.value<size_t>("tree");
    if (nodes < 1 || nodes > (size_t(1) << 26)) r.fail("tree", "node count out of range");
    Tree t;
    for (size_t n = 0; n < nodes; ++n) {
      std::string line;
      if (!std::getline(lines, line)) r.fail("tree", "the file ends inside tree " + std::to_string(k + 1));
      std::istringstream f(line);
      char type = 0;
      f >> type;
      if (type == 'l') {
        t.feature.push_back(0), t.left.push_back(-1), t.threshold.push_back(0);
        t.right.push_back(std::int32_t(t.leafProbabilities.size() / classes));
        for (size_t c = 0; c < classes; ++c) {
          float p = -1;
          if (!(f >> p) || !(p >= 0 && p <= 1)) r.fail("tree", "tree " + std::to_string(k + 1) + ": bad leaf probability");
          t.leafProbabilities.push_back(p);
        }
      } else if (type == 's') {
        std::int32_t feature = -1, left = -1, right = -1;
        double threshold = NAN;
        // children come after their parent: no cycles, every traversal ends
        if (!(f >> feature >> threshold >> left >> right) || feature < 0 || feature >= F || std::isnan(threshold) ||
            left <= std::int32_t(n) || right <= std::int32_t(n) || size_t(left) >= nodes || size_t(right) >= nodes)
          r.fail("tree", "tree " + std::to_string(k + 1) + ": bad split node " + std::to_string(n));
        t.feature.push_back(feature), t.threshold.push_back(threshold), t.left.push_back(left), t.right.push_back(right);
      } else {
        r.fail("tree", "tree " + std::to_string(k + 1) + ": node " + std::to_string(n) + " is neither split nor leaf");
      }
    }
    m.forest.push_back(std::move(t));
  }
  std::string rest;
  if (lines >> rest) r.fail(rest, "unexpected text after the trees");
  return m;
}

}  // namespace medpipe::ml
