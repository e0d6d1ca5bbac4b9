#include "medpipe/cohort/series_facts.h"

#include <gdcmReader.h>
#include <gdcmStringFilter.h>
#include <json/json.h>

#include <cmath>
#include <fstream>
#include <set>

#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"
#include "medpipe/core/json_writer.h"
#include "medpipe/io/dicom_stream_check.h"
#include "medpipe/io/slice_stack.h"

namespace medpipe::cohort {
namespace fs = std::filesystem;
namespace {

const gdcm::Tag kManufacturerModelName(0x0008, 0x1090);
const gdcm::Tag kXRayTubeCurrent(0x0018, 0x1151);
const gdcm::Tag kConvolutionKernel(0x0018, 0x1210);
const gdcm::Tag kAccessionNumber(0x0008, 0x0050);  // PHI: kept only with --show-phi

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  return s;
}

// The attributes DicomHeader does not keep. GDCM parses only files medpipe's stream check passed
// (it aborts the process on some malformed ones); anything unusual leaves the facts empty.
void readScannerAttributes(const DicomHeader& h, SeriesFacts& facts) {
  if (h.needsCorrectedStream || checkDicomStream(h.path)) return;
  gdcm::Reader reader;
  std::ifstream in(h.path, std::ios::binary);
  if (!in) return;
  reader.SetStream(in);
  if (!reader.ReadSelectedTags({kAccessionNumber, kManufacturerModelName, kXRayTubeCurrent, kConvolutionKernel})) return;
  gdcm::StringFilter filter;
  filter.SetFile(reader.GetFile());
  const gdcm::DataSet& ds = reader.GetFile().GetDataSet();
  auto text = [&](const gdcm::Tag& tag) { return ds.FindDataElement(tag) ? trimmed(filter.ToString(tag)) : std::string(); };
  facts.model = text(kManufacturerModelName);
  facts.kernel = text(kConvolutionKernel);
  facts.accessionNumber = text(kAccessionNumber);
  const std::string current = text(kXRayTubeCurrent);
  if (!current.empty()) {
    char* end = nullptr;
    const double value = std::strtod(current.c_str(), &end);
    if (end != current.c_str() && std::isfinite(value)) facts.tubeCurrentMa = value;
  }
}

double number(const Json::Value& v) { return v.isNumeric() ? v.asDouble() : kMissing; }

SeriesFacts factsFromJson(Json::Value& root);

}  // namespace

std::string hashIdentifier(const std::string& value) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : std::string("medpipe-cohort:") + value) h = (h ^ c) * 1099511628211ull;
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

SeriesFacts seriesFactsFromVolume(const SeriesVolume& volume, bool includePhi) {
  const DicomHeader& h = volume.first();
  SeriesFacts facts;
  facts.modality = h.modality;
  facts.manufacturer = h.manufacturer;
  if (h.kvp > 0) facts.kvp = h.kvp;
  if (h.sliceThickness > 0) facts.sliceThicknessMm = h.sliceThickness;
  facts.slicesRead = static_cast<long long>(volume.slices.size());
  facts.size = {h.columns, h.rows, facts.slicesRead};
  try {
    const SliceStack stack = buildSliceStack(volume.slices);
    facts.spacingMm = stack.spacing;
    facts.missingSlices = static_cast<long long>(stack.health.missingSliceAt.size());
    facts.nonUniformSpacing = stack.health.nonUniformSpacing;
    facts.gantryTiltDegrees = stack.health.gantryTiltDegrees;
    facts.health = stack.health.summary();
  } catch (const Error& e) {
    facts.health = std::string("geometry: ") + e.info().reason;  // the facts stand without it
  }
  readScannerAttributes(h, facts);
  facts.seriesUidHash = hashIdentifier(h.seriesInstanceUid);
  facts.studyUidHash = hashIdentifier(h.studyInstanceUid);
  if (includePhi) {
    facts.seriesUid = h.seriesInstanceUid;
    facts.studyUid = h.studyInstanceUid;
    facts.patientId = h.patientId;
  } else {
    facts.accessionNumber.clear();
  }
  return facts;
}

void writeSeriesFacts(const SeriesFacts& f, const fs::path& path) {
  writeAtomically(path, [&](const fs::path& tmp) {
    std::ofstream out(tmp);
    JsonWriter json(out);
    json.beginObject().field("Modality", f.modality).field("Manufacturer", f.manufacturer);
    json.field("ManufacturerModelName", f.model).field("ConvolutionKernel", f.kernel);
    if (!std::isnan(f.kvp)) json.field("KVP", f.kvp);
    if (!std::isnan(f.tubeCurrentMa)) json.field("XRayTubeCurrent", f.tubeCurrentMa);
    if (!std::isnan(f.sliceThicknessMm)) json.field("SliceThickness", f.sliceThicknessMm);
    json.key("SpacingMM").beginArray();
    for (double s : f.spacingMm) json.value(s);
    json.endArray().key("Dimensions").beginArray();
    for (long long n : f.size) json.value(n);
    json.endArray().field("SlicesRead", f.slicesRead).field("MissingSlices", f.missingSlices);
    json.field("NonUniformSpacing", f.nonUniformSpacing).field("GantryTiltDegrees", f.gantryTiltDegrees);
    json.field("Health", f.health).field("SeriesInstanceUIDHash", f.seriesUidHash).field("StudyInstanceUIDHash", f.studyUidHash);
    if (!f.seriesUid.empty()) json.field("SeriesInstanceUID", f.seriesUid);
    if (!f.studyUid.empty()) json.field("StudyInstanceUID", f.studyUid);
    if (!f.patientId.empty()) json.field("PatientID", f.patientId);
    if (!f.accessionNumber.empty()) json.field("AccessionNumber", f.accessionNumber);
    json.endObject();
    out << "\n";
    if (!out.flush()) throw Error(path.string(), "", "cannot write series facts");
  });
}

SeriesFacts readSeriesFacts(const fs::path& path) {
  std::ifstream in(path);
  Json::Value root;
  Json::CharReaderBuilder builder;
  std::string errors;
  if (!in || !Json::parseFromStream(builder, in, &root, &errors) || !root.isObject())
    throw Error(path.string(), "", "not a series facts record: " + (errors.empty() ? "not a JSON object" : errors));
  try {
    return factsFromJson(root);
  } catch (const Json::Exception& e) {
    throw Error(path.string(), "", std::string("unexpected content: ") + e.what());
  }
}

namespace {
SeriesFacts factsFromJson(Json::Value& root) {
  SeriesFacts f;
  f.modality = root["Modality"].asString();
  f.manufacturer = root["Manufacturer"].asString();
  f.model = root["ManufacturerModelName"].asString();
  f.kernel = root["ConvolutionKernel"].asString();
  f.kvp = number(root["KVP"]);
  f.tubeCurrentMa = number(root["XRayTubeCurrent"]);
  f.sliceThicknessMm = number(root["SliceThickness"]);
  for (Json::ArrayIndex i = 0; i < 3; ++i) {
    f.spacingMm[i] = number(root["SpacingMM"][i]);
    f.size[i] = root["Dimensions"][i].isNumeric() ? root["Dimensions"][i].asInt64() : 0;
  }
  f.slicesRead = root["SlicesRead"].asInt64();
  f.missingSlices = root["MissingSlices"].asInt64();
  f.nonUniformSpacing = root["NonUniformSpacing"].asBool();
  f.gantryTiltDegrees = root["GantryTiltDegrees"].asDouble();
  f.health = root["Health"].asString();
  f.seriesUidHash = root["SeriesInstanceUIDHash"].asString();
  f.studyUidHash = root["StudyInstanceUIDHash"].asString();
  f.seriesUid = root["SeriesInstanceUID"].asString();
  f.studyUid = root["StudyInstanceUID"].asString();
  f.patientId = root["PatientID"].asString();
  f.accessionNumber = root["AccessionNumber"].asString();
  return f;
}
}  // namespace

}  // namespace medpipe::cohort
