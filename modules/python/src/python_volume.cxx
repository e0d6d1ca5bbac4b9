// Volume, scan, read_series and write of the Python module.
#include "python_volume.h"

#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <cstring>
#include <sstream>

#include "medpipe/core/error.h"
#include "medpipe/filters/label_table.h"
#include "medpipe/io/dicom_conversion.h"
#include "medpipe/io/dicom_index.h"
#include "medpipe/io/image_file.h"
#include "medpipe/io/series_selector.h"
#include "medpipe/io/slice_stack.h"
#include "medpipe/pipeline/config_validation.h"

namespace medpipe::python {
namespace {

namespace fs = std::filesystem;

template <typename Pixel>
Volume wrap(const typename itk::Image<Pixel, 3>::Pointer& image) {
  Volume v;
  const auto size = image->GetBufferedRegion().GetSize();
  // The capsule owns a reference to the ITK image: the array is a view of its buffer.
  auto* owner = new typename itk::Image<Pixel, 3>::Pointer(image);
  py::capsule keepAlive(owner, [](void* p) { delete static_cast<typename itk::Image<Pixel, 3>::Pointer*>(p); });
  const std::vector<py::ssize_t> shape{py::ssize_t(size[2]), py::ssize_t(size[1]), py::ssize_t(size[0])};
  v.array = py::array_t<Pixel>(shape, image->GetBufferPointer(), keepAlive);
  for (unsigned d = 0; d < 3; ++d) v.spacing[d] = image->GetSpacing()[d], v.origin[d] = image->GetOrigin()[d];
  py::array_t<double> direction({3, 3});
  auto m = direction.mutable_unchecked<2>();
  for (unsigned r = 0; r < 3; ++r)
    for (unsigned c = 0; c < 3; ++c) m(r, c) = image->GetDirection()(r, c);
  v.direction = direction;
  return v;
}

// geometry.name, or geometry[name] for a dict.
py::object member(const py::object& geometry, const char* name) {
  if (py::isinstance<py::dict>(geometry)) {
    py::dict d = geometry;
    if (!d.contains(name)) throw Error("", std::string("geometry.") + name, "missing");
    return d[name];
  }
  if (!py::hasattr(geometry, name))
    throw Error("", std::string("geometry.") + name,
                "missing (give a Volume, or an object or dict with spacing, origin and direction)");
  return geometry.attr(name);
}

std::array<double, 3> threeNumbers(const py::object& value, const char* name) {
  const auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(value);
  if (!a || a.size() != 3) throw Error("", std::string("geometry.") + name, "expected 3 numbers (x, y, z)");
  return {a.at(0), a.at(1), a.at(2)};
}

void setGeometry(const py::object& geometry, itk::ImageBase<3>& image) {
  const auto spacing = threeNumbers(member(geometry, "spacing"), "spacing");
  const auto origin = threeNumbers(member(geometry, "origin"), "origin");
  const auto direction =
      py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(member(geometry, "direction"));
  if (!direction || direction.ndim() != 2 || direction.shape(0) != 3 || direction.shape(1) != 3)
    throw Error("", "geometry.direction", "expected a 3x3 matrix whose columns are the x, y and z axes (LPS)");
  itk::ImageBase<3>::SpacingType s;
  itk::ImageBase<3>::PointType o;
  itk::ImageBase<3>::DirectionType m;
  for (unsigned d = 0; d < 3; ++d) {
    if (!(spacing[d] > 0)) throw Error("", "geometry.spacing", "spacing must be positive");
    s[d] = spacing[d], o[d] = origin[d];
    for (unsigned c = 0; c < 3; ++c) m(d, c) = direction.at(d, c);
  }
  if (std::abs(vnl_determinant(m.GetVnlMatrix())) < 1e-6)
    throw Error("", "geometry.direction", "the matrix is singular");
  image.SetSpacing(s);
  image.SetOrigin(o);
  image.SetDirection(m);
}

template <typename Pixel>
typename itk::Image<Pixel, 3>::Pointer copyIn(const py::array_t<Pixel, py::array::c_style | py::array::forcecast>& a,
                                              const py::object& geometry) {
  if (a.ndim() != 3)
    throw Error("", "array", "expected a 3D array (z, y, x), got " + std::to_string(a.ndim()) + " dimensions");
  auto image = itk::Image<Pixel, 3>::New();
  typename itk::Image<Pixel, 3>::SizeType size;
  size[0] = a.shape(2), size[1] = a.shape(1), size[2] = a.shape(0);
  if (size[0] * size[1] * size[2] == 0) throw Error("", "array", "the array is empty");
  image->SetRegions(size);
  setGeometry(geometry, *image);
  image->Allocate();
  std::memcpy(image->GetBufferPointer(), a.data(), a.size() * sizeof(Pixel));
  return image;
}

std::vector<std::string> findingsOf(const std::string& summary) {
  std::vector<std::string> findings;
  if (summary == "OK") return findings;
  std::stringstream all(summary);
  std::string one;
  while (std::getline(all, one, ';')) findings.push_back(one.substr(one.find_first_not_of(' ')));
  return findings;
}

// One volume of a scan, with what `medpipe scan --json` shows and the headers to read it from.
struct Series {
  SeriesVolume volume;
  int patient = 0;
  std::string dimensions, health = "OK";
  std::array<double, 3> spacing{};
  const DicomHeader& h() const { return volume.first(); }
};

struct Study {
  int patient = 0;
  std::string uid, date, description, patientName, patientId;
  std::vector<Series> series;
};

Series describe(const SeriesVolume& volume, int patient) {
  Series s;
  s.volume = volume, s.patient = patient;
  const auto& h = volume.first();
  const size_t depth = h.isUnplacedMultiFrame() ? h.numberOfFrames : volume.slices.size();
  s.dimensions = std::to_string(h.columns) + "x" + std::to_string(h.rows) + "x" + std::to_string(depth);
  try {
    if (h.isUnplacedMultiFrame()) {
      s.health = "multi-frame without plane positions";
    } else {
      const SliceStack stack = buildSliceStack(volume.slices);
      s.health = stack.health.summary();
      s.spacing = stack.spacing;
    }
  } catch (const Error& e) {
    s.health = "unreadable geometry: " + e.info().field + " " + e.info().reason;
  }
  if (!volume.splitReason.empty()) s.health += " (split: " + volume.splitReason + ")";
  return s;
}

std::vector<Study> scan(const fs::path& path, bool showPhi) {
  DicomIndex index;
  {
    py::gil_scoped_release release;
    index = indexDicomFolder(path);
  }
  std::vector<Study> studies;
  std::string previousPatient;
  int patient = 0;
  for (const auto& volume : index.volumes) {
    const auto& h = volume.first();
    const std::string key = h.patientId + '\x1f' + h.patientName;
    if (patient == 0 || key != previousPatient) ++patient, previousPatient = key;
    if (studies.empty() || studies.back().uid != h.studyInstanceUid || studies.back().patient != patient) {
      Study study;
      study.patient = patient, study.uid = h.studyInstanceUid, study.date = h.studyDate;
      study.description = h.studyDescription;
      if (showPhi) study.patientName = h.patientName, study.patientId = h.patientId;
      studies.push_back(study);
    }
    studies.back().series.push_back(describe(volume, patient));
  }
  return studies;
}

Volume readSeries(const SeriesVolume& volume, const std::string& irregular) {
  const IrregularGeometry policy = parseIrregularGeometry(irregular);
  StackHealth health;
  ImageF::Pointer image;
  {
    py::gil_scoped_release release;
    image = readVolume(volume, policy, &health);
  }
  Volume v = toVolume(image);
  v.health = health.summary();
  v.findings = findingsOf(v.health);
  return v;
}

Volume readPath(const fs::path& path, const std::string& series, const std::string& irregular) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec) && extensionAccepts(path.filename().string(), DataKind::Image)) {
    ImageF::Pointer image;
    {
      py::gil_scoped_release release;
      image = readImage(path);
    }
    return toVolume(image);
  }
  const SeriesSelector selector(series);
  DicomIndex index;
  {
    py::gil_scoped_release release;
    index = indexDicomFolder(path);
  }
  std::vector<const SeriesVolume*> matches;
  for (const auto& v : index.volumes)
    if (selector.matches(v.first())) matches.push_back(&v);
  if (matches.size() != 1)
    throw Error(
        path.string(), "series",
        std::to_string(matches.size()) + " volumes match" + (series.empty() ? "" : " '" + series + "'") +
            "; choose one with series='number=N' (or uid=, description=GLOB, modality=), or pass a Series from scan()");
  return readSeries(*matches.front(), irregular);
}

void write(const py::array& array, const py::object& geometry, const fs::path& path, int compressionLevel) {
  if (compressionLevel < 1 || compressionLevel > 9) throw Error("", "compression_level", "must be between 1 and 9");
  if (!extensionAccepts(path.filename().string(), DataKind::Image))
    throw Error(path.string(), "path", "use .nii.gz, .nii, .nrrd or .mha");
  ImageWriteOptions options;
  options.compressionLevel = compressionLevel;
  if (array.dtype().is(py::dtype::of<std::uint8_t>())) {
    const auto labels = toLabels(array, geometry);
    py::gil_scoped_release release;
    writeLabelImage(*labels, path, options);
  } else {
    const auto image = toImage(array, geometry);
    py::gil_scoped_release release;
    writeImage(*image, path, options);
  }
}

std::string repr(const Volume& v) {
  const auto* shape = v.array.shape();
  std::ostringstream out;
  out << "medpipe.Volume(" << (v.isLabels() ? "labels" : "image") << ", shape (z, y, x)=(" << shape[0] << ", "
      << shape[1] << ", " << shape[2] << "), spacing=(" << v.spacing[0] << ", " << v.spacing[1] << ", " << v.spacing[2]
      << "), health='" << v.health << "')";
  return out.str();
}

}  // namespace

bool Volume::isLabels() const { return array && array.dtype().is(py::dtype::of<std::uint8_t>()); }

Volume toVolume(const ImageF::Pointer& image) { return wrap<float>(image); }
Volume toVolume(const LabelImage::Pointer& labels) { return wrap<std::uint8_t>(labels); }

void applyGeometry(const py::object& geometry, itk::ImageBase<3>& image) { setGeometry(geometry, image); }

ImageF::Pointer toImage(const py::array& array, const py::object& geometry) {
  return copyIn<float>(py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(array), geometry);
}

LabelImage::Pointer toLabels(const py::array& array, const py::object& geometry) {
  // A cast to uint8 would wrap 256 to 0 silently: refuse values a label map cannot hold.
  if (!array.dtype().is(py::dtype::of<std::uint8_t>())) {
    const py::module_ np = py::module_::import("numpy");
    const py::object values = np.attr("asarray")(array);
    const bool whole = np.attr("all")(np.attr("equal")(np.attr("round")(values), values)).cast<bool>();
    const double lo = np.attr("min")(values).cast<double>(), hi = np.attr("max")(values).cast<double>();
    if (!whole || lo < 0 || hi > 255) throw Error("", "array", "a label map holds whole numbers 0..255");
  }
  return copyIn<std::uint8_t>(py::array_t<std::uint8_t, py::array::c_style | py::array::forcecast>::ensure(array),
                              geometry);
}

StageData toStageData(const Volume& volume, DataKind kind) {
  const py::object geometry = py::cast(volume);
  StageData data;
  if (kind == DataKind::Labels)
    data.labels = toLabels(volume.array, geometry);
  else if (kind == DataKind::Image)
    data.image = toImage(volume.array, geometry);
  else
    throw Error("", "inputs", "a table cannot be a stage input from Python");
  return data;
}

py::dict toDict(const LabelTable& table) {
  py::dict columns;
  for (size_t c = 0; c < table.columns.size(); ++c) {
    py::list values;
    for (const auto& row : table.rows) values.append(row[c]);
    columns[py::str(table.columns[c])] = values;
  }
  return columns;
}

void bindVolumes(py::module_& m) {
  py::class_<Volume>(
      m, "Volume",
      "A volume: `array` (z, y, x; float32 image or uint8 label map) and its LPS geometry: `spacing` and "
      "`origin` as (x, y, z) in mm, `direction` a 3x3 matrix whose columns are the x, y and z axes")
      .def(py::init([](const py::array& array, std::array<double, 3> spacing, std::array<double, 3> origin,
                       const py::object& direction) {
             Volume v;
             v.array = array;
             v.spacing = spacing, v.origin = origin;
             v.direction = direction.is_none() ? py::array(py::module_::import("numpy").attr("eye")(3))
                                               : py::array_t<double, py::array::forcecast>::ensure(direction);
             return v;
           }),
           py::arg("array"), py::arg("spacing") = std::array<double, 3>{1, 1, 1},
           py::arg("origin") = std::array<double, 3>{0, 0, 0}, py::arg("direction") = py::none())
      .def_readwrite("array", &Volume::array)
      .def_readwrite("spacing", &Volume::spacing)
      .def_readwrite("origin", &Volume::origin)
      .def_readwrite("direction", &Volume::direction)
      .def_readonly("health", &Volume::health, "'OK', or the findings of the slice geometry joined by '; '")
      .def_readonly("findings", &Volume::findings, "missing slices, uneven spacing, gantry tilt...; empty when OK")
      .def_property_readonly("is_labels", &Volume::isLabels)
      .def("__repr__", &repr);

  py::class_<Series>(m, "Series", "One volume found by scan(): pass it to read_series()")
      .def_property_readonly("uid", [](const Series& s) { return s.h().seriesInstanceUid; })
      .def_property_readonly("number", [](const Series& s) { return s.h().seriesNumber; })
      .def_property_readonly("modality", [](const Series& s) { return s.h().modality; })
      .def_property_readonly("description", [](const Series& s) { return s.h().seriesDescription; })
      .def_property_readonly("volume_in_series", [](const Series& s) { return s.volume.volumeInSeries; })
      .def_property_readonly("split_reason", [](const Series& s) { return s.volume.splitReason; })
      .def_property_readonly("files", [](const Series& s) { return s.volume.slices.size(); })
      .def_readonly("dimensions", &Series::dimensions)
      .def_readonly("spacing", &Series::spacing)
      .def_readonly("health", &Series::health)
      .def("__repr__", [](const Series& s) {
        return "medpipe.Series(" + s.h().modality + " " + std::to_string(s.h().seriesNumber) + " '" +
               s.h().seriesDescription + "', " + s.dimensions + ", health='" + s.health + "')";
      });

  py::class_<Study>(m, "Study", "A study found by scan(); patients are numbered, names and IDs only with show_phi")
      .def_readonly("patient", &Study::patient)
      .def_readonly("uid", &Study::uid)
      .def_readonly("date", &Study::date)
      .def_readonly("description", &Study::description)
      .def_readonly("patient_name", &Study::patientName)
      .def_readonly("patient_id", &Study::patientId)
      .def_readonly("series", &Study::series)
      .def("__repr__", [](const Study& s) {
        return "medpipe.Study(patient " + std::to_string(s.patient) + ", " + (s.date.empty() ? "no date" : s.date) +
               " '" + s.description + "', " + std::to_string(s.series.size()) + " series)";
      });

  m.def("scan", &scan, py::arg("path"), py::arg("show_phi") = false,
        "Every study and series below a folder, from headers only.");
  m.def(
      "read_series", [](const Series& s, const std::string& irregular) { return readSeries(s.volume, irregular); },
      py::arg("series"), py::arg("irregular") = "resample", "Reads a Series from scan() as a Volume.");
  m.def(
      "read_series", &readPath, py::arg("path"), py::arg("series") = "", py::arg("irregular") = "resample",
      "Reads the one series of a DICOM folder that `series` selects ('number=3', 'modality=CT'...), or an image file.");
  m.def("write", &write, py::arg("array"), py::arg("geometry"), py::arg("path"), py::arg("compression_level") = 1,
        "Writes a (z, y, x) array with the geometry of `geometry` (a Volume, or an object or dict with spacing, origin "
        "and direction) as .nii.gz/.nii/.nrrd/.mha; uint8 arrays as label maps.");
}

}  // namespace medpipe::python
