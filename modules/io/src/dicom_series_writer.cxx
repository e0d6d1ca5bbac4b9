#include "medpipe/io/dicom_series_writer.h"

#include <gdcmUIDGenerator.h>

#include "dicom_dataset.h"
#include "dicom_slice_writer.h"

namespace medpipe {
namespace fs = std::filesystem;

std::string generateDicomUid() {
  gdcm::UIDGenerator generator;
  return generator.Generate();
}

void writeDicomSeries(const ImageF& image, const fs::path& folder, DicomSeriesInfo info,
                      const std::string& filePrefix) {
  for (std::string* uid : {&info.studyInstanceUid, &info.seriesInstanceUid, &info.frameOfReferenceUid})
    if (uid->empty()) *uid = generateDicomUid();
  const dicom::StoredPixels stored =
      dicom::planStoredPixels(image, info.rescaleSlope, info.rescaleIntercept, folder.string());
  const std::string sopClass = dicom::imageStorageSopClass(info.modality);
  const double sliceThickness = image.GetSpacing()[2];

  dicom::writeSliceFiles(image, folder, filePrefix, stored, [&](gdcm::DataSet& ds, unsigned k) {
    using dicom::setText;
    using gdcm::Tag;
    setText(ds, Tag(0x0008, 0x0016), sopClass);
    setText(ds, Tag(0x0008, 0x0018), generateDicomUid());
    setText(ds, Tag(0x0008, 0x0008), info.imageType);
    setText(ds, Tag(0x0008, 0x0020), info.studyDate);
    setText(ds, Tag(0x0008, 0x0030), info.studyTime);
    setText(ds, Tag(0x0008, 0x0050), info.accessionNumber);
    setText(ds, Tag(0x0008, 0x0060), info.modality);
    setText(ds, Tag(0x0008, 0x0070), info.manufacturer);
    setText(ds, Tag(0x0008, 0x1030), info.studyDescription);
    setText(ds, Tag(0x0008, 0x103e), info.seriesDescription);
    setText(ds, Tag(0x0010, 0x0010), info.patientName);
    setText(ds, Tag(0x0010, 0x0020), info.patientId);
    setText(ds, Tag(0x0010, 0x0030), info.patientBirthDate);
    setText(ds, Tag(0x0010, 0x0040), info.patientSex);
    setText(ds, Tag(0x0018, 0x0050), dicom::decimalString(sliceThickness));
    if (!info.bodyPartExamined.empty()) setText(ds, Tag(0x0018, 0x0015), info.bodyPartExamined);
    setText(ds, Tag(0x0020, 0x000d), info.studyInstanceUid);
    setText(ds, Tag(0x0020, 0x000e), info.seriesInstanceUid);
    setText(ds, Tag(0x0020, 0x0010), info.studyId);
    setText(ds, Tag(0x0020, 0x0011), std::to_string(info.seriesNumber));
    setText(ds, Tag(0x0020, 0x0013), std::to_string(k + 1));
    setText(ds, Tag(0x0020, 0x0052), info.frameOfReferenceUid);
    setText(ds, Tag(0x0020, 0x1040), "");
  });
}

}  // namespace medpipe
