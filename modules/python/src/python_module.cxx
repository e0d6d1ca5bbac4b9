// `import medpipe`: the module definition and medpipe.Error, which carries file, field and reason.
#include <pybind11/pybind11.h>

#include "medpipe/core/error.h"
#include "medpipe/core/version.h"
#include "medpipe/deep/network.h"
#include "python_volume.h"

namespace medpipe::python {
void bindPipeline(py::module_& m);
}

PYBIND11_MODULE(medpipe, m) {
  namespace py = pybind11;
  using namespace medpipe::python;
  m.doc() = "medpipe: DICOM studies in, processed volumes, label maps and measurements out (medpipe's C++ library).";
  m.attr("__version__") = medpipe::medpipeVersion();

  static py::exception<medpipe::Error> error(m, "Error", PyExc_RuntimeError);
  error.doc() = "A medpipe error: `file`, `field` and `reason` say which file, which attribute or parameter, and why.";
  py::register_exception_translator([](std::exception_ptr raised) {
    try {
      if (raised) std::rethrow_exception(raised);
    } catch (const medpipe::Error& e) {
      py::object instance = py::reinterpret_borrow<py::object>(error)(py::str(medpipe::formatError(e.info())));
      instance.attr("file") = e.info().path;
      instance.attr("field") = e.info().field;
      instance.attr("reason") = e.info().reason;
      PyErr_SetObject(error.ptr(), instance.ptr());
    }
  });

  bindVolumes(m);
  bindPipeline(m);
  // A unet stage's config check starts loading libtorch on a thread; Python must not exit under it.
  py::module_::import("atexit").attr("register")(py::cpp_function([] {
    py::gil_scoped_release released;
    medpipe::deep::finishLoadingTorch();
  }));
}
