#include "medpipe/io/segmentation.h"

#include <gdcmReader.h>
#include <gdcmSegment.h>
#include <gdcmSegmentWriter.h>
#include <gdcmSequenceOfItems.h>
#include <gdcmSystem.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "dicom_dataset.h"
#include "dicom_slice_writer.h"
#include "medpipe/core/error.h"
#include "medpipe/core/version.h"
#include "medpipe/io/deidentify.h"
#include "medpipe/io/dicom_header.h"
#include "medpipe/io/dicom_series_writer.h"
#include "source_series.h"

namespace medpipe {
namespace fs = std::filesystem;
using gdcm::Tag;
namespace {

const char* const kSegmentationStorage = "1.2.840.10008.5.1.4.1.1.66.4";
const Tag kSegmentSequence(0x0062, 0x0002), kReferencedSegmentNumber(0x0062, 0x000b);
const Tag kSegmentIdentification(0x0062, 0x000a), kPlanePosition(0x0020, 0x9113);
const Tag kPerFrameGroups(0x5200, 0x9230), kSharedGroups(0x5200, 0x9229), kCieLab(0x0062, 0x000d);

// ---- colours: sRGB <-> DICOM's scaled CIELab (PS3.3 C.10.7.1.1), D65 white ----------------------

constexpr double kWhite[3] = {0.95047, 1.0, 1.08883};

std::array<std::uint16_t, 3> cieLabOf(const std::array<std::uint8_t, 3>& rgb) {
  double linear[3];
  for (int i = 0; i < 3; ++i) {
    const double c = rgb[i] / 255.0;
    linear[i] = c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
  }
  const double xyz[3] = {0.4124 * linear[0] + 0.3576 * linear[1] + 0.1805 * linear[2],
                         0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2],
                         0.0193 * linear[0] + 0.1192 * linear[1] + 0.9505 * linear[2]};
  double f[3];
  for (int i = 0; i < 3; ++i) {
    const double t = xyz[i] / kWhite[i];
    f[i] = t > 216.0 / 24389 ? std::cbrt(t) : t * 841.0 / 108 + 4.0 / 29;
  }
  const double lab[3] = {116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])};
  auto scale = [](double v, double lo, double range) {
    return static_cast<std::uint16_t>(std::clamp(std::lround((v - lo) * 65535 / range), 0L, 65535L));
  };
  return {scale(lab[0], 0, 100), scale(lab[1], -128, 255), scale(lab[2], -128, 255)};
}

std::array<std::uint8_t, 3> rgbOf(const std::array<std::uint16_t, 3>& scaled) {
  const double lab[3] = {scaled[0] * 100.0 / 65535, scaled[1] * 255.0 / 65535 - 128, scaled[2] * 255.0 / 65535 - 128};
  const double fy = (lab[0] + 16) / 116, f[3] = {fy + lab[1] / 500, fy, fy - lab[2] / 200};
  double xyz[3];
  for (int i = 0; i < 3; ++i)
    xyz[i] = kWhite[i] * (f[i] > 6.0 / 29 ? f[i] * f[i] * f[i] : (f[i] - 4.0 / 29) * 108 / 841);
  const double linear[3] = {3.2406 * xyz[0] - 1.5372 * xyz[1] - 0.4986 * xyz[2],
                            -0.9689 * xyz[0] + 1.8758 * xyz[1] + 0.0415 * xyz[2],
                            0.0557 * xyz[0] - 0.2040 * xyz[1] + 1.0570 * xyz[2]};
  std::array<std::uint8_t, 3> rgb{};
  for (int i = 0; i < 3; ++i) {
    const double c = std::clamp(linear[i], 0.0, 1.0);
    const double v = c <= 0.0031308 ? 12.92 * c : 1.055 * std::pow(c, 1 / 2.4) - 0.055;
    rgb[i] = static_cast<std::uint8_t>(std::lround(v * 255));
  }
  return rgb;
}

// ---- writing ------------------------------------------------------------------------------------

std::vector<SegmentDescription> segmentsOf(const LabelImage& labels, const SegmentationOptions& options) {
  if (!options.segments.empty()) return options.segments;
  static const std::array<std::array<std::uint8_t, 3>, 8> palette = {{{{230, 25, 75}},
                                                                      {{60, 180, 75}},
                                                                      {{0, 130, 200}},
                                                                      {{255, 225, 25}},
                                                                      {{245, 130, 48}},
                                                                      {{145, 30, 180}},
                                                                      {{70, 240, 240}},
                                                                      {{240, 50, 230}}}};
  std::set<std::uint8_t> present(labels.GetBufferPointer(),
                                 labels.GetBufferPointer() + labels.GetPixelContainer()->Size());
  present.erase(0);
  std::vector<SegmentDescription> segments;
  for (std::uint8_t label : present) {
    SegmentDescription segment;
    segment.label = label;
    segment.name = "Label " + std::to_string(label);
    segment.rgb = palette[segments.size() % palette.size()];
    segments.push_back(segment);
  }
  return segments;
}

gdcm::DataSet sharedFunctionalGroups(const LabelImage& labels) {
  const auto spacing = labels.GetSpacing();
  const auto direction = labels.GetDirection();
  using dicom::decimalString;
  gdcm::DataSet measures, orientation, shared;
  dicom::setText(measures, Tag(0x0028, 0x0030), decimalString(spacing[1]) + "\\" + decimalString(spacing[0]));
  dicom::setText(measures, Tag(0x0018, 0x0050), decimalString(spacing[2]));
  dicom::setText(measures, Tag(0x0018, 0x0088), decimalString(spacing[2]));
  std::string iop;
  for (int c = 0; c < 2; ++c)
    for (int r = 0; r < 3; ++r) iop += (iop.empty() ? "" : "\\") + decimalString(direction(r, c));
  dicom::setText(orientation, Tag(0x0020, 0x0037), iop);
  dicom::setSequence(shared, Tag(0x0028, 0x9110), {measures});
  dicom::setSequence(shared, Tag(0x0020, 0x9116), {orientation});
  return shared;
}

// Frame content, position, segment and source reference of one frame.
gdcm::DataSet perFrameGroups(unsigned segmentNumber, unsigned k, const itk::Point<double, 3>& position,
                             const dicom::SourceImage& source) {
  gdcm::DataSet content, plane, segment, derivation, frame;
  dicom::setUnsignedLong(content, Tag(0x0020, 0x9157), {segmentNumber, k + 1});
  dicom::setText(plane, Tag(0x0020, 0x0032),
                 dicom::decimalString(position[0]) + "\\" + dicom::decimalString(position[1]) + "\\" +
                     dicom::decimalString(position[2]));
  dicom::setUnsignedShort(segment, kReferencedSegmentNumber, {static_cast<std::uint16_t>(segmentNumber)});
  dicom::setSequence(derivation, Tag(0x0008, 0x2112), {dicom::sourceImageItem(source)});
  dicom::setSequence(derivation, Tag(0x0008, 0x9215), {dicom::codeItem("113076", "DCM", "Segmentation")});
  dicom::setSequence(frame, Tag(0x0020, 0x9111), {content});
  dicom::setSequence(frame, kPlanePosition, {plane});
  dicom::setSequence(frame, kSegmentIdentification, {segment});
  dicom::setSequence(frame, Tag(0x0008, 0x9124), {derivation});
  return frame;
}

// Dimensions: segment number, then position (the order DimensionIndexValues gives them).
void addDimensions(gdcm::DataSet& ds) {
  const std::string organization = generateDicomUid();
  gdcm::DataSet organizationItem, bySegment, byPosition;
  dicom::setText(organizationItem, Tag(0x0020, 0x9164), organization);
  dicom::setSequence(ds, Tag(0x0020, 0x9221), {organizationItem});
  for (auto [item, pointer, group, label] :
       {std::tuple{&bySegment, kReferencedSegmentNumber, kSegmentIdentification, "Segment"},
        std::tuple{&byPosition, Tag(0x0020, 0x0032), kPlanePosition, "Position"}}) {
    dicom::setText(*item, Tag(0x0020, 0x9164), organization);
    dicom::setAttributeTags(*item, Tag(0x0020, 0x9165), {pointer});
    dicom::setAttributeTags(*item, Tag(0x0020, 0x9167), {group});
    dicom::setText(*item, Tag(0x0020, 0x9421), label);
  }
  dicom::setSequence(ds, Tag(0x0020, 0x9222), {bySegment, byPosition});
  dicom::setText(ds, Tag(0x0020, 0x9311), "3D");
}

// Segment Sequence items through GDCM's SegmentWriter, which fills number, label, algorithm and
// the property codes; the recommended colour is added to the items beforehand.
void addSegments(gdcm::SegmentWriter& writer, gdcm::DataSet& ds, const std::vector<SegmentDescription>& segments,
                 const std::string& algorithmName) {
  std::vector<gdcm::DataSet> items;
  for (size_t i = 0; i < segments.size(); ++i) {
    const SegmentDescription& description = segments[i];
    gdcm::SmartPointer<gdcm::Segment> segment = new gdcm::Segment;
    segment->SetSegmentNumber(static_cast<unsigned short>(i + 1));
    segment->SetSegmentLabel(description.name.c_str());
    segment->SetSegmentAlgorithmType(gdcm::Segment::AUTOMATIC);
    segment->SetSegmentAlgorithmName(algorithmName.c_str());
    segment->SetPropertyCategory({description.category.value.c_str(), description.category.scheme.c_str(),
                                  description.category.meaning.c_str()});
    segment->SetPropertyType(
        {description.type.value.c_str(), description.type.scheme.c_str(), description.type.meaning.c_str()});
    writer.AddSegment(segment);
    gdcm::DataSet item;
    const auto lab = cieLabOf(description.rgb);
    dicom::setUnsignedShort(item, kCieLab, {lab[0], lab[1], lab[2]});
    items.push_back(item);
  }
  dicom::setSequence(ds, kSegmentSequence, items);
}

std::string now() {
  char text[22] = {};
  gdcm::System::GetCurrentDateTime(text);
  return text;  // YYYYMMDDHHMMSS.FFFFFF
}

// ---- reading ------------------------------------------------------------------------------------

const gdcm::DataSet* item(const gdcm::DataSet& ds, const Tag& tag, size_t index = 1) {
  if (!ds.FindDataElement(tag)) return nullptr;
  const auto sequence = ds.GetDataElement(tag).GetValueAsSQ();
  if (!sequence || sequence->GetNumberOfItems() < index) return nullptr;
  return &sequence->GetItem(index).GetNestedDataSet();
}

std::vector<std::uint16_t> unsignedShorts(const gdcm::DataSet& ds, const Tag& tag) {
  std::vector<std::uint16_t> values;
  if (!ds.FindDataElement(tag)) return values;
  const gdcm::ByteValue* bv = ds.GetDataElement(tag).GetByteValue();
  if (!bv) return values;
  const auto* bytes = reinterpret_cast<const unsigned char*>(bv->GetPointer());
  for (size_t i = 0; i + 1 < bv->GetLength(); i += 2)
    values.push_back(static_cast<std::uint16_t>(bytes[i] | bytes[i + 1] << 8));
  return values;
}

std::vector<double> numbers(const gdcm::DataSet& ds, const Tag& tag) {
  std::vector<double> values;
  std::string text = dicom::text(ds, tag);
  for (size_t start = 0; start <= text.size();) {
    const size_t end = std::min(text.find('\\', start), text.size());
    if (end > start) values.push_back(std::strtod(text.substr(start, end - start).c_str(), nullptr));
    start = end + 1;
  }
  return values;
}

CodedConcept codeOf(const gdcm::DataSet* code) {
  if (!code) return {};
  return {dicom::text(*code, Tag(0x0008, 0x0100)), dicom::text(*code, Tag(0x0008, 0x0102)),
          dicom::text(*code, Tag(0x0008, 0x0104))};
}

}  // namespace

WrittenSegmentation writeSegmentation(const LabelImage& labels, const SeriesVolume& source,
                                      const SegmentationOptions& options, const fs::path& file) {
  quietGdcm();
  const std::string where = file.string();
  if (source.slices.empty()) throw Error(where, "", "no source series to derive from");
  if (!options.overwrite && fs::exists(file)) throw Error(where, "", "already exists (use --force to overwrite)");
  const std::vector<SegmentDescription> segments = segmentsOf(labels, options);
  if (segments.empty()) throw Error(where, "SegmentSequence", "the label map has no labels (all voxels are 0)");
  if (segments.size() > 65535) throw Error(where, "SegmentSequence", "too many segments");

  const DicomHeader& first = source.first();
  const dicom::SourceImages sourceImages(source);
  const auto size = labels.GetLargestPossibleRegion().GetSize();
  const size_t perSlice = size[0] * size[1];
  if (size[0] > 65535 || size[1] > 65535) throw Error(where, "Rows/Columns", "slices too large for DICOM");

  // Frames: every (segment, slice) with at least one voxel of the segment, packed 1 bit per pixel
  // with no padding between frames, least significant bit first (PS3.5 8.1.1).
  std::vector<gdcm::DataSet> frames;
  std::set<std::string> referenced;
  std::vector<dicom::SourceImage> referencedImages;
  std::vector<char> bits;
  size_t bitCount = 0;
  const std::uint8_t* voxels = labels.GetBufferPointer();
  for (size_t s = 0; s < segments.size(); ++s) {
    for (unsigned k = 0; k < size[2]; ++k) {
      const std::uint8_t* slice = voxels + k * perSlice;
      if (std::find(slice, slice + perSlice, segments[s].label) == slice + perSlice) continue;
      bits.resize((bitCount + perSlice + 7) / 8, 0);
      for (size_t i = 0; i < perSlice; ++i, ++bitCount)
        if (slice[i] == segments[s].label)
          bits[bitCount / 8] = static_cast<char>(bits[bitCount / 8] | (1 << (bitCount % 8)));
      const auto position = dicom::slicePosition(labels, k);
      const dicom::SourceImage& nearest = sourceImages.nearest(position);
      if (referenced.insert(nearest.sopInstanceUid).second) referencedImages.push_back(nearest);
      frames.push_back(perFrameGroups(static_cast<unsigned>(s + 1), k, position, nearest));
    }
  }
  if (frames.empty()) throw Error(where, "SegmentSequence", "no segment has a voxel in the label map");
  if (bits.size() % 2) bits.push_back(0);

  gdcm::SegmentWriter writer;
  gdcm::File& dicomFile = writer.GetFile();
  dicomFile.GetHeader().SetDataSetTransferSyntax(gdcm::TransferSyntax::ExplicitVRLittleEndian);
  gdcm::DataSet& ds = dicomFile.GetDataSet();
  ds = dicom::patientStudyAttributes(dicom::readSourceDataSet(source));
  using dicom::setText;
  using dicom::setUnsignedShort;
  const std::string created = now();
  setText(ds, Tag(0x0008, 0x0016), kSegmentationStorage);
  setText(ds, Tag(0x0008, 0x0018), generateDicomUid());
  setText(ds, Tag(0x0008, 0x0008), "DERIVED\\PRIMARY");
  setText(ds, Tag(0x0008, 0x0023), created.substr(0, 8));
  setText(ds, Tag(0x0008, 0x0033), created.substr(8, 6));
  setText(ds, Tag(0x0008, 0x0060), "SEG");
  setText(ds, Tag(0x0008, 0x0070), "medpipe");
  setText(ds, Tag(0x0008, 0x1090), "medpipe");
  setText(ds, Tag(0x0018, 0x1000), "0");  // Type 1 in Enhanced General Equipment; software has none
  setText(ds, Tag(0x0018, 0x1020), "medpipe " + medpipeVersion());
  setText(ds, Tag(0x0008, 0x103e), options.seriesDescription.substr(0, 64));
  setText(ds, Tag(0x0020, 0x000e), generateDicomUid());
  setText(ds, Tag(0x0020, 0x0011), std::to_string(options.seriesNumber.value_or(first.seriesNumber + 1000)));
  setText(ds, Tag(0x0020, 0x0013), "1");
  if (dicom::text(ds, Tag(0x0020, 0x0052)).empty()) setText(ds, Tag(0x0020, 0x0052), generateDicomUid());
  setText(ds, Tag(0x0070, 0x0080), options.contentLabel.substr(0, 16));
  setText(ds, Tag(0x0070, 0x0081), options.seriesDescription.substr(0, 64));
  setText(ds, Tag(0x0070, 0x0084), "");
  setText(ds, Tag(0x0062, 0x0001), "BINARY");
  setText(ds, Tag(0x0028, 0x2110), "00");
  setUnsignedShort(ds, Tag(0x0028, 0x0002), {1});
  setText(ds, Tag(0x0028, 0x0004), "MONOCHROME2");
  setText(ds, Tag(0x0028, 0x0008), std::to_string(frames.size()));
  setUnsignedShort(ds, Tag(0x0028, 0x0010), {static_cast<std::uint16_t>(size[1])});
  setUnsignedShort(ds, Tag(0x0028, 0x0011), {static_cast<std::uint16_t>(size[0])});
  setUnsignedShort(ds, Tag(0x0028, 0x0100), {1});
  setUnsignedShort(ds, Tag(0x0028, 0x0101), {1});
  setUnsignedShort(ds, Tag(0x0028, 0x0102), {0});
  setUnsignedShort(ds, Tag(0x0028, 0x0103), {0});
  addDimensions(ds);
  dicom::setSequence(ds, kSharedGroups, {sharedFunctionalGroups(labels)});
  dicom::setSequence(ds, kPerFrameGroups, frames);
  dicom::setSequence(ds, Tag(0x0008, 0x1115), {dicom::referencedSeriesItem(first.seriesInstanceUid, referencedImages)});
  addSegments(writer, ds, segments, options.algorithmName);
  gdcm::DataElement pixelData(Tag(0x7fe0, 0x0010));
  pixelData.SetVR(gdcm::VR::OB);
  pixelData.SetByteValue(bits.data(), static_cast<uint32_t>(bits.size()));
  ds.Replace(pixelData);

  if (options.deidentifier) {
    // What SEG requires with a value (ContentDate/Time, DeviceSerialNumber) gets a dummy.
    DeidentificationOptions seg;
    seg.requiredWithValue = {{0x0008, 0x0023}, {0x0008, 0x0033}, {0x0018, 0x1000}};
    options.deidentifier->forIod(seg).deidentifyDataSet(ds);
  }
  WrittenSegmentation written{file, dicom::text(ds, Tag(0x0020, 0x000e)), frames.size()};
  std::error_code ec;
  if (file.has_parent_path()) fs::create_directories(file.parent_path(), ec);
  dicom::writeDicomFile(writer, file);
  return written;
}

// The SegmentSequence of a SEG data set.
static std::vector<SegmentDescription> segmentsOf(const gdcm::DataSet& ds, const std::string& where) {
  std::vector<SegmentDescription> segments;
  for (size_t i = 1; const gdcm::DataSet* segment = item(ds, kSegmentSequence, i); ++i) {
    SegmentDescription description;
    const auto number = unsignedShorts(*segment, Tag(0x0062, 0x0004));
    if (number.empty() || number[0] > 255) throw Error(where, "SegmentNumber", "missing or above 255");
    description.label = static_cast<std::uint8_t>(number[0]);
    description.name = dicom::text(*segment, Tag(0x0062, 0x0005));
    const auto lab = unsignedShorts(*segment, kCieLab);
    if (lab.size() == 3) description.rgb = rgbOf({lab[0], lab[1], lab[2]});
    description.category = codeOf(item(*segment, Tag(0x0062, 0x0003)));
    description.type = codeOf(item(*segment, Tag(0x0062, 0x000f)));
    segments.push_back(description);
  }

  return segments;
}

namespace {

// The data set of a Segmentation file; any other object is an error naming the file.
const gdcm::DataSet& readSegmentationDataSet(gdcm::Reader& reader, const fs::path& file) {
  dicom::readCheckedFile(reader, file);
  const gdcm::DataSet& ds = reader.GetFile().GetDataSet();
  if (dicom::text(ds, Tag(0x0008, 0x0016)) != kSegmentationStorage)
    throw Error(file.string(), "SOPClassUID", "not a Segmentation");
  return ds;
}

}  // namespace

std::vector<SegmentDescription> readSegmentDescriptions(const fs::path& file, std::string* referencedSeriesUid) {
  const std::string where = file.string();
  gdcm::Reader reader;
  const gdcm::DataSet& ds = readSegmentationDataSet(reader, file);
  if (referencedSeriesUid) {
    const gdcm::DataSet* series = item(ds, Tag(0x0008, 0x1115));
    *referencedSeriesUid = series ? dicom::text(*series, Tag(0x0020, 0x000e)) : "";
  }
  return segmentsOf(ds, where);
}

Segmentation readSegmentation(const fs::path& file, const itk::ImageBase<3>& grid) {
  const std::string where = file.string();
  gdcm::Reader reader;
  const gdcm::DataSet& ds = readSegmentationDataSet(reader, file);
  if (dicom::text(ds, Tag(0x0062, 0x0001)) != "BINARY") throw Error(where, "SegmentationType", "only BINARY is read");
  const auto rows = unsignedShorts(ds, Tag(0x0028, 0x0010)), columns = unsignedShorts(ds, Tag(0x0028, 0x0011));
  const auto size = grid.GetLargestPossibleRegion().GetSize();
  if (rows.empty() || columns.empty() || rows[0] != size[1] || columns[0] != size[0])
    throw Error(where, "Rows/Columns", "frames do not match the grid's slices");

  Segmentation result;
  result.segments = segmentsOf(ds, where);

  result.labels = LabelImage::New();
  result.labels->CopyInformation(&grid);
  result.labels->SetRegions(grid.GetLargestPossibleRegion());
  result.labels->Allocate();
  result.labels->FillBuffer(0);
  const gdcm::ByteValue* pixels =
      ds.FindDataElement(Tag(0x7fe0, 0x0010)) ? ds.GetDataElement(Tag(0x7fe0, 0x0010)).GetByteValue() : nullptr;
  const size_t perSlice = size[0] * size[1];
  const std::vector<double> numberOfFrames = numbers(ds, Tag(0x0028, 0x0008));
  const auto frameCount = static_cast<size_t>(numberOfFrames.empty() ? 0 : numberOfFrames[0]);
  if (!pixels || size_t{pixels->GetLength()} * 8 < frameCount * perSlice)
    throw Error(where, "PixelData", "shorter than NumberOfFrames x Rows x Columns bits");
  const auto* bytes = reinterpret_cast<const unsigned char*>(pixels->GetPointer());
  for (size_t f = 0; f < frameCount; ++f) {
    const gdcm::DataSet* frame = item(ds, kPerFrameGroups, f + 1);
    const gdcm::DataSet* plane = frame ? item(*frame, kPlanePosition) : nullptr;
    const gdcm::DataSet* segment = frame ? item(*frame, kSegmentIdentification) : nullptr;
    const std::vector<double> ipp = plane ? numbers(*plane, Tag(0x0020, 0x0032)) : std::vector<double>{};
    const auto number = segment ? unsignedShorts(*segment, kReferencedSegmentNumber) : std::vector<std::uint16_t>{};
    const std::string frameName = "frame " + std::to_string(f + 1);
    if (ipp.size() != 3 || number.empty() || number[0] == 0 || number[0] > 255)
      throw Error(where, "PerFrameFunctionalGroupsSequence", frameName + ": no position or segment");
    itk::Point<double, 3> position;
    for (int a = 0; a < 3; ++a) position[a] = ipp[a];
    const auto index = grid.TransformPhysicalPointToContinuousIndex<double>(position);
    const long k = std::lround(index[2]);
    if (std::abs(index[0]) > 1e-3 || std::abs(index[1]) > 1e-3 || std::abs(index[2] - k) > 1e-3 || k < 0 ||
        k >= static_cast<long>(size[2]))
      throw Error(where, "ImagePositionPatient", frameName + " does not lie on a slice of the grid");
    std::uint8_t* slice = result.labels->GetBufferPointer() + k * perSlice;
    for (size_t i = 0; i < perSlice; ++i) {
      const size_t bit = f * perSlice + i;
      if (bytes[bit / 8] >> (bit % 8) & 1) slice[i] = static_cast<std::uint8_t>(number[0]);
    }
  }
  return result;
}

}  // namespace medpipe
