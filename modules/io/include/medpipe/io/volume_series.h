#pragma once
// 4D series: the volumes of one series that repeat the same slice positions (fMRI time points,
// diffusion directions, repeated measurements), which `convert` writes as one 4D file; and their
// diffusion encoding as FSL .bval/.bvec files. See docs/mr.md.
#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "medpipe/core/image.h"
#include "medpipe/io/dicom_index.h"

namespace medpipe {

// Groups volumes of the same series, echo, size, orientation and slice positions; groups keep the
// order of their first volume, and each group the order of its volumes (as acquired: the index
// numbers repeats by AcquisitionNumber, then InstanceNumber). Single volumes form groups of one.
std::vector<std::vector<const SeriesVolume*>> groupRepeatedVolumes(const std::vector<const SeriesVolume*>& volumes);

// A volume of a diffusion series with a b-value but no direction: Philips' derived isotropic
// (trace) image, which dcm2niix leaves out of the 4D series.
bool isDerivedDiffusionVolume(const SeriesVolume& volume);

struct DiffusionTable {
  std::vector<double> bValues;                 // s/mm^2, one per volume
  std::vector<std::array<double, 3>> vectors;  // unit vectors in FSL's image axes; 0 0 0 for b = 0
  std::string source;                          // the attributes they came from
};

// The b-values and directions of the volumes, or nullopt when none has a b-value. Gradients (in
// patient axes) are expressed along the image's three axes, the first negated when the direction
// matrix has a positive determinant: FSL's convention, which dcm2niix's .bvec files follow.
std::optional<DiffusionTable> diffusionTable(const std::vector<const SeriesVolume*>& volumes,
                                             const ImageF::DirectionType& direction);

// FSL's files: .bval one line of b-values, .bvec three lines (x, y, z) of one column per volume.
// Written atomically; throws medpipe::Error naming the file.
void writeFslGradients(const DiffusionTable& table, const std::filesystem::path& bval,
                       const std::filesystem::path& bvec);

}  // namespace medpipe
