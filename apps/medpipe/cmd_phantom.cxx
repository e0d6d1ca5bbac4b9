// medpipe phantom: a synthetic CT series (DICOM, written with GDCM) and its ground-truth labels.
#include <cstdio>
#include <iostream>

#include "cli_support.h"
#include "medpipe/core/error.h"
#include "medpipe/io/dicom_series_writer.h"
#include "medpipe/io/image_file.h"
#include "medpipe/io/multiframe_writer.h"
#include "medpipe/phantom/body_phantom.h"

namespace medpipe::cli {
namespace {

template <typename T>
std::array<T, 3> parseTriple(const std::string& text, const char* option) {
  std::array<double, 3> v{};
  char x1 = 0, x2 = 0;
  int used = 0;
  if (std::sscanf(text.c_str(), "%lf%c%lf%c%lf%n", &v[0], &x1, &v[1], &x2, &v[2], &used) != 5 ||
      static_cast<size_t>(used) != text.size() || x1 != 'x' || x2 != 'x' || v[0] <= 0 || v[1] <= 0 || v[2] <= 0)
    throw Error("", option, "'" + text + "' is not of the form AxBxC with positive numbers");
  return {static_cast<T>(v[0]), static_cast<T>(v[1]), static_cast<T>(v[2])};
}

}  // namespace

int runPhantom(const Args& args) {
  CommandLine line;
  line.usage = "medpipe phantom -o DIR [--size 256x256x64] [--spacing 0.8x0.8x2.5] [options]";
  std::string output, size = "256x256x64", spacing = "0.8x0.8x2.5";
  PhantomSpec spec;
  line.options.add_options()
      ("output,o", po::value(&output)->required(), "folder for dicom/ (the series) and labels.nii.gz")
      ("size", po::value(&size)->default_value(size), "voxels, columns x rows x slices")
      ("spacing", po::value(&spacing)->default_value(spacing), "mm, x y z")
      ("noise", po::value(&spec.noiseSigma)->default_value(spec.noiseSigma), "Gaussian noise sigma, HU")
      ("seed", po::value(&spec.seed)->default_value(spec.seed), "random seed of the noise")
      ("oblique", po::value(&spec.obliqueDegrees)->default_value(0.0), "tilt of the slices about the left-right axis, degrees")
      ("gantry-tilt", po::value(&spec.gantryTiltDegrees)->default_value(0.0), "CT gantry tilt, degrees (axial slices, sheared stack)")
      ("multiframe", "write one Enhanced CT multi-frame object (dicom/phantom.dcm) instead of one file per slice");
  po::variables_map vm;
  if (auto done = parseCommandLine(args, line, vm)) return *done;

  return reportErrors("phantom", [&] {
    spec.size = parseTriple<unsigned>(size, "--size");
    spec.spacing = parseTriple<double>(spacing, "--spacing");
    if (spec.noiseSigma < 0) throw Error("", "--noise", "must not be negative");
    const Phantom phantom = makeBodyPhantom(spec);
    DicomSeriesInfo info;
    info.patientName = "PHANTOM^MEDPIPE";
    info.patientId = "MEDPIPE-PHANTOM";
    info.studyDate = "20260101";
    info.studyTime = "120000";
    info.studyDescription = "medpipe phantom";
    info.seriesDescription = "Phantom CT";
    info.seriesNumber = 1;
    info.rescaleIntercept = -1024;  // stored unsigned, as most CT scanners do
    const std::filesystem::path dir(output);
    if (vm.count("multiframe")) writeEnhancedMultiFrame(*phantom.image, dir / "dicom" / "phantom.dcm", info);
    else writeDicomSeries(*phantom.image, dir / "dicom", info);
    writeLabelImage(*phantom.labels, dir / "labels.nii.gz", {9, false});
    std::cout << (dir / "dicom").string() << "\n" << (dir / "labels.nii.gz").string() << "\n";
    return kSuccess;
  });
}

}  // namespace medpipe::cli
