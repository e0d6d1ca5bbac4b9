#include "medpipe/io/multiframe_writer.h"

#include <gdcmWriter.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "dicom_dataset.h"
#include "dicom_slice_writer.h"
#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"
#include "medpipe/io/dicom_header.h"

namespace medpipe {
namespace fs = std::filesystem;
using dicom::decimalString;
using dicom::setText;
using gdcm::Tag;

namespace {

gdcm::DataSet item(const Tag& tag, const std::string& value) {
  gdcm::DataSet ds;
  setText(ds, tag, value);
  return ds;
}

std::string joined(const std::vector<double>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) out += (i ? "\\" : "") + decimalString(values[i]);
  return out;
}

}  // namespace

void writeEnhancedMultiFrame(const ImageF& image, const fs::path& file, DicomSeriesInfo info) {
  quietGdcm();
  for (std::string* uid : {&info.studyInstanceUid, &info.seriesInstanceUid, &info.frameOfReferenceUid})
    if (uid->empty()) *uid = generateDicomUid();
  const auto size = image.GetLargestPossibleRegion().GetSize();
  const auto spacing = image.GetSpacing();
  const auto direction = image.GetDirection();
  const dicom::StoredPixels stored = dicom::planStoredPixels(image, info.rescaleSlope, info.rescaleIntercept, file.string());
  const bool mr = info.modality == "MR";

  gdcm::Writer writer;
  gdcm::DataSet& ds = writer.GetFile().GetDataSet();
  setText(ds, Tag(0x0008, 0x0016), mr ? "1.2.840.10008.5.1.4.1.1.4.1" : "1.2.840.10008.5.1.4.1.1.2.1");
  setText(ds, Tag(0x0008, 0x0018), generateDicomUid());
  setText(ds, Tag(0x0008, 0x0008), "ORIGINAL\\PRIMARY\\VOLUME\\NONE");
  setText(ds, Tag(0x0008, 0x0020), info.studyDate);
  setText(ds, Tag(0x0008, 0x0030), info.studyTime);
  setText(ds, Tag(0x0008, 0x0060), info.modality);
  setText(ds, Tag(0x0008, 0x0070), info.manufacturer);
  setText(ds, Tag(0x0008, 0x1030), info.studyDescription);
  setText(ds, Tag(0x0008, 0x103e), info.seriesDescription);
  setText(ds, Tag(0x0010, 0x0010), info.patientName);
  setText(ds, Tag(0x0010, 0x0020), info.patientId);
  setText(ds, Tag(0x0020, 0x000d), info.studyInstanceUid);
  setText(ds, Tag(0x0020, 0x000e), info.seriesInstanceUid);
  setText(ds, Tag(0x0020, 0x0011), std::to_string(info.seriesNumber));
  setText(ds, Tag(0x0020, 0x0013), "1");
  setText(ds, Tag(0x0020, 0x0052), info.frameOfReferenceUid);
  setText(ds, Tag(0x0028, 0x0004), "MONOCHROME2");
  setText(ds, Tag(0x0028, 0x0008), std::to_string(size[2]));
  dicom::setUnsignedShort(ds, Tag(0x0028, 0x0002), {1});
  dicom::setUnsignedShort(ds, Tag(0x0028, 0x0010), {static_cast<std::uint16_t>(size[1])});
  dicom::setUnsignedShort(ds, Tag(0x0028, 0x0011), {static_cast<std::uint16_t>(size[0])});
  dicom::setUnsignedShort(ds, Tag(0x0028, 0x0100), {16});
  dicom::setUnsignedShort(ds, Tag(0x0028, 0x0101), {16});
  dicom::setUnsignedShort(ds, Tag(0x0028, 0x0102), {15});
  dicom::setUnsignedShort(ds, Tag(0x0028, 0x0103), {static_cast<std::uint16_t>(stored.isSigned ? 1 : 0)});

  // Shared: spacing, orientation and rescale are the same for every frame.
  gdcm::DataSet shared;
  gdcm::DataSet measures;
  setText(measures, Tag(0x0028, 0x0030), joined({spacing[1], spacing[0]}));
  setText(measures, Tag(0x0018, 0x0050), decimalString(spacing[2]));
  dicom::setSequence(shared, Tag(0x0028, 0x9110), {measures});
  dicom::setSequence(shared, Tag(0x0020, 0x9116),
                     {item(Tag(0x0020, 0x0037), joined({direction(0, 0), direction(1, 0), direction(2, 0), direction(0, 1),
                                                        direction(1, 1), direction(2, 1)}))});
  gdcm::DataSet rescale;
  setText(rescale, Tag(0x0028, 0x1052), decimalString(stored.intercept));
  setText(rescale, Tag(0x0028, 0x1053), decimalString(stored.slope));
  setText(rescale, Tag(0x0028, 0x1054), mr ? "US" : "HU");
  dicom::setSequence(shared, Tag(0x0028, 0x9145), {rescale});
  dicom::setSequence(ds, Tag(0x5200, 0x9229), {shared});

  // Per frame: the position of each frame's first voxel.
  std::vector<gdcm::DataSet> frames;
  for (unsigned k = 0; k < size[2]; ++k) {
    const auto p = dicom::slicePosition(image, k);
    gdcm::DataSet frame;
    dicom::setSequence(frame, Tag(0x0020, 0x9113), {item(Tag(0x0020, 0x0032), joined({p[0], p[1], p[2]}))});
    frames.push_back(frame);
  }
  dicom::setSequence(ds, Tag(0x5200, 0x9230), frames);

  const size_t count = image.GetPixelContainer()->Size();
  std::vector<char> pixels(count * 2);
  const float* values = image.GetBufferPointer();
  for (size_t i = 0; i < count; ++i) {
    const double s = std::nearbyint((values[i] - stored.intercept) / stored.slope);
    const uint16_t bits = stored.isSigned ? static_cast<uint16_t>(static_cast<int16_t>(s)) : static_cast<uint16_t>(s);
    std::memcpy(pixels.data() + 2 * i, &bits, 2);
  }
  gdcm::DataElement pixelData(Tag(0x7fe0, 0x0010));
  pixelData.SetVR(gdcm::VR::OW);
  pixelData.SetByteValue(pixels.data(), static_cast<uint32_t>(pixels.size()));
  ds.Insert(pixelData);

  writer.GetFile().GetHeader().SetDataSetTransferSyntax(gdcm::TransferSyntax::ExplicitVRLittleEndian);
  fs::create_directories(file.parent_path());
  dicom::writeDicomFile(writer, file);
}

}  // namespace medpipe
