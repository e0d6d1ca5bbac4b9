#include "dicom_output_support.h"

#include <gdcmDictEntry.h>
#include <gdcmDicts.h>
#include <gdcmGlobal.h>
#include <gdcmItem.h>
#include <gdcmReader.h>
#include <gdcmSequenceOfItems.h>
#include <gdcmWriter.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "medpipe/io/deidentify.h"
#include "medpipe/io/dicom_index.h"
#include "medpipe/io/dicom_series_writer.h"
#include "medpipe/phantom/body_phantom.h"
#include "test_support.h"

namespace medpipe::test {
namespace fs = std::filesystem;
namespace {

const char* const kUidRoot = "1.2.826.0.1.3680043.10.543.";  // made up for these tests

std::string format(const char* pattern, int number) {
  char text[128];
  std::snprintf(text, sizeof text, pattern, number);
  return text;
}

std::string date(int i) {
  return format("19%02d", 30 + i / 336) + format("%02d", 1 + (i % 336) / 28) + format("%02d", 1 + i % 28);
}
std::string time(int i) { return format("01%02d", (i / 60) % 60) + format("%02d.987654", i % 60); }

void put(gdcm::DataSet& ds, const gdcm::Tag& tag, gdcm::VR vr, std::string value) {
  if (value.size() % 2) value.push_back(vr == gdcm::VR::UI ? '\0' : ' ');
  gdcm::DataElement de(tag);
  de.SetVR(vr);
  de.SetByteValue(value.data(), static_cast<uint32_t>(value.size()));
  ds.Replace(de);
}

void putSequence(gdcm::DataSet& ds, const gdcm::Tag& tag, const gdcm::DataSet& nested) {
  gdcm::SmartPointer<gdcm::SequenceOfItems> sequence = new gdcm::SequenceOfItems;
  sequence->SetLengthToUndefined();
  gdcm::Item item;
  item.SetVLToUndefined();
  item.SetNestedDataSet(nested);
  sequence->AddItem(item);
  gdcm::DataElement de(tag);
  de.SetVR(gdcm::VR::SQ);
  de.SetValue(*sequence);
  de.SetVLToUndefined();
  ds.Replace(de);
}

gdcm::VR dictionaryVr(const gdcm::Tag& tag) {
  const gdcm::VR vr = gdcm::Global::GetInstance().GetDicts().GetDictEntry(tag).GetVR();
  if (vr == gdcm::VR::US_SS || vr == gdcm::VR::US_SS_OW || vr == gdcm::VR::US_OW) return gdcm::VR::US;
  if (vr == gdcm::VR::OB_OW) return gdcm::VR::OB;
  return vr == gdcm::VR::INVALID ? gdcm::VR(gdcm::VR::UN) : vr;
}

// The PHI value of profile row `i` for its VR, and whether it is a marker worth scanning for.
std::pair<std::string, bool> phiValue(gdcm::VR vr, int i) {
  switch (vr) {
    case gdcm::VR::AE:
      return {format("PHIAE%04d", i), true};
    case gdcm::VR::AS:
      return {format("%03dY", 20 + i % 70), false};
    case gdcm::VR::CS:
      return {format("PHICS%04d", i), true};
    case gdcm::VR::DA:
      return {date(i), true};
    case gdcm::VR::DT:
      return {date(i) + time(i), true};
    case gdcm::VR::TM:
      return {time(i), true};
    case gdcm::VR::DS:
      return {format("%d.5", 1000 + i), false};
    case gdcm::VR::IS:
      return {format("%d", 1000 + i), false};
    case gdcm::VR::PN:
      return {format("Müller-PHI%04d^Jürgen=山田^太郎", i), true};
    case gdcm::VR::UI:
      return {kUidRoot + std::to_string(1000 + i), true};
    case gdcm::VR::UR:
      return {format("http://phi.example/%04d", i), true};
    case gdcm::VR::LO:
    case gdcm::VR::LT:
    case gdcm::VR::SH:
    case gdcm::VR::ST:
    case gdcm::VR::UC:
    case gdcm::VR::UT:
      return {format("PHI-%04d-Ünïcødé", i), true};
    case gdcm::VR::OB:
    case gdcm::VR::UN:
      return {format("PHI-BYTES-%04d", i), true};
    case gdcm::VR::US:
    case gdcm::VR::SS:
      return {std::string("\x07\x00", 2), false};
    case gdcm::VR::OW:
    case gdcm::VR::UL:
    case gdcm::VR::SL:
    case gdcm::VR::FL:
    case gdcm::VR::AT:
      return {std::string("\x07\x00\x00\x00", 4), false};
    default:
      return {std::string(8, '\x07'), false};
  }
}

// A sequence item: a code whose meaning is PHI; for the reference sequences (Referenced Image,
// Source Image) a reference to a PHI-marked instance, as they hold in real files.
gdcm::DataSet sequenceItem(const gdcm::Tag& tag, int i, std::vector<std::string>& markers) {
  gdcm::DataSet item;
  if (tag == gdcm::Tag(0x0008, 0x1140) || tag == gdcm::Tag(0x0008, 0x2112)) {
    put(item, gdcm::Tag(0x0008, 0x1150), gdcm::VR::UI, "1.2.840.10008.5.1.4.1.1.2");
    put(item, gdcm::Tag(0x0008, 0x1155), gdcm::VR::UI, kUidRoot + std::to_string(5000 + i));
    markers.push_back(kUidRoot + std::to_string(5000 + i));
    return item;
  }
  put(item, gdcm::Tag(0x0008, 0x0100), gdcm::VR::SH, format("PHISQ%04d", i));
  put(item, gdcm::Tag(0x0008, 0x0102), gdcm::VR::SH, "99PHI");
  put(item, gdcm::Tag(0x0008, 0x0104), gdcm::VR::LO, format("PHI-SQ-%04d-Ünïcødé", i));
  markers.push_back(format("PHISQ%04d", i));
  markers.push_back(format("PHI-SQ-%04d-Ünïcødé", i));
  return item;
}

}  // namespace

std::string readBytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::vector<std::string> markersFoundIn(const std::string& bytes, const std::vector<std::string>& markers) {
  std::vector<std::string> found;
  for (const std::string& marker : markers)
    if (bytes.find(marker) != std::string::npos) found.push_back(marker);
  return found;
}

PhiSeries writePhiSeries(const fs::path& folder, const PhiSeriesOptions& options) {
  PhantomSpec spec;
  spec.size = options.size;
  spec.spacing = {1.5, 1.25, 3.0};
  Phantom phantom = makeBodyPhantom(spec);
  DicomSeriesInfo info;
  info.seriesDescription = "PHI series";
  info.rescaleIntercept = -1024;
  info.bodyPartExamined = "CHEST";
  writeDicomSeries(*phantom.image, folder, info);

  PhiSeries series;
  series.image = phantom.image;
  series.labels = phantom.labels;
  series.studyUid = kUidRoot + std::string("1");
  series.seriesUid = kUidRoot + std::string("2");
  series.frameOfReferenceUid = kUidRoot + std::string("3");
  const std::vector<std::pair<gdcm::Tag, std::string>> fixedUids = {
      {gdcm::Tag(0x0020, 0x000d), series.studyUid},
      {gdcm::Tag(0x0020, 0x000e), series.seriesUid},
      {gdcm::Tag(0x0020, 0x0052), series.frameOfReferenceUid}};
  for (unsigned k = 0; k < options.size[2]; ++k)
    series.files.push_back(folder / format("IM%04d.dcm", static_cast<int>(k + 1)));

  for (const fs::path& file : series.files) {
    gdcm::Reader reader;
    reader.SetFileName(file.string().c_str());
    if (!reader.Read()) throw std::runtime_error("cannot read " + file.string());
    gdcm::File& dicom = reader.GetFile();
    gdcm::DataSet& ds = dicom.GetDataSet();
    const bool firstFile = series.written.empty();
    std::vector<std::string> markers;
    put(ds, gdcm::Tag(0x0008, 0x0005), gdcm::VR::CS, "ISO_IR 192");
    const auto& table = basicConfidentialityProfile();
    for (size_t row = 0; row < table.size(); ++row) {
      const ConfidentialityProfileRow& r = table[row];
      const gdcm::Tag tag(r.group, r.element);
      if (r.groupMask != 0xFFFF || r.group < 0x0008 || r.group >= 0xFFFA) continue;  // meta, DICOMDIR, trailers
      if (tag == gdcm::Tag(0x0008, 0x0018)) continue;  // SOP Instance UID: the one GDCM generated, per file
      if (tag == gdcm::Tag(0x0088, 0x0200) && !options.withRepeatingGroupsAndIcon) continue;  // icon image
      // U rows hold UIDs even where GDCM's dictionary (older than the table) does not know the tag.
      const gdcm::VR vr = std::string(r.action) == "U" ? gdcm::VR(gdcm::VR::UI) : dictionaryVr(tag);
      const int i = static_cast<int>(row);
      std::string value;
      if (vr == gdcm::VR::SQ) {
        putSequence(ds, tag, sequenceItem(tag, i, markers));
      } else {
        bool isMarker = false;
        std::tie(value, isMarker) = phiValue(vr, i);
        for (const auto& [uidTag, uid] : fixedUids)
          if (tag == uidTag) value = uid;
        put(ds, tag, vr, value);
        if (isMarker) markers.push_back(value);
      }
      if (firstFile) series.written.push_back({{r.group, r.element}, value});
    }
    // Private tags, a creator and a value; the profile removes them all.
    put(ds, gdcm::Tag(0x0009, 0x0010), gdcm::VR::LO, "PHI PRIVATE CREATOR");
    put(ds, gdcm::Tag(0x0009, 0x1001), gdcm::VR::LO, "PHI-PRIVATE-Ünïcødé");
    markers.push_back("PHI PRIVATE CREATOR");
    markers.push_back("PHI-PRIVATE-Ünïcødé");
    if (options.withRepeatingGroupsAndIcon) {
      put(ds, gdcm::Tag(0x5000, 0x3000), gdcm::VR::OW, "PHI-CURVE-DATA");
      put(ds, gdcm::Tag(0x5002, 0x2500), gdcm::VR::LO, "PHI-CURVE-LABEL");
      put(ds, gdcm::Tag(0x6000, 0x3000), gdcm::VR::OW, "PHI-OVERLAY-DATA");
      put(ds, gdcm::Tag(0x6000, 0x4000), gdcm::VR::LT, "PHI-OVERLAY-COMMENT");
      for (const char* text : {"PHI-CURVE-DATA", "PHI-CURVE-LABEL", "PHI-OVERLAY-DATA", "PHI-OVERLAY-COMMENT"})
        markers.push_back(text);
    }
    const std::string sopUid = [&] {
      const gdcm::ByteValue* bv = ds.GetDataElement(gdcm::Tag(0x0008, 0x0018)).GetByteValue();
      std::string uid(bv->GetPointer(), bv->GetLength());
      while (!uid.empty() && uid.back() == '\0') uid.pop_back();
      return uid;
    }();
    series.sopUids.push_back(sopUid);
    markers.push_back(sopUid);

    gdcm::Writer writer;
    writer.SetFile(dicom);
    writer.SetFileName(file.string().c_str());
    if (!writer.Write()) throw std::runtime_error("cannot write " + file.string());
    for (std::string& marker : markers)
      if (std::find(series.markers.begin(), series.markers.end(), marker) == series.markers.end())
        series.markers.push_back(std::move(marker));
  }
  return series;
}

namespace {

std::string valueText(const gdcm::DataSet& ds, const gdcm::Tag& tag) {
  if (!ds.FindDataElement(tag)) return {};
  const gdcm::ByteValue* bv = ds.GetDataElement(tag).GetByteValue();
  if (!bv) return {};
  std::string value(bv->GetPointer(), bv->GetLength());
  while (!value.empty() && (value.back() == ' ' || value.back() == '\0')) value.pop_back();
  return value;
}

const gdcm::DataSet* firstItem(const gdcm::DataSet& ds, std::uint32_t sequence) {
  const gdcm::Tag tag(static_cast<uint16_t>(sequence >> 16), static_cast<uint16_t>(sequence & 0xffff));
  if (!ds.FindDataElement(tag)) return nullptr;
  const auto items = ds.GetDataElement(tag).GetValueAsSQ();
  if (!items || items->GetNumberOfItems() == 0) return nullptr;
  return &items->GetItem(1).GetNestedDataSet();
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream stream(text);
  std::string line;
  while (std::getline(stream, line)) out.push_back(line);
  return out;
}

}  // namespace

std::string dicomText(const fs::path& file, std::uint16_t group, std::uint16_t element) {
  gdcm::Reader reader;
  reader.SetFileName(file.string().c_str());
  if (!reader.ReadUpToTag(gdcm::Tag(0x7fe0, 0x0010))) return {};
  return valueText(reader.GetFile().GetDataSet(), gdcm::Tag(group, element));
}

std::string dicomTextInItem(const fs::path& file, std::uint32_t sequence, std::uint16_t group, std::uint16_t element,
                            std::uint32_t nestedSequence) {
  gdcm::Reader reader;
  reader.SetFileName(file.string().c_str());
  if (!reader.ReadUpToTag(gdcm::Tag(0x7fe0, 0x0010))) return {};
  const gdcm::DataSet* item = firstItem(reader.GetFile().GetDataSet(), sequence);
  if (item && nestedSequence) item = firstItem(*item, nestedSequence);
  return item ? valueText(*item, gdcm::Tag(group, element)) : std::string();
}

bool hasAttribute(const fs::path& file, std::uint16_t group, std::uint16_t element) {
  gdcm::Reader reader;
  reader.SetFileName(file.string().c_str());
  return reader.ReadUpToTag(gdcm::Tag(0x7fe0, 0x0010)) &&
         reader.GetFile().GetDataSet().FindDataElement(gdcm::Tag(group, element));
}

IodCheck runDciodvfy(const fs::path& file) {
  IodCheck check;
  const CommandResult result = runCommand("dciodvfy '" + file.string() + "'");
  if (result.exitCode == 127) {
    ADD_FAILURE() << "dciodvfy not found: install dicom3tools (scripts/install-deps.sh)";
    return check;
  }
  check.ran = true;
  for (const std::string& line : lines(result.out + result.err)) {
    if (line.rfind("Error", 0) == 0) check.errors.push_back(line);
    if (line.rfind("Warning", 0) == 0) check.warnings.push_back(line);
  }
  return check;
}

std::vector<std::string> unacceptedWarnings(const IodCheck& check) {
  // Warnings dciodvfy gives on medpipe's output that are accepted knowingly:
  static const std::vector<std::string> accepted = {
      // MR values that are not whole numbers keep RescaleSlope/Intercept/Type in MR Image Storage
      // (a Standard Extended SOP Class, as many scanners write it): the classic MR IOD has no
      // Modality LUT, and GDCM would otherwise write an incomplete Enhanced MR object.
      "Attribute is not present in standard DICOM IOD - (0x0028,0x1052)",
      "Attribute is not present in standard DICOM IOD - (0x0028,0x1053)",
      "Attribute is not present in standard DICOM IOD - (0x0028,0x1054)",
      "Dicom dataset contains attributes not present in standard DICOM IOD - this is a Standard Extended SOP Class",
      "Non-identity Modality LUT Module (RescaleSlope and RescaleIntercept) not expected to be present in standard MR "
      "IOD",
      // Copied from the source as they are: names without '^' (real data) and study attributes the
      // source (or the de-identification profile, Z) left empty.
      "Retired Person Name form",
      "Missing attribute or value that would be needed to build DICOMDIR",
  };
  std::vector<std::string> left;
  for (const std::string& warning : check.warnings) {
    const bool known = std::any_of(accepted.begin(), accepted.end(),
                                   [&](const std::string& a) { return warning.find(a) != std::string::npos; });
    if (!known) left.push_back(warning);
  }
  return left;
}

SeriesVolume onlyVolume(const fs::path& folder) {
  const DicomIndex index = indexDicomFolder(folder);
  EXPECT_EQ(index.volumes.size(), 1u) << folder;
  if (index.volumes.empty()) throw std::runtime_error("no volume in " + folder.string());
  return index.volumes.front();
}

SeriesVolume writeNamedCtSeries(const fs::path& folder, const PhantomSpec& spec) {
  DicomSeriesInfo info;
  info.patientName = "DOE^JANE";
  info.patientId = "ID-42";
  info.patientBirthDate = "19700101";
  info.patientSex = "F";
  info.studyDate = "20240102";
  info.studyTime = "101500";
  info.accessionNumber = "ACC-7";
  info.studyDescription = "Chest";
  info.seriesNumber = 3;
  info.seriesDescription = "Source CT";
  info.bodyPartExamined = "CHEST";
  info.rescaleIntercept = -1024;
  writeDicomSeries(*makeBodyPhantom(spec).image, folder, info);
  return onlyVolume(folder);
}

void expectValidDicom(const fs::path& file) {
  const IodCheck check = runDciodvfy(file);
  ASSERT_TRUE(check.ran);
  EXPECT_TRUE(check.errors.empty()) << file << ":\n" << ::testing::PrintToString(check.errors);
  const auto warnings = unacceptedWarnings(check);
  EXPECT_TRUE(warnings.empty()) << file << ":\n" << ::testing::PrintToString(warnings);
  const auto dump = dcmdumpProblems(file);
  EXPECT_TRUE(dump.empty()) << file << ":\n" << ::testing::PrintToString(dump);
}

std::vector<std::string> dcmdumpProblems(const fs::path& file) {
  const CommandResult result = runCommand("dcmdump --log-level warn '" + file.string() + "'");
  std::vector<std::string> problems;
  if (result.exitCode == 127)
    problems.push_back("dcmdump not found: install dcmtk (scripts/install-deps.sh)");
  else if (result.exitCode != 0)
    problems.push_back("dcmdump exit code " + std::to_string(result.exitCode));
  for (const std::string& line : lines(result.out + result.err))
    if (line.rfind("E:", 0) == 0 || line.rfind("W:", 0) == 0 || line.rfind("F:", 0) == 0) problems.push_back(line);
  return problems;
}

}  // namespace medpipe::test
