#include "medpipe/io/deidentify.h"

#include <gdcmReader.h>
#include <gdcmSequenceOfItems.h>
#include <gdcmWriter.h>

#include <algorithm>
#include <sstream>

#include "dicom_dataset.h"
#include "medpipe/core/error.h"

namespace medpipe {
namespace fs = std::filesystem;

const char* const kDeidentificationMethod = "DICOM PS3.15 Basic Application Level Confidentiality Profile";

namespace {

bool isUid(const std::string& text) {
  return !text.empty() && text.size() <= 64 && text.front() != '.' && text.back() != '.' &&
         std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

std::vector<std::string> splitValues(const std::string& text) {
  std::vector<std::string> values;
  std::stringstream stream(text);
  std::string value;
  while (std::getline(stream, value, '\\')) values.push_back(value);
  return values;
}

// A value of the element's VR for the "D" action; medpipe uses fixed dummies, never derived data.
std::string dummyText(gdcm::VR::VRType vr) {
  switch (vr) {
    case gdcm::VR::DA:
      return "19000101";
    case gdcm::VR::TM:
      return "000000";
    case gdcm::VR::DT:
      return "19000101000000";
    case gdcm::VR::PN:
      return "ANONYMOUS";
    case gdcm::VR::AS:
      return "000Y";
    case gdcm::VR::DS:
    case gdcm::VR::IS:
      return "0";
    default:
      return "ANONYMIZED";
  }
}

size_t binarySize(gdcm::VR::VRType vr) {
  switch (vr) {
    case gdcm::VR::US:
    case gdcm::VR::SS:
      return 2;
    case gdcm::VR::UL:
    case gdcm::VR::SL:
    case gdcm::VR::FL:
    case gdcm::VR::AT:
      return 4;
    case gdcm::VR::FD:
    case gdcm::VR::SV:
    case gdcm::VR::UV:
    case gdcm::VR::OB:
    case gdcm::VR::OW:
    case gdcm::VR::OF:
    case gdcm::VR::OD:
    case gdcm::VR::OL:
    case gdcm::VR::OV:
      return 8;  // binary and "other" VRs: one 8-byte zero value
    default:
      return 0;  // a text VR
  }
}

// The element's VR, from the dictionary where the file does not say (implicit VR, UN).
gdcm::VR vrOf(const gdcm::DataElement& de) {
  const gdcm::VR vr = de.GetVR();
  if (vr != gdcm::VR::INVALID && vr != gdcm::VR::UN) return vr;
  const gdcm::VR known = dicom::dictionaryVr(de.GetTag());
  return known == gdcm::VR::INVALID ? vr : known;
}

bool inList(const std::vector<DicomTag>& tags, const DicomTag& tag) {
  return std::find(tags.begin(), tags.end(), tag) != tags.end();
}

}  // namespace

// ---- Deidentifier ---------------------------------------------------------------------------

Deidentifier::Deidentifier(UidMap& uids, const DeidentificationOptions& options) : uids_(uids) {
  for (const ConfidentialityProfileRow& row : basicConfidentialityProfile()) {
    if (row.groupMask != 0xFFFF) {  // repeating groups (curves, overlays): all X
      repeatingGroups_.push_back(&row);
      continue;
    }
    const DicomTag tag{row.group, row.element};
    const bool type1 = inList(options.requiredWithValue, tag);
    const bool type2 = type1 || inList(options.requiredPresent, tag);
    const std::string code = row.action;
    Action action = Action::Remove;
    if (code == "D")
      action = Action::Dummy;
    else if (code == "Z")
      action = Action::Empty;
    else if (code == "U")
      action = Action::ReplaceUid;
    else if (code == "X/Z/U*")
      action = Action::KeepReplacingUids;
    else if (code == "Z/D")
      action = type1 ? Action::Dummy : Action::Empty;
    else if (code == "X/Z")
      action = type2 ? Action::Empty : Action::Remove;
    else if (code == "X/D")
      action = type2 ? Action::Dummy : Action::Remove;
    else if (code == "X/Z/D")
      action = type1 ? Action::Dummy : type2 ? Action::Empty : Action::Remove;
    actions_[tag] = action;
  }
}

std::optional<Deidentifier::Action> Deidentifier::actionFor(std::uint16_t group, std::uint16_t element) const {
  const auto found = actions_.find(DicomTag{group, element});
  if (found != actions_.end()) return found->second;
  for (const ConfidentialityProfileRow* row : repeatingGroups_)
    if ((group & row->groupMask) == row->group && (row->anyElement || element == row->element)) return Action::Remove;
  return std::nullopt;
}

void Deidentifier::apply(gdcm::DataSet& ds) const {
  const std::vector<gdcm::DataElement> elements(ds.Begin(), ds.End());
  for (const gdcm::DataElement& de : elements) {
    const gdcm::Tag& tag = de.GetTag();
    // Private tags (creators too) go; so do group lengths, which the changes below would falsify.
    if (tag.IsPrivate() || tag.GetElement() == 0x0000) {
      ds.Remove(tag);
      continue;
    }
    const gdcm::VR vr = vrOf(de);
    const auto action = actionFor(tag.GetGroup(), tag.GetElement());
    if (!action || *action == Action::KeepReplacingUids) {
      if (vr != gdcm::VR::SQ) continue;
      // Kept sequences are walked: the profile applies to the attributes of their items too.
      gdcm::SmartPointer<gdcm::SequenceOfItems> sequence = de.GetValueAsSQ();
      if (!sequence) {
        if (!de.IsEmpty()) ds.Remove(tag);  // a sequence GDCM cannot parse cannot be checked: it goes
        continue;
      }
      std::vector<gdcm::DataSet> items;
      for (gdcm::SequenceOfItems::SizeType i = 1; i <= sequence->GetNumberOfItems(); ++i) {
        items.push_back(sequence->GetItem(i).GetNestedDataSet());
        apply(items.back());
      }
      dicom::setSequence(ds, tag, items);
      continue;
    }
    if (*action == Action::Remove) {
      ds.Remove(tag);
      continue;
    }
    if (vr == gdcm::VR::SQ) {  // Z and D on a sequence: an empty sequence (no dummy items are invented)
      dicom::setSequence(ds, tag, {});
      continue;
    }
    gdcm::DataElement replacement(tag);
    replacement.SetVR(vr == gdcm::VR::INVALID ? gdcm::VR(gdcm::VR::UN) : vr);
    std::string value;
    if (*action == Action::ReplaceUid || (vr == gdcm::VR::UI && *action == Action::Dummy)) {
      // A UID attribute the dictionary may not know (UN): replaced when it holds UIDs, else removed.
      const gdcm::ByteValue* bv = de.GetByteValue();
      std::string uids = bv ? std::string(bv->GetPointer(), bv->GetLength()) : std::string();
      while (!uids.empty() && (uids.back() == '\0' || uids.back() == ' ')) uids.pop_back();
      const std::vector<std::string> originals = splitValues(uids);
      if (!std::all_of(originals.begin(), originals.end(), isUid)) {
        ds.Remove(tag);
        continue;
      }
      for (const std::string& uid : originals) value += (value.empty() ? "" : "\\") + uids_.replace(uid);
      if (value.size() % 2) value.push_back('\0');
      replacement.SetVR(gdcm::VR::UI);
    } else if (*action == Action::Dummy) {
      const size_t size = binarySize(vr);
      value = size ? std::string(size, '\0') : dummyText(vr);
      if (value.size() % 2) value.push_back(' ');
    }
    replacement.SetByteValue(value.data(), static_cast<uint32_t>(value.size()));
    ds.Replace(replacement);
  }
}

void Deidentifier::deidentifyDataSet(gdcm::DataSet& dataSet) const {
  apply(dataSet);
  // The table keeps Clinical Trial Protocol Ethics Committee Name (D) but removes the Approval
  // Number (X) it is conditional on (PS3.3 C.7.1.3, Type 1C): without it, the name may not be there.
  if (!dataSet.FindDataElement(gdcm::Tag(0x0012, 0x0082))) dataSet.Remove(gdcm::Tag(0x0012, 0x0081));
  dicom::setText(dataSet, gdcm::Tag(0x0012, 0x0062), "YES");
  dicom::setText(dataSet, gdcm::Tag(0x0012, 0x0063), kDeidentificationMethod);
  dicom::setSequence(dataSet, gdcm::Tag(0x0012, 0x0064),
                     {dicom::codeItem("113100", "DCM", "Basic Application Confidentiality Profile")});
}

void Deidentifier::deidentifyFile(const fs::path& input, const fs::path& output) const {
  gdcm::Reader reader;
  dicom::readCheckedFile(reader, input);
  gdcm::File& file = reader.GetFile();
  deidentifyDataSet(file.GetDataSet());
  // File meta: the SOP instance is taken again from the data set; AE titles and private
  // information go.
  gdcm::FileMetaInformation& meta = file.GetHeader();
  for (uint16_t element : {0x0003, 0x0016, 0x0017, 0x0018, 0x0100, 0x0102}) meta.Remove(gdcm::Tag(0x0002, element));
  std::error_code ec;
  if (output.has_parent_path()) fs::create_directories(output.parent_path(), ec);
  if (ec) throw Error(output.parent_path().string(), "", "cannot create folder: " + ec.message());
  gdcm::Writer writer;
  writer.SetFile(file);
  dicom::writeDicomFile(writer, output);
}

}  // namespace medpipe
