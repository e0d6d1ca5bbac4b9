#include "medpipe/io/dicom_series_writer.h"

#include <gdcmDictEntry.h>
#include <gdcmDicts.h>
#include <gdcmGlobal.h>
#include <gdcmImageWriter.h>
#include <gdcmUIDGenerator.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <iomanip>
#include <limits>
#include <sstream>
#include <vector>

#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"
#include "medpipe/io/dicom_header.h"

namespace medpipe {
namespace fs = std::filesystem;
namespace {

void setText(gdcm::DataSet& ds, uint16_t group, uint16_t element, std::string value) {
  const gdcm::Tag tag(group, element);
  const gdcm::VR vr = gdcm::Global::GetInstance().GetDicts().GetDictEntry(tag).GetVR();
  if (value.size() % 2) value.push_back(vr == gdcm::VR::UI ? '\0' : ' ');
  gdcm::DataElement de(tag);
  de.SetVR(vr);
  de.SetByteValue(value.data(), static_cast<uint32_t>(value.size()));
  ds.Replace(de);
}

std::string decimal(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.10g", v);
  return text;
}

gdcm::MediaStorage::MSType storageFor(const std::string& modality) {
  if (modality == "CT") return gdcm::MediaStorage::CTImageStorage;
  if (modality == "MR") return gdcm::MediaStorage::MRImageStorage;
  return gdcm::MediaStorage::SecondaryCaptureImageStorage;
}

}  // namespace

std::string generateDicomUid() {
  gdcm::UIDGenerator generator;
  return generator.Generate();
}

void writeDicomSeries(const ImageF& image, const fs::path& folder, DicomSeriesInfo info, const std::string& filePrefix) {
  quietGdcm();
  for (std::string* uid : {&info.studyInstanceUid, &info.seriesInstanceUid, &info.frameOfReferenceUid})
    if (uid->empty()) *uid = generateDicomUid();
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) throw Error(folder.string(), "", "cannot create folder: " + ec.message());

  const auto size = image.GetLargestPossibleRegion().GetSize();
  const auto spacing = image.GetSpacing();
  const auto direction = image.GetDirection();
  const size_t perSlice = size[0] * size[1];

  // Stored integers: unsigned when every value maps to >= 0, else signed; both 16 bit.
  const float* pixels = image.GetBufferPointer();
  double lo = std::numeric_limits<double>::max(), hi = std::numeric_limits<double>::lowest();
  for (size_t i = 0; i < perSlice * size[2]; ++i) {
    const double s = std::nearbyint((pixels[i] - info.rescaleIntercept) / info.rescaleSlope);
    lo = std::min(lo, s), hi = std::max(hi, s);
  }
  const bool isSigned = lo < 0;
  if ((isSigned && (lo < -32768 || hi > 32767)) || (!isSigned && hi > 65535))
    throw Error(folder.string(), "RescaleSlope/RescaleIntercept", "image values do not fit 16-bit stored pixels");

  const gdcm::MediaStorage ms(storageFor(info.modality));
  std::vector<char> buffer(perSlice * 2);
  for (itk::SizeValueType k = 0; k < size[2]; ++k) {
    ImageF::IndexType corner{{0, 0, static_cast<itk::IndexValueType>(k)}};
    ImageF::PointType position;
    image.TransformIndexToPhysicalPoint(corner, position);

    gdcm::ImageWriter writer;
    gdcm::Image& slice = writer.GetImage();
    slice.SetNumberOfDimensions(2);
    slice.SetDimension(0, static_cast<unsigned>(size[0]));
    slice.SetDimension(1, static_cast<unsigned>(size[1]));
    slice.SetPixelFormat(gdcm::PixelFormat(1, 16, 16, 15, isSigned ? 1 : 0));
    slice.SetPhotometricInterpretation(gdcm::PhotometricInterpretation::MONOCHROME2);
    slice.SetSpacing(0, spacing[0]);
    slice.SetSpacing(1, spacing[1]);
    slice.SetSpacing(2, spacing[2]);
    slice.SetOrigin(0, position[0]);
    slice.SetOrigin(1, position[1]);
    slice.SetOrigin(2, position[2]);
    const double cosines[6] = {direction(0, 0), direction(1, 0), direction(2, 0),
                               direction(0, 1), direction(1, 1), direction(2, 1)};
    slice.SetDirectionCosines(cosines);
    slice.SetTransferSyntax(gdcm::TransferSyntax::ExplicitVRLittleEndian);
    slice.SetIntercept(info.rescaleIntercept);
    slice.SetSlope(info.rescaleSlope);

    const float* src = pixels + k * perSlice;
    for (size_t i = 0; i < perSlice; ++i) {
      const double s = std::nearbyint((src[i] - info.rescaleIntercept) / info.rescaleSlope);
      const uint16_t bits = isSigned ? static_cast<uint16_t>(static_cast<int16_t>(s)) : static_cast<uint16_t>(s);
      std::memcpy(buffer.data() + 2 * i, &bits, 2);
    }
    gdcm::DataElement pixelData(gdcm::Tag(0x7fe0, 0x0010));
    pixelData.SetByteValue(buffer.data(), static_cast<uint32_t>(buffer.size()));
    slice.SetDataElement(pixelData);

    gdcm::DataSet& ds = writer.GetFile().GetDataSet();
    setText(ds, 0x0008, 0x0016, ms.GetString());
    setText(ds, 0x0008, 0x0018, generateDicomUid());
    setText(ds, 0x0008, 0x0008, info.imageType);
    setText(ds, 0x0008, 0x0020, info.studyDate);
    setText(ds, 0x0008, 0x0030, info.studyTime);
    setText(ds, 0x0008, 0x0050, info.accessionNumber);
    setText(ds, 0x0008, 0x0060, info.modality);
    setText(ds, 0x0008, 0x0070, info.manufacturer);
    setText(ds, 0x0008, 0x1030, info.studyDescription);
    setText(ds, 0x0008, 0x103e, info.seriesDescription);
    setText(ds, 0x0010, 0x0010, info.patientName);
    setText(ds, 0x0010, 0x0020, info.patientId);
    setText(ds, 0x0010, 0x0030, info.patientBirthDate);
    setText(ds, 0x0010, 0x0040, info.patientSex);
    setText(ds, 0x0018, 0x0050, decimal(spacing[2]));
    setText(ds, 0x0020, 0x000d, info.studyInstanceUid);
    setText(ds, 0x0020, 0x000e, info.seriesInstanceUid);
    setText(ds, 0x0020, 0x0010, info.studyId);
    setText(ds, 0x0020, 0x0011, std::to_string(info.seriesNumber));
    setText(ds, 0x0020, 0x0013, std::to_string(k + 1));
    setText(ds, 0x0020, 0x0052, info.frameOfReferenceUid);
    setText(ds, 0x0020, 0x1040, "");

    std::ostringstream name;
    name << filePrefix << std::setw(4) << std::setfill('0') << (k + 1) << ".dcm";
    const fs::path target = folder / name.str();
    writeAtomically(target, [&](const fs::path& tmp) {
      writer.SetFileName(tmp.string().c_str());
      if (!writer.Write()) throw Error(target.string(), "", "cannot write DICOM file");
    });
  }
}

}  // namespace medpipe
