#include "source_series.h"

#include <gdcmReader.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>

#include "dicom_dataset.h"
#include "medpipe/core/error.h"
#include "medpipe/io/dicom_header.h"
#include "medpipe/io/slice_stack.h"

namespace medpipe::dicom {
namespace fs = std::filesystem;
namespace {

// Attributes copied from the source, by module (PS3.3 C.7.1.1, C.7.1.3, C.7.2.1-3, C.7.4.1).
const std::vector<gdcm::Tag>& copiedTags() {
  static const std::vector<gdcm::Tag> tags = {
      gdcm::Tag(0x0008, 0x0005),  // SpecificCharacterSet: names may be non-ASCII
      // Patient
      gdcm::Tag(0x0010, 0x0010), gdcm::Tag(0x0010, 0x0020), gdcm::Tag(0x0010, 0x0021), gdcm::Tag(0x0010, 0x0022),
      gdcm::Tag(0x0010, 0x0024), gdcm::Tag(0x0010, 0x0030), gdcm::Tag(0x0010, 0x0032), gdcm::Tag(0x0010, 0x0040),
      gdcm::Tag(0x0010, 0x0200), gdcm::Tag(0x0010, 0x1000), gdcm::Tag(0x0010, 0x1001), gdcm::Tag(0x0010, 0x1002),
      gdcm::Tag(0x0010, 0x2160), gdcm::Tag(0x0010, 0x2201), gdcm::Tag(0x0010, 0x2203), gdcm::Tag(0x0010, 0x2292),
      gdcm::Tag(0x0010, 0x2297), gdcm::Tag(0x0010, 0x2298), gdcm::Tag(0x0010, 0x2299), gdcm::Tag(0x0010, 0x4000),
      gdcm::Tag(0x0012, 0x0062), gdcm::Tag(0x0012, 0x0063), gdcm::Tag(0x0012, 0x0064),
      // Clinical Trial Subject
      gdcm::Tag(0x0012, 0x0010), gdcm::Tag(0x0012, 0x0020), gdcm::Tag(0x0012, 0x0021), gdcm::Tag(0x0012, 0x0030),
      gdcm::Tag(0x0012, 0x0031), gdcm::Tag(0x0012, 0x0040), gdcm::Tag(0x0012, 0x0042), gdcm::Tag(0x0012, 0x0081),
      gdcm::Tag(0x0012, 0x0082),
      // General Study
      gdcm::Tag(0x0020, 0x000d), gdcm::Tag(0x0008, 0x0020), gdcm::Tag(0x0008, 0x0030), gdcm::Tag(0x0008, 0x0090),
      gdcm::Tag(0x0008, 0x0096), gdcm::Tag(0x0020, 0x0010), gdcm::Tag(0x0008, 0x0050), gdcm::Tag(0x0008, 0x0051),
      gdcm::Tag(0x0008, 0x1030), gdcm::Tag(0x0008, 0x1032), gdcm::Tag(0x0008, 0x1048), gdcm::Tag(0x0008, 0x1049),
      gdcm::Tag(0x0008, 0x1060), gdcm::Tag(0x0008, 0x1062), gdcm::Tag(0x0008, 0x1110), gdcm::Tag(0x0032, 0x1034),
      gdcm::Tag(0x0040, 0x1012),
      // Patient Study
      gdcm::Tag(0x0008, 0x1080), gdcm::Tag(0x0008, 0x1084), gdcm::Tag(0x0010, 0x1010), gdcm::Tag(0x0010, 0x1020),
      gdcm::Tag(0x0010, 0x1030), gdcm::Tag(0x0010, 0x2000), gdcm::Tag(0x0010, 0x2110), gdcm::Tag(0x0010, 0x2180),
      gdcm::Tag(0x0010, 0x21a0), gdcm::Tag(0x0010, 0x21b0), gdcm::Tag(0x0010, 0x21c0), gdcm::Tag(0x0010, 0x21d0),
      gdcm::Tag(0x0038, 0x0010), gdcm::Tag(0x0038, 0x0500),
      // Clinical Trial Study
      gdcm::Tag(0x0012, 0x0050), gdcm::Tag(0x0012, 0x0051),
      // Frame of Reference; body part, laterality and patient position still describe the derived data
      gdcm::Tag(0x0020, 0x0052), gdcm::Tag(0x0020, 0x1040), gdcm::Tag(0x0018, 0x0015), gdcm::Tag(0x0020, 0x0060),
      gdcm::Tag(0x0018, 0x5100)};
  return tags;
}

// Type 2 attributes of the modules above: present, possibly empty.
const std::vector<gdcm::Tag>& typeTwoTags() {
  static const std::vector<gdcm::Tag> tags = {
      gdcm::Tag(0x0010, 0x0010), gdcm::Tag(0x0010, 0x0020), gdcm::Tag(0x0010, 0x0030), gdcm::Tag(0x0010, 0x0040),
      gdcm::Tag(0x0008, 0x0020), gdcm::Tag(0x0008, 0x0030), gdcm::Tag(0x0008, 0x0090), gdcm::Tag(0x0020, 0x0010),
      gdcm::Tag(0x0008, 0x0050), gdcm::Tag(0x0020, 0x1040)};
  return tags;
}

Vec3 normalOf(const DicomHeader& h) {
  if (!h.imageOrientation) return {0, 0, 1};
  const auto& iop = *h.imageOrientation;
  return cross({iop[0], iop[1], iop[2]}, {iop[3], iop[4], iop[5]});
}

}  // namespace

gdcm::DataSet readSourceDataSet(const SeriesVolume& source) {
  quietGdcm();
  const std::string path = source.first().path.string();
  gdcm::Reader reader;
  reader.SetFileName(path.c_str());
  if (!reader.ReadUpToTag(gdcm::Tag(0x7fe0, 0x0010))) throw Error(path, "", "unreadable DICOM header");
  return reader.GetFile().GetDataSet();
}

gdcm::DataSet patientStudyAttributes(const gdcm::DataSet& source) {
  gdcm::DataSet out;
  copyElements(source, out, copiedTags());
  // Not copied as they stand, to keep the source's flaws out: sequences without items (all copied
  // sequences are Type 3, which need one) and an empty Laterality (2C: a value, or absent).
  std::vector<gdcm::Tag> flawed;
  for (const gdcm::DataElement& de : out.GetDES()) {
    const auto sequence = de.GetVR() == gdcm::VR::SQ ? de.GetValueAsSQ() : nullptr;
    if ((de.GetVR() == gdcm::VR::SQ && (!sequence || sequence->GetNumberOfItems() == 0)) ||
        (de.GetTag() == gdcm::Tag(0x0020, 0x0060) && text(out, de.GetTag()).empty()))
      flawed.push_back(de.GetTag());
  }
  for (const gdcm::Tag& tag : flawed) out.Remove(tag);
  for (const gdcm::Tag& tag : typeTwoTags())
    if (!out.FindDataElement(tag)) setText(out, tag, "");
  // A source that says it was de-identified but not how (Type 1C) would make the copy invalid too.
  const gdcm::Tag method(0x0012, 0x0063), methodCodes(0x0012, 0x0064);
  if (text(out, gdcm::Tag(0x0012, 0x0062)) == "YES" && text(out, method).empty() && !out.FindDataElement(methodCodes))
    setText(out, method, "not recorded in the source");
  return out;
}

SourceImages::SourceImages(const SeriesVolume& source) {
  if (source.slices.empty()) throw Error("", "", "no source slices");
  normal_ = normalOf(source.first());
  for (const DicomHeader& h : source.slices) {
    if (!h.frames.empty()) {  // enhanced multi-frame: one reference per frame
      for (size_t i = 0; i < h.frames.size(); ++i)
        images_.push_back(
            {h.sopClassUid, h.sopInstanceUid, static_cast<int>(i + 1), dot(h.frames[i].position, normal_)});
      continue;
    }
    const double along = h.imagePosition ? dot(*h.imagePosition, normal_) : 0;
    images_.push_back({h.sopClassUid, h.sopInstanceUid, h.frameIndex >= 0 ? h.frameIndex + 1 : 0, along});
  }
  std::stable_sort(images_.begin(), images_.end(),
                   [](const SourceImage& a, const SourceImage& b) { return a.along < b.along; });
}

const SourceImage& SourceImages::nearest(const ImageF::PointType& position) const {
  const double along = dot({position[0], position[1], position[2]}, normal_);
  return *std::min_element(images_.begin(), images_.end(), [&](const SourceImage& a, const SourceImage& b) {
    return std::abs(a.along - along) < std::abs(b.along - along);
  });
}

double SourceImages::typicalSpacing() const {
  if (images_.size() < 2) return 0;
  std::vector<double> gaps;
  for (size_t i = 1; i < images_.size(); ++i) gaps.push_back(images_[i].along - images_[i - 1].along);
  std::nth_element(gaps.begin(), gaps.begin() + gaps.size() / 2, gaps.end());
  return gaps[gaps.size() / 2];
}

gdcm::DataSet sourceImageItem(const SourceImage& image) {
  gdcm::DataSet item;
  setText(item, gdcm::Tag(0x0008, 0x1150), image.sopClassUid);
  setText(item, gdcm::Tag(0x0008, 0x1155), image.sopInstanceUid);
  if (image.frameNumber > 0) setText(item, gdcm::Tag(0x0008, 0x1160), std::to_string(image.frameNumber));
  setSequence(item, gdcm::Tag(0x0040, 0xa170),
              {codeItem("121322", "DCM", "Source image for image processing operation")});
  return item;
}

gdcm::DataSet referencedSeriesItem(const std::string& seriesInstanceUid, const std::vector<SourceImage>& images) {
  std::vector<gdcm::DataSet> instances;
  for (const SourceImage& image : images) {
    gdcm::DataSet instance;
    setText(instance, gdcm::Tag(0x0008, 0x1150), image.sopClassUid);
    setText(instance, gdcm::Tag(0x0008, 0x1155), image.sopInstanceUid);
    instances.push_back(instance);
  }
  gdcm::DataSet item;
  setText(item, gdcm::Tag(0x0020, 0x000e), seriesInstanceUid);
  setSequence(item, gdcm::Tag(0x0008, 0x114a), instances);
  return item;
}

void writeFolderAtomically(const fs::path& folder, bool overwrite, const std::function<void(const fs::path&)>& write) {
  fs::path target = fs::absolute(folder).lexically_normal();
  if (!target.has_filename()) target = target.parent_path();
  std::error_code ec;
  const bool exists = fs::exists(target, ec);
  if (exists && !fs::is_directory(target)) throw Error(target.string(), "", "exists and is not a folder");
  if (exists && !fs::is_empty(target) && !overwrite)
    throw Error(target.string(), "", "already exists (use --force to overwrite)");
  static std::atomic<unsigned> counter{0};
  const std::string unique = std::to_string(::getpid()) + "-" + std::to_string(counter++);
  const fs::path tmp = target.parent_path() / ("." + target.filename().string() + ".tmp-" + unique);
  const fs::path old = target.parent_path() / ("." + target.filename().string() + ".old-" + unique);
  fs::create_directories(target.parent_path(), ec);
  if (ec) throw Error(target.parent_path().string(), "", "cannot create folder: " + ec.message());
  try {
    write(tmp);
    if (exists) fs::rename(target, old);
    fs::rename(tmp, target);
  } catch (const fs::filesystem_error& e) {
    fs::remove_all(tmp, ec);
    if (exists && !fs::exists(target) && fs::exists(old)) fs::rename(old, target, ec);
    throw Error(target.string(), "", std::string("cannot write folder: ") + e.code().message());
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
  fs::remove_all(old, ec);
}

}  // namespace medpipe::dicom
