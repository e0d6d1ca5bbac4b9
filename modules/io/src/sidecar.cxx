#include "medpipe/io/sidecar.h"

#include <fstream>
#include <sstream>

#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"
#include "medpipe/core/json_writer.h"
#include "medpipe/io/deidentify.h"
#include "medpipe/io/dicom_header.h"

namespace medpipe {
namespace fs = std::filesystem;
namespace {

std::vector<std::string> splitValues(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, '\\')) out.push_back(item);
  return out;
}

// Slice times (s) in the volume's slice order, when every slice has one (Siemens MosaicRefAcqTimes).
std::vector<double> sliceTiming(const SeriesVolume& volume) {
  std::vector<double> times;
  try {
    for (const auto& slice : buildSliceStack(volume.slices).slices) {
      if (!slice.sliceTimeMs) return {};
      times.push_back(*slice.sliceTimeMs / 1000.0);
    }
  } catch (const Error&) {
    return {};
  }
  return times;
}

// BIDS PhaseEncodingDirection in the written image's axes: i runs along the DICOM rows (columns
// index), j along the columns, both as stored (medpipe keeps DICOM's row order; dcm2niix flips it,
// so its j and j- are swapped relative to medpipe's). Siemens says the polarity; otherwise only the axis.
void writePhaseEncoding(JsonWriter& json, const DicomHeader& h) {
  const char* axis = h.inPlanePhaseEncoding == "ROW" ? "i" : h.inPlanePhaseEncoding == "COL" ? "j" : nullptr;
  if (!axis) return;
  if (h.phaseEncodingPositive < 0) {
    json.field("PhaseEncodingAxis", axis);
    return;
  }
  json.field("PhaseEncodingDirection", std::string(axis) + (h.phaseEncodingPositive ? "" : "-"));
}

}  // namespace

void writeSidecar(const SeriesVolume& volume, const StackHealth& health, const itk::ImageBase<3>& image, const fs::path& path,
                  const SidecarOptions& options) {
  writeSidecar(std::vector<const SeriesVolume*>{&volume}, health, image, path, options);
}

void writeSidecar(const std::vector<const SeriesVolume*>& volumes, const StackHealth& health, const itk::ImageBase<3>& image,
                  const fs::path& path, const SidecarOptions& options) {
  if (volumes.empty()) throw Error(path.string(), "", "no volume for the sidecar");
  const DicomHeader& h = volumes.front()->first();
  const bool mr = h.modality == "MR";
  writeAtomically(path, [&](const fs::path& tmp) {
    std::ofstream out(tmp);
    if (!out) throw Error(path.string(), "", "cannot write sidecar");
    JsonWriter json(out);
    json.beginObject();
    // BIDS names (https://bids-specification.readthedocs.io), times in seconds, as dcm2niix writes them.
    json.field("Modality", h.modality).field("Manufacturer", h.manufacturer);
    if (!h.manufacturerModel.empty()) json.field("ManufacturersModelName", h.manufacturerModel);
    if (h.magneticFieldStrength > 0) json.field("MagneticFieldStrength", h.magneticFieldStrength);
    if (h.imagingFrequency > 0) json.field("ImagingFrequency", h.imagingFrequency);
    if (!h.softwareVersions.empty()) json.field("SoftwareVersions", h.softwareVersions);
    if (!h.bodyPart.empty()) json.field("BodyPart", h.bodyPart);
    if (!h.patientPosition.empty()) json.field("PatientPosition", h.patientPosition);
    json.field("SeriesNumber", h.seriesNumber);
    if (!options.deidentified) json.field("SeriesDescription", h.seriesDescription);
    // Free text that PS3.15 removes (X/D), unlike the description medpipe names outputs by: on request.
    if (options.includePhi && !options.deidentified && !h.protocolName.empty())
      json.field("ProtocolName", h.protocolName);
    if (!h.scanningSequence.empty()) json.field("ScanningSequence", h.scanningSequence);
    if (!h.sequenceVariant.empty()) json.field("SequenceVariant", h.sequenceVariant);
    if (!h.sequenceName.empty()) json.field("SequenceName", h.sequenceName);
    if (!h.mrAcquisitionType.empty()) json.field("MRAcquisitionType", h.mrAcquisitionType);
    json.array("ImageType", splitValues(h.imageType));
    json.field("TransferSyntax", transferSyntaxName(h.transferSyntaxUid));
    if (h.kvp > 0) json.field("KVP", h.kvp);
    if (h.sliceThickness > 0) json.field("SliceThickness", h.sliceThickness);
    if (mr && h.spacingBetweenSlices > 0) json.field("SpacingBetweenSlices", h.spacingBetweenSlices);
    if (h.echoNumber > 0 && mr) json.field("EchoNumber", h.echoNumber);
    if (h.echoTime > 0) json.field("EchoTime", h.echoTime / 1000.0);
    if (h.repetitionTime > 0) json.field("RepetitionTime", h.repetitionTime / 1000.0);
    if (h.inversionTime > 0) json.field("InversionTime", h.inversionTime / 1000.0);
    if (h.flipAngle > 0) json.field("FlipAngle", h.flipAngle);
    if (h.pixelBandwidth > 0) json.field("PixelBandwidth", h.pixelBandwidth);
    // Slice timing and phase encoding refer to the image axes: only while no resampling changed them.
    if (health.regular()) {
      writePhaseEncoding(json, h);
      // From the second volume where there is one, as dcm2niix: Siemens' first volume can carry
      // times rounded differently (here 1930 ms where the others say 1932.5).
      const auto times = sliceTiming(*volumes[volumes.size() > 1 ? 1 : 0]);
      if (!times.empty()) json.array("SliceTiming", times);
    }
    if (!h.inPlanePhaseEncoding.empty()) json.field("InPlanePhaseEncodingDirectionDICOM", h.inPlanePhaseEncoding);
    if (h.imageOrientation) json.array("ImageOrientationPatientDICOM", *h.imageOrientation);
    if (h.mosaic) json.field("MosaicTiles", h.mosaicTiles);
    if (h.isRadiograph() || !h.pixelSpacing) json.field("PixelSpacingSource", h.pixelSpacingSource());
    if (h.estimatedMagnification > 0) json.field("EstimatedRadiographicMagnificationFactor", h.estimatedMagnification);
    if (!h.viewPosition.empty()) json.field("ViewPosition", h.viewPosition);
    if (h.philipsScaleSlope && mr) {  // dcm2niix's names, and in words which scaling the voxels carry
      json.field("PhilipsRescaleSlope", h.rescaleSlope).field("PhilipsRescaleIntercept", h.rescaleIntercept);
      json.field("PhilipsScaleSlope", *h.philipsScaleSlope);
      json.field("UsePhilipsFloatNotDisplayScaling", options.philipsFloat ? 1 : 0);
      json.field("PhilipsScaling", options.philipsFloat
                                       ? "float: (stored x RescaleSlope + RescaleIntercept) / (RescaleSlope x ScaleSlope)"
                                       : "display: stored x RescaleSlope + RescaleIntercept (DICOM rescale)");
    }
    if (h.bValue) json.field("DiffusionEncodingSource", h.diffusionSource);

    // medpipe's own fields.
    const auto size = image.GetLargestPossibleRegion().GetSize();
    json.key("Dimensions").beginArray().value(size_t{size[0]}).value(size_t{size[1]}).value(size_t{size[2]});
    if (volumes.size() > 1) json.value(volumes.size());
    json.endArray();
    const auto spacing = image.GetSpacing();
    json.key("SpacingMM").beginArray().value(spacing[0]).value(spacing[1]).value(spacing[2]).endArray();
    if (volumes.size() > 1) json.field("Volumes", volumes.size());
    size_t slices = 0;
    for (const auto* v : volumes) slices += v->slices.size();
    json.field("SlicesRead", slices);
    json.field("Health", health.summary());
    if (!health.regular()) json.field("ResampledToRegularGrid", true);
    if (options.deidentified) json.field("DeidentificationMethod", kDeidentificationMethod);
    if (options.includePhi && !options.deidentified) {
      json.field("PatientName", h.patientName).field("PatientID", h.patientId).field("StudyDate", h.studyDate);
      json.field("StudyInstanceUID", h.studyInstanceUid).field("SeriesInstanceUID", h.seriesInstanceUid);
    }
    json.endObject();
    if (!out.flush()) throw Error(path.string(), "", "cannot write sidecar");
  });
}

}  // namespace medpipe
