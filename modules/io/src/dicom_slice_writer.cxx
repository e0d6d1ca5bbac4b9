#include "dicom_slice_writer.h"

#include <gdcmImageHelper.h>
#include <gdcmImageWriter.h>
#include <gdcmMediaStorage.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iomanip>
#include <limits>
#include <sstream>

#include "dicom_dataset.h"
#include "medpipe/core/error.h"
#include "medpipe/io/dicom_header.h"

namespace medpipe::dicom {
namespace fs = std::filesystem;

std::string imageStorageSopClass(const std::string& modality) {
  gdcm::MediaStorage::MSType type = gdcm::MediaStorage::SecondaryCaptureImageStorage;
  if (modality == "CT") type = gdcm::MediaStorage::CTImageStorage;
  if (modality == "MR") type = gdcm::MediaStorage::MRImageStorage;
  return gdcm::MediaStorage(type).GetString();
}

itk::Point<double, 3> slicePosition(const itk::ImageBase<3>& image, unsigned k) {
  const itk::Index<3> corner{{0, 0, static_cast<itk::IndexValueType>(k)}};
  itk::Point<double, 3> position;
  image.TransformIndexToPhysicalPoint(corner, position);
  return position;
}

StoredPixels planStoredPixels(const ImageF& image, double slope, double intercept, const std::string& where) {
  const float* pixels = image.GetBufferPointer();
  const size_t count = image.GetPixelContainer()->Size();
  double lo = std::numeric_limits<double>::max(), hi = std::numeric_limits<double>::lowest();
  for (size_t i = 0; i < count; ++i) {
    const double s = std::nearbyint((pixels[i] - intercept) / slope);
    if (!std::isfinite(s)) throw Error(where, "PixelData", "image has NaN or infinite values");
    lo = std::min(lo, s), hi = std::max(hi, s);
  }
  StoredPixels stored{slope, intercept, lo < 0};
  if ((stored.isSigned && (lo < -32768 || hi > 32767)) || (!stored.isSigned && hi > 65535))
    throw Error(where, "RescaleSlope/RescaleIntercept", "image values do not fit 16-bit stored pixels");
  return stored;
}

std::vector<fs::path> writeSliceFiles(const ImageF& image, const fs::path& folder, const std::string& filePrefix,
                                      const StoredPixels& stored, const SliceAttributes& addAttributes) {
  quietGdcm();
  // Without this GDCM turns an MR image with a rescale other than 1/0 into an (incomplete)
  // Enhanced MR object; medpipe keeps MR Image Storage with RescaleSlope/Intercept, as scanners do.
  static const bool classicMrWithRescale = [] {
    gdcm::ImageHelper::SetForceRescaleInterceptSlope(true);
    return true;
  }();
  (void)classicMrWithRescale;
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) throw Error(folder.string(), "", "cannot create folder: " + ec.message());

  const auto size = image.GetLargestPossibleRegion().GetSize();
  const auto spacing = image.GetSpacing();
  const auto direction = image.GetDirection();
  const size_t perSlice = size[0] * size[1];
  const float* pixels = image.GetBufferPointer();
  std::vector<char> buffer(perSlice * 2);
  std::vector<fs::path> written;
  for (unsigned k = 0; k < size[2]; ++k) {
    const ImageF::PointType position = slicePosition(image, k);
    gdcm::ImageWriter writer;
    gdcm::Image& slice = writer.GetImage();
    slice.SetNumberOfDimensions(2);
    slice.SetDimension(0, static_cast<unsigned>(size[0]));
    slice.SetDimension(1, static_cast<unsigned>(size[1]));
    slice.SetPixelFormat(gdcm::PixelFormat(1, 16, 16, 15, stored.isSigned ? 1 : 0));
    slice.SetPhotometricInterpretation(gdcm::PhotometricInterpretation::MONOCHROME2);
    for (unsigned axis = 0; axis < 3; ++axis) {
      slice.SetSpacing(axis, spacing[axis]);
      slice.SetOrigin(axis, position[axis]);
    }
    const double cosines[6] = {direction(0, 0), direction(1, 0), direction(2, 0),
                               direction(0, 1), direction(1, 1), direction(2, 1)};
    slice.SetDirectionCosines(cosines);
    slice.SetTransferSyntax(gdcm::TransferSyntax::ExplicitVRLittleEndian);
    slice.SetIntercept(stored.intercept);
    slice.SetSlope(stored.slope);

    const float* src = pixels + k * perSlice;
    for (size_t i = 0; i < perSlice; ++i) {
      const double s = std::nearbyint((src[i] - stored.intercept) / stored.slope);
      const uint16_t bits = stored.isSigned ? static_cast<uint16_t>(static_cast<int16_t>(s)) : static_cast<uint16_t>(s);
      std::memcpy(buffer.data() + 2 * i, &bits, 2);
    }
    gdcm::DataElement pixelData(gdcm::Tag(0x7fe0, 0x0010));
    pixelData.SetByteValue(buffer.data(), static_cast<uint32_t>(buffer.size()));
    slice.SetDataElement(pixelData);

    gdcm::DataSet& ds = writer.GetFile().GetDataSet();
    addAttributes(ds, k);

    std::ostringstream name;
    name << filePrefix << std::setw(4) << std::setfill('0') << (k + 1) << ".dcm";
    const fs::path target = folder / name.str();
    writeDicomFile(writer, target);
    written.push_back(target);
  }
  return written;
}

}  // namespace medpipe::dicom
