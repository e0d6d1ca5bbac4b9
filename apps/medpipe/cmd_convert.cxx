// medpipe convert: DICOM series -> NIfTI / NRRD / MetaImage with JSON sidecars, or -> derived DICOM series.
#include <iostream>

#include "cli_support.h"
#include "medpipe/core/error.h"
#include "medpipe/io/dicom_conversion.h"
#include "medpipe/io/region_objects.h"

namespace medpipe::cli {

int runConvert(const Args& args) {
  CommandLine line;
  line.usage = "medpipe convert DIR -o OUTDIR [--format nii.gz|nii|nrrd|mha | --to-dicom] [--series SEL] [options]";
  std::string input, output, format = "nii.gz", series, irregular = "resample", uidMap, philipsScaling = "display", rois;
  int level = 1;
  line.options.add_options()
      ("input", po::value(&input)->required(), "DICOM folder (one series or a whole export) or file")
      ("output,o", po::value(&output)->required(), "output folder")
      ("format,f", po::value(&format)->default_value(format), "nii.gz, nii, nrrd or mha")
      ("series,s", po::value(&series), "select series: uid=..., number=N, description=GLOB, modality=CT (comma-separated)")
      ("irregular", po::value(&irregular)->default_value(irregular),
       "missing slices, uneven spacing or gantry tilt: 'resample' onto a regular grid (with a warning) or 'fail'")
      ("compression-level", po::value(&level)->default_value(level), "gzip level 1 (fast) .. 9 (small)")
      ("4d", "volumes of a series that repeat the same slice positions (fMRI, diffusion) as one 4D file, the "
             "repetition time as its fourth spacing, with .bval/.bvec for diffusion (the default; see docs/mr.md)")
      ("3d", "one file per volume instead of 4D files")
      ("philips-scaling", po::value(&philipsScaling)->default_value(philipsScaling),
       "Philips MR values: 'display' (DICOM RescaleSlope/Intercept) or 'float' (Philips' floating-point values, "
       "divided by RescaleSlope x private ScaleSlope, as dcm2niix writes by default)")
      ("rois", po::value(&rois), "RTSTRUCT and SEG objects: the ROIs to write, names or globs, comma-separated "
                                 "(\"GTV*,Lung*\"); each must match a ROI of every object (default: all ROIs)")
      ("no-regions", "leave RTSTRUCT and SEG objects out (by default each is written beside the volume it "
                     "references: <volume>_rtstruct.nii.gz with <volume>_rtstruct.json, label -> ROI name, colour, type)")
      ("force", "overwrite existing outputs")
      ("show-phi", "write patient name, ID, dates and UIDs into the sidecars")
      ("to-dicom", "write each volume as a derived DICOM series OUTDIR/<name>/IM0001.dcm... (same patient, study and "
                   "frame of reference; new series and instance UIDs)")
      ("deidentify", "DICOM PS3.15 basic confidentiality profile: DICOM output de-identified, UIDs replaced; "
                     "names and sidecars without series description or PHI (see docs/deidentification.md)")
      ("uid-map", po::value(&uidMap), "with --to-dicom --deidentify: CSV of original -> new UIDs, read when it exists "
                                      "and updated after the run; it re-identifies the data, keep it private")
      ("quiet,q", "only warnings and errors");
  line.positional.add("input", 1);
  po::variables_map vm;
  if (auto done = parseCommandLine(args, line, vm)) return *done;
  const char* conflict = vm.count("deidentify") && vm.count("show-phi") ? "--show-phi and --deidentify exclude each other"
                         : vm.count("to-dicom") && !vm["format"].defaulted() ? "--format and --to-dicom exclude each other"
                         : vm.count("3d") && vm.count("4d")                   ? "--3d and --4d exclude each other"
                         : vm.count("rois") && (vm.count("no-regions") || vm.count("to-dicom"))
                             ? "--rois selects ROIs to write as label maps: not with --no-regions or --to-dicom"
                         : vm.count("uid-map") && !(vm.count("to-dicom") && vm.count("deidentify"))
                             ? "--uid-map needs --to-dicom and --deidentify"
                             : nullptr;
  if (conflict) {
    std::cerr << "medpipe: error: " << conflict << "\nUsage: " << line.usage << " (see --help)\n";
    return kUsage;
  }
  installLogSink(vm.count("quiet") > 0, false);

  return reportErrors("convert", [&] {
    ConversionOptions options;
    options.input = input;
    options.outputFolder = output;
    options.format = parseImageFormat(format);
    options.selector = SeriesSelector(series);
    options.irregular = parseIrregularGeometry(irregular);
    options.fourD = vm.count("3d") == 0;
    if (philipsScaling != "display" && philipsScaling != "float")
      throw Error("", "--philips-scaling", "'" + philipsScaling + "' is not one of: display, float");
    options.philipsFloat = philipsScaling == "float";
    options.overwrite = vm.count("force") > 0;
    options.includePhi = vm.count("show-phi") > 0;
    options.toDicom = vm.count("to-dicom") > 0;
    options.deidentify = vm.count("deidentify") > 0;
    options.uidMap = uidMap;
    options.regions = vm.count("no-regions") == 0;
    options.rois = splitRoiGlobs(rois);
    if (level < 1 || level > 9) throw Error("", "--compression-level", "must be between 1 and 9");
    options.write.compressionLevel = level;
    const Progress progress = terminalProgress("convert");
    const ConversionReport report = convertDicom(options, &progress);
    for (const auto& v : report.written) {
      std::cout << v.image.string() << "  [" << v.health << "]";
      if (v.volumes > 1) std::cout << " " << v.volumes << " volumes" << (v.bval.empty() ? "" : ", .bval/.bvec");
      std::cout << "\n";
    }
    for (const auto& r : report.regions) {
      std::cout << r.labels.string() << "  [" << r.kind << ":";
      for (size_t i = 0; i < r.names.size(); ++i) std::cout << (i ? ", " : " ") << i + 1 << " '" << r.names[i] << "'";
      std::cout << "] table " << r.table.string() << "\n";
    }
    for (const auto& f : report.unreadableFiles)
      std::cerr << "medpipe convert: error: " << formatError(f) << " (file skipped)\n";
    for (const auto& f : report.failed) std::cerr << "medpipe convert: error: " << formatError(f) << "\n";
    // As for run: a volume that failed is a failure; files left out as unreadable are exit code 3.
    if (!report.failed.empty()) return kFailure;
    return report.unreadableFiles.empty() ? kSuccess : kUnreadableInput;
  }, {{"format", "--format"}, {"series", "--series"}, {"irregular", "--irregular"}});
}

}  // namespace medpipe::cli
