#!/usr/bin/env bash
# Installs everything medpipe needs to build and test, from Debian 12 packages only.
# Idempotent: packages already present are not fetched again. Run as root.
set -euo pipefail

packages=(
  # toolchain
  cmake g++ ninja-build ccache pkg-config
  # ITK 5.2 (+ FFTW, which linking all of ITK needs), GDCM 3.0 and its tools, VTK 9.1
  libinsighttoolkit5-dev libfftw3-dev libgdcm-dev libgdcm-tools libvtk9-dev zlib1g-dev
  # .nii.gz output: libdeflate (whole-buffer deflate, several times zlib's speed)
  libdeflate-dev
  # CLI, configs and tests
  libboost-program-options-dev libyaml-cpp-dev libgtest-dev
  # offscreen rendering for the VTK module (Debian's VTK is GLX-only)
  xvfb xauth
  # medpipe render --turntable: animated GIF from the PNG frames (ImageMagick's convert)
  imagemagick
  # test oracles and data: dcm2niix for conversion, dcmtk for dumping and decompressing DICOM,
  # dicom3tools' dciodvfy for validating written DICOM against its IOD,
  # pydicom's bundled DICOM test files (many transfer syntaxes, broken files)
  dcm2niix dcmtk dicom3tools python3-pydicom
  # interop tests: xmllint validates the 3D Slicer module descriptions against Slicer's schema;
  # Debian's python3 with jsonschema + yaml checks configs against `medpipe schema`
  libxml2-utils python3-jsonschema python3-yaml
  # the Python module (`import medpipe`, modules/python) and its tests: pybind11, Python headers,
  # NumPy, and nibabel to read back what medpipe writes
  pybind11-dev python3-dev python3-numpy python3-nibabel
  # medpipe cohort: the cohort database (SQLite, and its shell for queries), unit records (JsonCpp),
  # robust covariance for outliers (Eigen); pandas reads the database in docs/cohort.md's example
  libsqlite3-dev sqlite3 libjsoncpp-dev libeigen3-dev python3-pandas
  # medpipe cohort train/predict: gradient-boosted trees (optional in CMake, MEDPIPE_WITH_XGBOOST)
  libxgboost-dev
  # medpipe train-classifier: VIGRA's random forest, header-only (optional in CMake, MEDPIPE_WITH_VIGRA)
  libvigraimpex-dev
  # numpy reference of the quality metrics (tests/report/quality_reference.py)
  python3-numpy
  # the batch report is tested in a real browser, headless and offline (tests/report)
  chromium
  # workflow engine for scaling out (workflows/Snakefile)
  snakemake
  # benchmarks: peak memory
  time
  # medpipe pacs/listen (modules/net): DICOM networking on DCMTK (dcmnet, dcmtls; dcmtk above gives
  # storescp for bench/pacs_bench.sh), libcurl for DICOMweb; a real Orthanc with its DICOMweb plugin
  # is the server the network tests run against (tests/net)
  # openssl makes the TLS tests' certificates at test time
  libdcmtk-dev libcurl4-openssl-dev orthanc orthanc-dicomweb openssl
  # unet-segment and train-unet (medpipe::deep, optional in CMake: MEDPIPE_WITH_TORCH): libtorch 1.13 (CPU);
  # tests/deep saves a TorchScript model and PyTorch's own forward pass with python3-torch
  libtorch-dev python3-torch
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: run as root to install: ${missing[*]}" >&2
    exit 1
  fi
  echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all ${#packages[@]} packages present"
fi
