#include "medpipe/io/dicom_header.h"

#include <gdcmDicts.h>
#include <gdcmGlobal.h>
#include <gdcmReader.h>
#include <gdcmSequenceOfItems.h>
#include <gdcmStringFilter.h>
#include <gdcmTrace.h>
#include <gdcmUIDs.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <vector>

#include "medpipe/core/error.h"
#include "medpipe/io/dicom_stream_check.h"
#include "medpipe/io/resource_limits.h"
#include "mr_attributes.h"

namespace medpipe {
namespace {

std::string trim(std::string s) {
  const char* space = " \t\r\n";
  s.erase(s.find_last_not_of(std::string(space) + '\0') + 1);
  s.erase(0, s.find_first_not_of(space));
  return s;
}

class HeaderFields {
 public:
  HeaderFields(const gdcm::StringFilter& filter, const gdcm::DataSet& dataset, std::string path)
      : filter_(filter), dataset_(&dataset), path_(std::move(path)) {}

  std::string text(uint16_t group, uint16_t element) const {
    const gdcm::Tag tag(group, element);
    if (!dataset_->FindDataElement(tag)) return {};
    const gdcm::DataElement& de = dataset_->GetDataElement(tag);
    // Not bytes (a sequence, also one of undefined length in implicit VR): StringFilter asserts.
    if (de.IsEmpty() || de.GetVR() == gdcm::VR::SQ || !de.GetByteValue()) return {};
    return trim(filter_.ToString(de));
  }

  // The sequence GDCM parsed while reading, or nullptr. Not GetValueAsSQ(): on other bytes it parses
  // them as a sequence (unchecked input, and GDCM asserts) and returns a new object, which the
  // pointers handed out below would outlive.
  const gdcm::SequenceOfItems* sequence(uint16_t group, uint16_t element) const {
    const gdcm::Tag tag(group, element);
    if (!dataset_->FindDataElement(tag)) return nullptr;
    const gdcm::DataElement& de = dataset_->GetDataElement(tag);
    if (de.IsEmpty() || de.GetByteValue()) return nullptr;
    return dynamic_cast<const gdcm::SequenceOfItems*>(&de.GetValue());
  }

  // The first item of a sequence as a data set, or nullptr.
  const gdcm::DataSet* item(uint16_t group, uint16_t element, size_t index = 1) const {
    const auto* items = sequence(group, element);
    if (!items || items->GetNumberOfItems() < index) return nullptr;
    return &items->GetItem(index).GetNestedDataSet();
  }

  size_t items(uint16_t group, uint16_t element) const {
    const auto* items = sequence(group, element);
    return items ? items->GetNumberOfItems() : 0;
  }

  HeaderFields nested(const gdcm::DataSet& ds) const { return HeaderFields(filter_, ds, path_); }

  std::vector<double> numbers(uint16_t group, uint16_t element, const char* name) const {
    std::vector<double> values;
    std::stringstream stream(text(group, element));
    std::string item;
    while (std::getline(stream, item, '\\')) {
      item = trim(item);
      if (item.empty()) continue;
      try {
        size_t used = 0;
        values.push_back(std::stod(item, &used));
      } catch (const std::exception&) {
        throw Error(path_, name, "'" + item + "' is not a number");
      }
      // nan or inf would poison slice sorting and geometry further on.
      if (!std::isfinite(values.back())) throw Error(path_, name, "'" + item + "' is not a finite number");
    }
    return values;
  }

  // An integer attribute (US, IS, ...) that must fit [min, max]: casting a larger value is undefined.
  long long integer(uint16_t group, uint16_t element, const char* name, long long fallback, long long min,
                    long long max) const {
    const auto values = numbers(group, element, name);
    if (values.empty()) return fallback;
    const double value = values.front();
    if (value < double(min) || value > double(max)) {
      std::ostringstream message;
      message << "value " << value << " is out of range (" << min << " to " << max << ")";
      throw Error(path_, name, message.str());
    }
    return static_cast<long long>(value);
  }

  double number(uint16_t group, uint16_t element, const char* name, double fallback) const {
    const auto values = numbers(group, element, name);
    return values.empty() ? fallback : values.front();
  }

  template <size_t N>
  std::optional<std::array<double, N>> vector(uint16_t group, uint16_t element, const char* name) const {
    const auto values = numbers(group, element, name);
    if (values.empty()) return std::nullopt;
    if (values.size() != N)
      throw Error(path_, name, "expected " + std::to_string(N) + " values, found " +
                                   std::to_string(values.size()));
    std::array<double, N> out{};
    std::copy(values.begin(), values.end(), out.begin());
    return out;
  }

 private:
  const gdcm::StringFilter& filter_;
  const gdcm::DataSet* dataset_ = nullptr;
  std::string path_;
};

// Reads a functional group macro (shared or per frame) into the header's geometry fields.
void readFunctionalGroup(const HeaderFields& group, DicomHeader& h) {
  if (const auto* measures = group.item(0x0028, 0x9110)) {
    const HeaderFields m = group.nested(*measures);
    if (auto spacing = m.vector<2>(0x0028, 0x0030, "PixelSpacing")) h.pixelSpacing = spacing;
    h.sliceThickness = m.number(0x0018, 0x0050, "SliceThickness", h.sliceThickness);
  }
  if (const auto* orientation = group.item(0x0020, 0x9116)) {
    if (auto iop = group.nested(*orientation).vector<6>(0x0020, 0x0037, "ImageOrientationPatient"))
      h.imageOrientation = iop;
  }
  if (const auto* rescale = group.item(0x0028, 0x9145)) {
    const HeaderFields r = group.nested(*rescale);
    h.rescaleSlope = r.number(0x0028, 0x1053, "RescaleSlope", h.rescaleSlope);
    h.rescaleIntercept = r.number(0x0028, 0x1052, "RescaleIntercept", h.rescaleIntercept);
  }
}

// FrameType value 3 and ComplexImageComponent of a group's MR Image Frame Type (or CT/other Frame
// Content's FrameType), "" where the group has none.
std::string frameKind(const HeaderFields& group) {
  const gdcm::DataSet* type = group.item(0x0018, 0x9226);
  if (!type) type = group.item(0x0018, 0x9329);  // CT Image Frame Type
  if (!type) return {};
  const HeaderFields t = group.nested(*type);
  std::stringstream values(t.text(0x0008, 0x9007));
  std::string value, third;
  for (int k = 0; k < 3 && std::getline(values, value, '\\'); ++k) third = trim(value);
  const std::string component = t.text(0x0008, 0x9208);
  return third + (third.empty() || component.empty() ? "" : "_") + component;
}

// Enhanced multi-frame: geometry from the shared and per-frame functional groups.
void readEnhancedGeometry(const HeaderFields& f, bool bigEndian, DicomHeader& h) {
  std::string sharedKind;
  if (const auto* shared = f.item(0x5200, 0x9229)) {
    readFunctionalGroup(f.nested(*shared), h);
    sharedKind = frameKind(f.nested(*shared));
  }
  const size_t count = f.items(0x5200, 0x9230);
  if (count == 0) return;
  if (count != h.numberOfFrames)
    throw Error(h.path.string(), "PerFrameFunctionalGroupsSequence",
                std::to_string(count) + " items for " + std::to_string(h.numberOfFrames) + " frames");
  for (size_t i = 1; i <= count; ++i) {
    const HeaderFields perFrame = f.nested(*f.item(0x5200, 0x9230, i));
    DicomHeader frame = h;  // per-frame values override the shared ones
    frame.frames.clear();
    readFunctionalGroup(perFrame, frame);
    const auto* plane = perFrame.item(0x0020, 0x9113);
    const auto position = plane ? perFrame.nested(*plane).vector<3>(0x0020, 0x0032, "ImagePositionPatient") : std::nullopt;
    if (!position) throw Error(h.path.string(), "PlanePositionSequence", "missing for frame " + std::to_string(i));
    if (i == 1) {
      h.pixelSpacing = frame.pixelSpacing;
      h.imageOrientation = frame.imageOrientation;
      h.sliceThickness = frame.sliceThickness;
      h.imagePosition = position;
    }
    DicomHeader::Frame placed;
    placed.position = *position;
    placed.rescaleSlope = frame.rescaleSlope;
    placed.rescaleIntercept = frame.rescaleIntercept;
    placed.philipsScaleSlope = philipsScaleSlope(*f.item(0x5200, 0x9230, i), bigEndian);
    placed.frameKind = frameKind(perFrame);
    if (placed.frameKind.empty()) placed.frameKind = sharedKind;
    if (const auto* diffusion = perFrame.item(0x0018, 0x9117))
      readDiffusionItem(*diffusion, bigEndian, placed.bValue, placed.diffusionGradient);
    h.frames.push_back(placed);
  }
}

// Attributes GDCM's image reader reads through gdcm::Attribute (PixmapReader, ImageHelper in 3.0.21),
// which asserts — aborts the process — when the VR in the file does not match the dictionary's.
bool readThroughGdcmAttribute(const gdcm::Tag& tag) {
  const uint16_t g = tag.GetGroup(), e = tag.GetElement();
  switch (g) {
    case 0x0028: return true;
    case 0x0020: return e == 0x0030 || e == 0x0032 || e == 0x0035 || e == 0x0037;
    case 0x0018: return e == 0x0050 || e == 0x0088 || e == 0x1063 || e == 0x1164 || e == 0x602c || e == 0x602e;
    case 0x0040: return e == 0x9224 || e == 0x9225;
    case 0x0048: return e == 0x0006 || e == 0x0007;
    case 0x3004: return e == 0x000c || e == 0x000e;
    case 0x0008: return e == 0x0100 || e == 0x0104;
    default: return false;
  }
}

// The first such attribute with an incompatible VR, in the data set or its sequences.
std::optional<StreamProblem> incompatibleVr(const gdcm::DataSet& dataSet, int depth = 0) {
  static const gdcm::Dicts& dicts = gdcm::Global::GetInstance().GetDicts();
  for (const gdcm::DataElement& de : dataSet.GetDES()) {
    const gdcm::VR vr = de.GetVR();
    if (vr != gdcm::VR::INVALID && readThroughGdcmAttribute(de.GetTag())) {
      const gdcm::DictEntry& entry = dicts.GetDictEntry(de.GetTag());
      if (entry.GetVR() != gdcm::VR::INVALID && !entry.GetVR().Compatible(vr)) {
        char tag[16];
        std::snprintf(tag, sizeof tag, "(%04X,%04X)", unsigned(de.GetTag().GetGroup()), unsigned(de.GetTag().GetElement()));
        const std::string keyword = entry.GetKeyword() ? entry.GetKeyword() : "";
        return StreamProblem{keyword.empty() ? tag : keyword, std::string("VR ") + gdcm::VR::GetVRString(vr) +
                                                             " where the standard has " + gdcm::VR::GetVRString(entry.GetVR())};
      }
    }
    // Only sequences GDCM already parsed: GetValueAsSQ() would parse other bytes as one.
    const auto* items = de.IsEmpty() || de.GetByteValue() ? nullptr : dynamic_cast<const gdcm::SequenceOfItems*>(&de.GetValue());
    if (!items || depth >= 32) continue;
    for (size_t i = 1; i <= items->GetNumberOfItems(); ++i)
      if (auto problem = incompatibleVr(items->GetItem(i).GetNestedDataSet(), depth + 1)) return problem;
  }
  return std::nullopt;
}

// Values on which GDCM 3.0.21's image reader (gdcm::PixmapReader) asserts, i.e. aborts the process.
std::optional<StreamProblem> gdcmImageReaderWouldAbort(const DicomHeader& h, const gdcm::DataSet& dataSet) {
  if (h.samplesPerPixel != 1 && h.samplesPerPixel != 3 && h.samplesPerPixel != 4)
    return StreamProblem{"SamplesPerPixel", "value " + std::to_string(h.samplesPerPixel) + " is not 1, 3 or 4"};
  // A retired ACR-NEMA attribute, asserted to hold one of these exact values.
  const gdcm::Tag recognitionCode(0x0008, 0x0010);
  if (dataSet.FindDataElement(recognitionCode) && !dataSet.GetDataElement(recognitionCode).IsEmpty()) {
    const gdcm::ByteValue* bytes = dataSet.GetDataElement(recognitionCode).GetByteValue();
    const std::string value = bytes ? std::string(bytes->GetPointer(), bytes->GetLength()) : "";
    if (value != "ACR-NEMA 1.0" && value != "ACR-NEMA 2.0" && value != "ACRNEMA_LIBIDO_1.0" && value != "ACRNEMA_LIBIDO_1.1")
      return StreamProblem{"RecognitionCode", "'" + trim(value) + "' is not an ACR-NEMA recognition code GDCM can read"};
    if (h.photometricInterpretation == "UNKNOWN")
      return StreamProblem{"PhotometricInterpretation", "UNKNOWN in an ACR-NEMA object"};
  }
  return incompatibleVr(dataSet);
}

constexpr long long kIntMax = std::numeric_limits<int>::max(), kIntMin = std::numeric_limits<int>::min();

// The pixel data a header describes must be in the file (native) or plausibly decode from it
// (compressed), and stay below the limits of resource_limits.h; otherwise the header is still
// usable but reading its pixels fails with this reason, before anything of that size is allocated.
std::string pixelDataSizeProblem(const DicomHeader& h, const DicomStreamLayout& layout) {
  if (!layout.hasPixelData) return {};
  const double frames = std::max(1u, h.numberOfFrames), samples = std::max(1u, h.samplesPerPixel);
  const double claimed = std::ceil(double(h.rows) * h.columns * frames * samples * h.bitsAllocated / 8);
  char what[200];
  std::snprintf(what, sizeof what, "%.0f bytes (Rows %u x Columns %u x NumberOfFrames %.0f x SamplesPerPixel %.0f x BitsAllocated %u / 8)",
                claimed, h.rows, h.columns, frames, samples, h.bitsAllocated);
  const std::string present = std::to_string(layout.pixelDataLength);
  if (!layout.encapsulated) {
    if (double(layout.pixelDataLength) < claimed)
      return "value length " + present + " is shorter than the header describes: " + what;
    return {};
  }
  if (claimed > double(kMaxPixelDataBytes))
    return std::string("the header describes ") + what + ", more than a DICOM file can hold";
  const double allowed = std::max(double(kCompressedAllowanceBytes), kMaxCompressionRatio * layout.pixelDataLength);
  if (claimed > allowed)
    return std::string("the header describes ") + what + ", implausibly many for " + present +
           " bytes of compressed data (at most " + std::to_string(int(kMaxCompressionRatio)) + " times as many, or " +
           std::to_string(kCompressedAllowanceBytes >> 20) + " MiB)";
  return {};
}

// Pixel data stored as it is read, in the transfer syntax the meta header declares: explicit or
// implicit VR little endian, one value of defined length.
bool isNativeLittleEndian(const DicomStreamLayout& layout, const DicomHeader& h) {
  const std::string& syntax = layout.transferSyntax;
  return !layout.problem && layout.hasPixelData && !layout.encapsulated && !layout.needsCorrectedStream() &&
         (syntax == "1.2.840.10008.1.2.1" || syntax == "1.2.840.10008.1.2") && syntax == h.transferSyntaxUid;
}

}  // namespace

void quietGdcm() {
  // GDCM's warnings go to stderr from deep inside the library; medpipe reports what matters itself.
  static const bool once = [] {
    gdcm::Trace::WarningOff();
    gdcm::Trace::DebugOff();
    gdcm::Trace::ErrorOff();
    return true;
  }();
  (void)once;
}

bool looksLikeDicom(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  char head[132] = {};
  in.read(head, sizeof head);
  const auto got = in.gcount();
  if (got == 132 && std::memcmp(head + 128, "DICM", 4) == 0) return true;
  // No preamble: a data set that starts with group 0x0008 (little endian), as old exports do.
  return got >= 8 && static_cast<unsigned char>(head[0]) == 0x08 && head[1] == 0x00;
}

DicomHeader readDicomHeader(const std::filesystem::path& path) {
  quietGdcm();
  const std::string where = path.string();
  std::error_code missing;
  if (!std::filesystem::exists(path, missing)) throw Error(where, "", "no such file");
  // Taken before the bytes are read: a change while reading shows up as a change later.
  const uintmax_t fileSize = std::filesystem::file_size(path, missing);
  const auto modified = std::filesystem::last_write_time(path, missing);
  if (!looksLikeDicom(path)) throw Error(where, "", "not a DICOM file");
  // GDCM aborts the process on some malformed streams: refuse those before it parses them.
  // A problem confined to the pixel data (a truncated file) still leaves a usable header, so the
  // file stays in its series and reading that series fails with the reason.
  const DicomStreamLayout layout = inspectDicomStream(path);
  const auto& problem = layout.problem;
  if (problem && problem->field != "PixelData") throw Error(where, problem->field, problem->reason);

  gdcm::Reader reader;
  std::istringstream corrected;
  if (layout.needsCorrectedStream()) {
    corrected.str(correctedDicomStream(path, layout, layout.hasPixelData ? layout.pixelDataOffset + 12 : UINT64_MAX));
    reader.SetStream(corrected);
  } else {
    reader.SetFileName(where.c_str());
  }
  // Skipping the pixel data: GDCM would otherwise load its whole value (as long as the length
  // claims) just to read a header.
  const gdcm::Tag pixelData(0x7fe0, 0x0010);
  if (!reader.ReadUpToTag(pixelData, {pixelData})) throw Error(where, "", "unreadable DICOM header");

  const gdcm::File& file = reader.GetFile();
  gdcm::StringFilter filter;
  filter.SetFile(file);
  const HeaderFields f(filter, file.GetDataSet(), where);
  DicomHeader h;
  h.path = path;
  h.fileSize = fileSize;
  h.modified = modified;
  h.transferSyntaxUid = trim(file.GetHeader().GetDataSetTransferSyntax().GetString()
                                 ? file.GetHeader().GetDataSetTransferSyntax().GetString()
                                 : "");
  if (layout.needsCorrectedStream()) h.transferSyntaxUid = layout.transferSyntax, h.needsCorrectedStream = true;
  h.sopClassUid = f.text(0x0008, 0x0016);
  h.sopInstanceUid = f.text(0x0008, 0x0018);
  h.studyInstanceUid = f.text(0x0020, 0x000d);
  h.seriesInstanceUid = f.text(0x0020, 0x000e);
  h.frameOfReferenceUid = f.text(0x0020, 0x0052);
  h.modality = f.text(0x0008, 0x0060);
  h.studyDate = f.text(0x0008, 0x0020);
  h.studyDescription = f.text(0x0008, 0x1030);
  h.seriesDescription = f.text(0x0008, 0x103e);
  h.manufacturer = f.text(0x0008, 0x0070);
  h.imageType = f.text(0x0008, 0x0008);
  h.patientName = f.text(0x0010, 0x0010);
  h.patientId = f.text(0x0010, 0x0020);
  h.seriesNumber = static_cast<int>(f.integer(0x0020, 0x0011, "SeriesNumber", 0, kIntMin, kIntMax));
  h.instanceNumber = static_cast<int>(f.integer(0x0020, 0x0013, "InstanceNumber", 0, kIntMin, kIntMax));
  h.acquisitionNumber = static_cast<int>(f.integer(0x0020, 0x0012, "AcquisitionNumber", 0, kIntMin, kIntMax));
  h.echoNumber = static_cast<int>(f.integer(0x0018, 0x0086, "EchoNumbers", 0, kIntMin, kIntMax));

  constexpr long long us = 0xFFFF;  // the range of a US value
  h.rows = static_cast<unsigned>(f.integer(0x0028, 0x0010, "Rows", 0, 0, us));
  h.columns = static_cast<unsigned>(f.integer(0x0028, 0x0011, "Columns", 0, 0, us));
  h.numberOfFrames = static_cast<unsigned>(f.integer(0x0028, 0x0008, "NumberOfFrames", 1, 0, kIntMax));
  h.bitsAllocated = static_cast<unsigned>(f.integer(0x0028, 0x0100, "BitsAllocated", 0, 0, us));
  h.bitsStored = static_cast<unsigned>(f.integer(0x0028, 0x0101, "BitsStored", 0, 0, us));
  h.highBit = static_cast<unsigned>(f.integer(0x0028, 0x0102, "HighBit", h.bitsStored ? h.bitsStored - 1 : 0, 0, us));
  h.pixelRepresentation = static_cast<unsigned>(f.integer(0x0028, 0x0103, "PixelRepresentation", 0, 0, us));
  h.samplesPerPixel = static_cast<unsigned>(f.integer(0x0028, 0x0002, "SamplesPerPixel", 1, 0, us));
  h.photometricInterpretation = f.text(0x0028, 0x0004);
  h.hasPixelData = layout.hasPixelData || problem;
  if (problem) {
    h.pixelDataProblem = problem->reason, h.pixelDataProblemField = problem->field;
  } else if (const auto abort = gdcmImageReaderWouldAbort(h, file.GetDataSet()); abort && h.hasPixelData) {
    h.pixelDataProblem = abort->reason, h.pixelDataProblemField = abort->field;
  } else if (const std::string tooBig = pixelDataSizeProblem(h, layout); !tooBig.empty()) {
    h.pixelDataProblem = tooBig, h.pixelDataProblemField = "PixelData";
  }
  // GDCM's image reader asserts (aborts) on a FrameIncrementPointer without NumberOfFrames.
  const gdcm::DataSet& ds = file.GetDataSet();
  if (ds.FindDataElement(gdcm::Tag(0x0028, 0x0009)) && !ds.FindDataElement(gdcm::Tag(0x0028, 0x0008))) {
    h.pixelDataProblem = "missing although FrameIncrementPointer is set";
    h.pixelDataProblemField = "NumberOfFrames";
  }
  if (h.pixelDataProblem.empty() && isNativeLittleEndian(layout, h)) {
    h.nativePixelDataOffset = layout.dataSetOffset + layout.pixelDataValueOffset;
    h.nativePixelDataLength = layout.pixelDataLength;
  }

  h.imagePosition = f.vector<3>(0x0020, 0x0032, "ImagePositionPatient");
  h.imageOrientation = f.vector<6>(0x0020, 0x0037, "ImageOrientationPatient");
  h.pixelSpacing = f.vector<2>(0x0028, 0x0030, "PixelSpacing");
  h.imagerPixelSpacing = f.vector<2>(0x0018, 0x1164, "ImagerPixelSpacing");
  h.estimatedMagnification = f.number(0x0018, 0x1114, "EstimatedRadiographicMagnificationFactor", 0);
  if (h.estimatedMagnification < 0) h.estimatedMagnification = 0;
  h.viewPosition = f.text(0x0018, 0x5101);
  h.sliceThickness = f.number(0x0018, 0x0050, "SliceThickness", 0);
  h.rescaleSlope = f.number(0x0028, 0x1053, "RescaleSlope", 1);
  h.rescaleIntercept = f.number(0x0028, 0x1052, "RescaleIntercept", 0);
  const bool bigEndian = h.transferSyntaxUid == "1.2.840.10008.1.2.2";
  if (h.numberOfFrames > 1) readEnhancedGeometry(f, bigEndian, h);
  if (h.rescaleSlope == 0) throw Error(where, "RescaleSlope", "is zero");

  h.kvp = f.number(0x0018, 0x0060, "KVP", 0);
  h.repetitionTime = f.number(0x0018, 0x0080, "RepetitionTime", 0);
  h.echoTime = f.number(0x0018, 0x0081, "EchoTime", 0);
  h.flipAngle = f.number(0x0018, 0x1314, "FlipAngle", 0);
  h.magneticFieldStrength = f.number(0x0018, 0x0087, "MagneticFieldStrength", 0);
  readMrAttributes(file.GetDataSet(), bigEndian, h);
  return h;
}

bool DicomHeader::isRadiograph() const {
  for (const char* m : {"CR", "DX", "MG", "XA", "RF", "IO", "PX"})
    if (modality == m) return true;
  return false;
}

std::optional<std::array<double, 2>> DicomHeader::radiographPixelSpacing() const {
  if (!imagerPixelSpacing) return std::nullopt;
  auto spacing = *imagerPixelSpacing;
  if (estimatedMagnification > 0)
    for (auto& s : spacing) s /= estimatedMagnification;  // from the detector to the patient
  return spacing;
}

std::string DicomHeader::pixelSpacingSource() const {
  if (pixelSpacing) return "PixelSpacing";
  if (!imagerPixelSpacing) return "none: 1 mm assumed";
  return estimatedMagnification > 0 ? "ImagerPixelSpacing / EstimatedRadiographicMagnificationFactor"
                                    : "ImagerPixelSpacing";
}

std::string transferSyntaxName(const std::string& uid) {
  gdcm::UIDs uids;
  if (!uids.SetFromUID(uid.c_str()) || !uids.GetName()) return uid;
  const std::string name = uids.GetName();
  return name.substr(0, name.find(':'));  // drop GDCM's ": Default Transfer Syntax for DICOM" tails
}

}  // namespace medpipe
