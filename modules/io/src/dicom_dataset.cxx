#include "dicom_dataset.h"

#include <gdcmDictEntry.h>
#include <gdcmDicts.h>
#include <gdcmGlobal.h>
#include <gdcmItem.h>
#include <gdcmSequenceOfItems.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"
#include "medpipe/io/dicom_header.h"
#include "medpipe/io/dicom_stream_check.h"

namespace medpipe::dicom {

gdcm::VR dictionaryVr(const gdcm::Tag& tag) {
  if (tag.IsPrivate()) return gdcm::VR::INVALID;
  const gdcm::VR vr = gdcm::Global::GetInstance().GetDicts().GetDictEntry(tag).GetVR();
  if (vr == gdcm::VR::US_SS || vr == gdcm::VR::US_SS_OW || vr == gdcm::VR::US_OW) return gdcm::VR::US;
  if (vr == gdcm::VR::OB_OW) return gdcm::VR::OB;
  return vr;
}

void setText(gdcm::DataSet& ds, const gdcm::Tag& tag, std::string value) {
  const gdcm::VR vr = dictionaryVr(tag);
  if (value.size() % 2) value.push_back(vr == gdcm::VR::UI ? '\0' : ' ');
  gdcm::DataElement de(tag);
  de.SetVR(vr);
  de.SetByteValue(value.data(), static_cast<uint32_t>(value.size()));
  ds.Replace(de);
}

void setUnsignedShort(gdcm::DataSet& ds, const gdcm::Tag& tag, const std::vector<std::uint16_t>& values) {
  std::string bytes(values.size() * 2, '\0');
  for (size_t i = 0; i < values.size(); ++i) {
    bytes[2 * i] = static_cast<char>(values[i] & 0xff);
    bytes[2 * i + 1] = static_cast<char>(values[i] >> 8);
  }
  gdcm::DataElement de(tag);
  de.SetVR(gdcm::VR::US);
  de.SetByteValue(bytes.data(), static_cast<uint32_t>(bytes.size()));
  ds.Replace(de);
}

void setUnsignedLong(gdcm::DataSet& ds, const gdcm::Tag& tag, const std::vector<std::uint32_t>& values) {
  std::string bytes;
  for (std::uint32_t v : values)
    for (int shift = 0; shift < 32; shift += 8) bytes.push_back(static_cast<char>((v >> shift) & 0xff));
  gdcm::DataElement de(tag);
  de.SetVR(gdcm::VR::UL);
  de.SetByteValue(bytes.data(), static_cast<uint32_t>(bytes.size()));
  ds.Replace(de);
}

void setAttributeTags(gdcm::DataSet& ds, const gdcm::Tag& tag, const std::vector<gdcm::Tag>& values) {
  std::string bytes;
  for (const gdcm::Tag& v : values)
    for (std::uint16_t word : {v.GetGroup(), v.GetElement()}) {
      bytes.push_back(static_cast<char>(word & 0xff));
      bytes.push_back(static_cast<char>(word >> 8));
    }
  gdcm::DataElement de(tag);
  de.SetVR(gdcm::VR::AT);
  de.SetByteValue(bytes.data(), static_cast<uint32_t>(bytes.size()));
  ds.Replace(de);
}

std::string text(const gdcm::DataSet& ds, const gdcm::Tag& tag) {
  if (!ds.FindDataElement(tag)) return {};
  const gdcm::DataElement& de = ds.GetDataElement(tag);
  const gdcm::ByteValue* bv = de.GetByteValue();
  if (!bv || de.GetVR() == gdcm::VR::SQ) return {};
  std::string value(bv->GetPointer(), bv->GetLength());
  while (!value.empty() && (value.back() == ' ' || value.back() == '\0')) value.pop_back();
  return value;
}

void setSequence(gdcm::DataSet& ds, const gdcm::Tag& tag, const std::vector<gdcm::DataSet>& items) {
  gdcm::SmartPointer<gdcm::SequenceOfItems> sequence = new gdcm::SequenceOfItems;
  sequence->SetLengthToUndefined();
  for (const gdcm::DataSet& nested : items) {
    gdcm::Item item;
    item.SetVLToUndefined();
    item.SetNestedDataSet(nested);
    sequence->AddItem(item);
  }
  gdcm::DataElement de(tag);
  de.SetVR(gdcm::VR::SQ);
  de.SetValue(*sequence);
  de.SetVLToUndefined();
  ds.Replace(de);
}

gdcm::DataSet codeItem(const std::string& value, const std::string& scheme, const std::string& meaning) {
  gdcm::DataSet item;
  setText(item, gdcm::Tag(0x0008, 0x0100), value);
  setText(item, gdcm::Tag(0x0008, 0x0102), scheme);
  setText(item, gdcm::Tag(0x0008, 0x0104), meaning);
  return item;
}

void copyElements(const gdcm::DataSet& from, gdcm::DataSet& to, const std::vector<gdcm::Tag>& tags) {
  for (const gdcm::Tag& tag : tags)
    if (from.FindDataElement(tag)) to.Replace(from.GetDataElement(tag));
}

void readCheckedFile(gdcm::Reader& reader, const std::filesystem::path& file) {
  quietGdcm();
  const std::string where = file.string();
  if (!looksLikeDicom(file)) throw Error(where, "", "not a DICOM file");
  if (const auto problem = checkDicomStream(file)) throw Error(where, problem->field, problem->reason);
  reader.SetFileName(where.c_str());
  if (!reader.Read()) throw Error(where, "", "unreadable DICOM file");
}

void writeDicomFile(gdcm::Writer& writer, const std::filesystem::path& target) {
  writeAtomically(target, [&](const std::filesystem::path& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) throw Error(target.string(), "", "cannot create DICOM file");
    writer.SetStream(out);
    const bool written = writer.Write();
    out.close();
    if (!written || !out) throw Error(target.string(), "", "cannot write DICOM file");
  });
}

std::string decimalString(double value) {
  char text[40];
  std::string fitting = "0";
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(text, sizeof text, "%.*g", precision, value);
    if (std::strlen(text) > 16) break;
    fitting = text;
    if (std::strtod(text, nullptr) == value) break;
  }
  return fitting;
}

}  // namespace medpipe::dicom
