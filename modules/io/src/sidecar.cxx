#include "medpipe/io/sidecar.h"

#include <fstream>

#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"
#include "medpipe/core/json_writer.h"
#include "medpipe/io/deidentify.h"
#include "medpipe/io/dicom_header.h"

namespace medpipe {
namespace fs = std::filesystem;

void writeSidecar(const SeriesVolume& volume, const StackHealth& health, const ImageF& image, const fs::path& path,
                  const SidecarOptions& options) {
  const DicomHeader& h = volume.first();
  writeAtomically(path, [&](const fs::path& tmp) {
    std::ofstream out(tmp);
    if (!out) throw Error(path.string(), "", "cannot write sidecar");
    JsonWriter json(out);
    json.beginObject();
    json.field("Modality", h.modality).field("Manufacturer", h.manufacturer);
    json.field("SeriesNumber", h.seriesNumber);
    if (!options.deidentified) json.field("SeriesDescription", h.seriesDescription);
    json.field("ImageType", h.imageType);
    json.field("TransferSyntax", transferSyntaxName(h.transferSyntaxUid));
    if (h.kvp > 0) json.field("KVP", h.kvp);
    if (h.sliceThickness > 0) json.field("SliceThickness", h.sliceThickness);
    if (h.repetitionTime > 0) json.field("RepetitionTime", h.repetitionTime / 1000.0);  // s, as BIDS
    if (h.echoTime > 0) json.field("EchoTime", h.echoTime / 1000.0);
    if (h.flipAngle > 0) json.field("FlipAngle", h.flipAngle);
    if (h.magneticFieldStrength > 0) json.field("MagneticFieldStrength", h.magneticFieldStrength);
    const auto size = image.GetLargestPossibleRegion().GetSize();
    json.key("Dimensions").beginArray().value(size_t{size[0]}).value(size_t{size[1]}).value(size_t{size[2]}).endArray();
    const auto spacing = image.GetSpacing();
    json.key("SpacingMM").beginArray().value(spacing[0]).value(spacing[1]).value(spacing[2]).endArray();
    if (h.imageOrientation) json.array("ImageOrientationPatientDICOM", *h.imageOrientation);
    json.field("SlicesRead", volume.slices.size());
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
