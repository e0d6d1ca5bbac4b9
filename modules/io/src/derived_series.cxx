#include "medpipe/io/derived_series.h"

#include <cmath>
#include <cstdlib>
#include <limits>

#include "dicom_dataset.h"
#include "dicom_slice_writer.h"
#include "medpipe/core/error.h"
#include "medpipe/core/version.h"
#include "medpipe/io/deidentify.h"
#include "medpipe/io/dicom_series_writer.h"
#include "source_series.h"

namespace medpipe {
namespace fs = std::filesystem;
using gdcm::Tag;
namespace {

// Acquisition attributes the CT and MR Image modules require (Type 1 and 2): a derived image
// keeps the source's, as they describe how the data it stems from were acquired.
const std::vector<Tag> kCtImageTags = {Tag(0x0018, 0x0060), Tag(0x0020, 0x0012)};
const std::vector<Tag> kMrImageTags = {
    Tag(0x0018, 0x0020), Tag(0x0018, 0x0021), Tag(0x0018, 0x0022), Tag(0x0018, 0x0023), Tag(0x0018, 0x0024),
    Tag(0x0018, 0x0025), Tag(0x0018, 0x0080), Tag(0x0018, 0x0081), Tag(0x0018, 0x0082), Tag(0x0018, 0x0083),
    Tag(0x0018, 0x0084), Tag(0x0018, 0x0085), Tag(0x0018, 0x0086), Tag(0x0018, 0x0087), Tag(0x0018, 0x0091),
    Tag(0x0018, 0x0095), Tag(0x0018, 0x1314)};

void addAcquisitionAttributes(const gdcm::DataSet& source, const std::string& modality, gdcm::DataSet& series) {
  const bool mr = modality == "MR", ct = modality == "CT";
  if (!mr && !ct) return;
  dicom::copyElements(source, series, mr ? kMrImageTags : kCtImageTags);
  // Type 1 with a value: ScanningSequence RM (research mode) and SequenceVariant NONE are the
  // enumerated values that claim nothing; Type 2: present, empty.
  const std::vector<std::pair<Tag, const char*>> required =
      mr ? std::vector<std::pair<Tag, const char*>>{{Tag(0x0018, 0x0020), "RM"}, {Tag(0x0018, 0x0021), "NONE"},
                                                    {Tag(0x0018, 0x0022), ""},   {Tag(0x0018, 0x0023), ""},
                                                    {Tag(0x0018, 0x0080), ""},   {Tag(0x0018, 0x0081), ""},
                                                    {Tag(0x0018, 0x0091), ""},   {Tag(0x0018, 0x5100), ""}}
         : std::vector<std::pair<Tag, const char*>>{
               {Tag(0x0018, 0x0060), ""}, {Tag(0x0020, 0x0012), ""}, {Tag(0x0018, 0x5100), ""}};
  for (const auto& [tag, fallback] : required)
    if (!series.FindDataElement(tag) || (*fallback && series.GetDataElement(tag).IsEmpty()))
      dicom::setText(series, tag, fallback);
}

double parsed(const std::string& decimal) { return std::strtod(decimal.c_str(), nullptr); }

}  // namespace

StoredRescale chooseRescale(const ImageF& image, const std::string& modality) {
  const float* pixels = image.GetBufferPointer();
  const size_t count = image.GetPixelContainer()->Size();
  double lo = std::numeric_limits<double>::max(), hi = std::numeric_limits<double>::lowest();
  bool whole = true;
  for (size_t i = 0; i < count; ++i) {
    const double v = pixels[i];
    if (!std::isfinite(v)) throw Error("", "PixelData", "image has NaN or infinite values");
    lo = std::min(lo, v), hi = std::max(hi, v);
    whole = whole && v == std::nearbyint(v);
  }
  if (count == 0) return {};
  if (whole) {
    if (modality == "CT" && lo >= -1024 && hi <= 65535 - 1024) return {1, -1024};
    if ((lo >= 0 && hi <= 65535) || (lo >= -32768 && hi <= 32767)) return {1, 0};
  }
  // Spread the range over 65534 steps (one to spare for the rounding of the written decimals);
  // slope and intercept are what the file will say, so stored values are computed with those.
  const double intercept = parsed(dicom::decimalString(lo));
  if (hi == lo) return {1, intercept};
  return {parsed(dicom::decimalString((hi - intercept) / 65534.0)), intercept};
}

DerivedSeries writeDerivedSeries(const ImageF& image, const SeriesVolume& source, const DerivedSeriesOptions& options,
                                 const fs::path& folder) {
  if (source.slices.empty()) throw Error(folder.string(), "", "no source series to derive from");
  const DicomHeader& first = source.first();
  const gdcm::DataSet sourceData = dicom::readSourceDataSet(source);
  const dicom::SourceImages sourceImages(source);

  DerivedSeries result;
  result.folder = folder;
  result.rescale = options.rescale ? *options.rescale : chooseRescale(image, first.modality);
  const dicom::StoredPixels stored =
      dicom::planStoredPixels(image, result.rescale.slope, result.rescale.intercept, folder.string());

  // Everything that is the same in every file of the new series.
  gdcm::DataSet series = dicom::patientStudyAttributes(sourceData);
  using dicom::setText;
  const std::string modality = first.modality.empty() ? "OT" : first.modality;
  setText(series, Tag(0x0008, 0x0016), dicom::imageStorageSopClass(modality));
  setText(series, Tag(0x0008, 0x0060), modality);
  // CT and MR require value 3 of ImageType: AXIAL (a cross-section, whatever its orientation), OTHER.
  setText(series, Tag(0x0008, 0x0008),
          modality == "CT"   ? "DERIVED\\SECONDARY\\AXIAL"
          : modality == "MR" ? "DERIVED\\SECONDARY\\OTHER"
                             : "DERIVED\\SECONDARY");
  // GDCM writes RescaleType US unless told otherwise; CT values stay Hounsfield units.
  const std::string rescaleType = options.rescaleType.empty() ? (modality == "CT" ? "HU" : "US") : options.rescaleType;
  setText(series, Tag(0x0028, 0x1054), rescaleType);
  setText(series, Tag(0x0008, 0x0070), "medpipe");
  setText(series, Tag(0x0018, 0x1020), "medpipe " + medpipeVersion());
  setText(series, Tag(0x0020, 0x000e), generateDicomUid());
  setText(series, Tag(0x0020, 0x0011), std::to_string(options.seriesNumber.value_or(first.seriesNumber + 1000)));
  std::string description = options.seriesDescription;
  if (description.empty())
    description = first.seriesDescription + (first.seriesDescription.empty() ? "" : " ") + "(medpipe)";
  setText(series, Tag(0x0008, 0x103e), description.substr(0, 64));
  if (!options.derivationDescription.empty())
    setText(series, Tag(0x0008, 0x2111), options.derivationDescription.substr(0, 1024));
  if (dicom::text(series, Tag(0x0020, 0x0052)).empty()) setText(series, Tag(0x0020, 0x0052), generateDicomUid());
  addAcquisitionAttributes(sourceData, modality, series);
  // The source's nominal thickness still describes slices on the source's spacing; a resampled
  // stack gets its own spacing.
  const double spacing = image.GetSpacing()[2];
  const bool sourceSpacing = std::abs(sourceImages.typicalSpacing() - spacing) < 1e-3;
  setText(series, Tag(0x0018, 0x0050),
          dicom::decimalString(sourceSpacing && first.sliceThickness > 0 ? first.sliceThickness : spacing));

  dicom::writeFolderAtomically(folder, options.overwrite, [&](const fs::path& tmp) {
    const auto files =
        dicom::writeSliceFiles(image, tmp, options.filePrefix, stored, [&](gdcm::DataSet& ds, unsigned k) {
          for (const gdcm::DataElement& de : series.GetDES()) ds.Replace(de);
          setText(ds, Tag(0x0008, 0x0018), generateDicomUid());
          setText(ds, Tag(0x0020, 0x0013), std::to_string(k + 1));
          const dicom::SourceImage& nearest = sourceImages.nearest(dicom::slicePosition(image, k));
          dicom::setSequence(ds, Tag(0x0008, 0x2112), {dicom::sourceImageItem(nearest)});
          dicom::setSequence(ds, Tag(0x0008, 0x1115),
                             {dicom::referencedSeriesItem(first.seriesInstanceUid, {nearest})});
          if (options.deidentifier) options.deidentifier->deidentifyDataSet(ds);
          if (k == 0) result.seriesInstanceUid = dicom::text(ds, Tag(0x0020, 0x000e));
        });
    for (const fs::path& file : files) result.files.push_back(folder / file.filename());
  });
  return result;
}

}  // namespace medpipe
