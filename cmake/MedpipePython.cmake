# The Python module (modules/python): ON by default when Debian's python3-dev and pybind11-dev are
# there. Debian's /usr/bin/python3 is preferred over another python3 on PATH (pyenv), since its
# dist-packages hold numpy and the module is installed where it looks.
if(NOT Python3_EXECUTABLE AND EXISTS /usr/bin/python3)
  set(Python3_EXECUTABLE /usr/bin/python3)
endif()
find_package(Python3 COMPONENTS Interpreter Development.Module QUIET)
find_package(pybind11 CONFIG QUIET)
set(medpipe_python_default OFF)
# Not under sanitizers or the fuzzer: an instrumented module cannot load into an uninstrumented python3.
if(Python3_FOUND AND pybind11_FOUND AND NOT MEDPIPE_SANITIZE AND NOT MEDPIPE_FUZZ)
  set(medpipe_python_default ON)
endif()
option(MEDPIPE_WITH_PYTHON "Build the Python module `import medpipe` (pybind11)" ${medpipe_python_default})
if(MEDPIPE_WITH_PYTHON)
  if(NOT Python3_FOUND OR NOT pybind11_FOUND)
    message(FATAL_ERROR "MEDPIPE_WITH_PYTHON needs python3-dev and pybind11-dev (scripts/install-deps.sh)")
  endif()
  # The static module libraries go into a shared object: they are position-independent already
  # (MedpipeCompilerSettings.cmake).
  # Where Debian's python3 finds it below the install prefix: /usr/local/lib/python3.11/dist-packages
  # is on its path for the default prefix, /usr/lib/python3/dist-packages for prefix /usr.
  if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    set(medpipe_python_dir "lib/python3/dist-packages")
  else()
    set(medpipe_python_dir "lib/python${Python3_VERSION_MAJOR}.${Python3_VERSION_MINOR}/dist-packages")
  endif()
  set(MEDPIPE_PYTHON_INSTALL_DIR "${medpipe_python_dir}" CACHE STRING "Install folder of the Python module, below the prefix")
endif()
