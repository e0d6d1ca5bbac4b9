#pragma once
// Volumes between ITK and NumPy for the Python module: arrays are (z, y, x) views of the ITK buffer
// (no copy out of the library), geometry is ITK's LPS (spacing and origin as x, y, z; direction a
// 3x3 matrix whose columns are the x, y and z axes).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <array>
#include <string>
#include <vector>

#include "medpipe/core/image.h"
#include "medpipe/filters/stage.h"

namespace medpipe::python {

namespace py = pybind11;

struct Volume {
  py::array array;  // float32 (image) or uint8 (label map), shape (z, y, x)
  std::array<double, 3> spacing{1, 1, 1};
  std::array<double, 3> origin{0, 0, 0};
  py::array direction;  // float64 3x3
  std::string health = "OK";
  std::vector<std::string> findings;  // the health findings, empty when OK
  bool isLabels() const;
};

// Wrap an ITK image without copying: the array keeps the image alive.
Volume toVolume(const ImageF::Pointer& image);
Volume toVolume(const LabelImage::Pointer& labels);

// The geometry of any object with spacing, origin and direction attributes (a Volume, say).
void applyGeometry(const py::object& geometry, itk::ImageBase<3>& image);

// Copies a (z, y, x) array into a new ITK image with `geometry`.
ImageF::Pointer toImage(const py::array& array, const py::object& geometry);
LabelImage::Pointer toLabels(const py::array& array, const py::object& geometry);

// A stage input: a Volume; label maps for label slots, images otherwise.
StageData toStageData(const Volume& volume, DataKind kind);

// A table as {column: [values]} (pandas.DataFrame(table) reads it).
py::dict toDict(const LabelTable& table);

void bindVolumes(py::module_& m);  // Volume, scan, read_series, write

}  // namespace medpipe::python
