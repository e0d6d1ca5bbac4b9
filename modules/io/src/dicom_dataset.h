#pragma once
// Small GDCM data-set helpers shared by the DICOM writers and the de-identifier (private to io:
// GDCM stays out of the public headers).
#include <gdcmDataSet.h>
#include <gdcmReader.h>
#include <gdcmTag.h>
#include <gdcmVR.h>
#include <gdcmWriter.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace medpipe::dicom {

// The data dictionary's VR of a public tag (VR::INVALID for unknown and private tags); where the
// dictionary allows two (US or SS, OB or OW), the first.
gdcm::VR dictionaryVr(const gdcm::Tag& tag);

// Sets a text-valued element (VR from the dictionary), padded to even length as its VR requires.
void setText(gdcm::DataSet& ds, const gdcm::Tag& tag, std::string value);
// Sets US values (little endian, as medpipe writes).
void setUnsignedShort(gdcm::DataSet& ds, const gdcm::Tag& tag, const std::vector<std::uint16_t>& values);

void setUnsignedLong(gdcm::DataSet& ds, const gdcm::Tag& tag, const std::vector<std::uint32_t>& values);
// Sets an AT element: each value names an attribute (group, element).
void setAttributeTags(gdcm::DataSet& ds, const gdcm::Tag& tag, const std::vector<gdcm::Tag>& values);

// The value of a text element without padding; "" when absent, empty or a sequence.
std::string text(const gdcm::DataSet& ds, const gdcm::Tag& tag);

// Replaces `tag` by a sequence of copies of `items` (undefined lengths, as GDCM writes them best).
void setSequence(gdcm::DataSet& ds, const gdcm::Tag& tag, const std::vector<gdcm::DataSet>& items);

// One code sequence item: CodeValue, CodingSchemeDesignator, CodeMeaning.
gdcm::DataSet codeItem(const std::string& value, const std::string& scheme, const std::string& meaning);

// Copies the listed elements of `from` that are present into `to`.
void copyElements(const gdcm::DataSet& from, gdcm::DataSet& to, const std::vector<gdcm::Tag>& tags);

// Reads a whole DICOM file into `reader` after checking its byte stream (GDCM aborts the process
// on some malformed files). Throws medpipe::Error naming the file and the field at fault.
void readCheckedFile(gdcm::Reader& reader, const std::filesystem::path& file);

// Writes the writer's file to `target` atomically, through a stream medpipe opened itself: GDCM's
// own SetFileName aborts the process (assertion) when the file cannot be created. Throws
// medpipe::Error naming the target.
void writeDicomFile(gdcm::Writer& writer, const std::filesystem::path& target);

// The shortest decimal string of at most 16 characters (the DS limit) that reads back as `value`,
// or the closest one that fits.
std::string decimalString(double value);

}  // namespace medpipe::dicom
