# Third-party packages, all from Debian 12 (scripts/install-deps.sh installs them).
# The ITK module list lives in one place so the installed config finds the same set.
set(MEDPIPE_ITK_COMPONENTS
  ITKCommon ITKIOImageBase ITKGDCM ITKIOGDCM ITKIONIFTI ITKIONRRD ITKIOMeta
  ITKImageFilterBase ITKImageIntensity ITKThresholding ITKSmoothing
  ITKAnisotropicSmoothing ITKImageStatistics ITKLabelMap ITKConnectedComponents
  ITKRegionGrowing ITKMathematicalMorphology ITKBinaryMathematicalMorphology
  ITKImageGrid ITKCurvatureFlow ITKDenoising ITKWatersheds ITKLevelSets
  ITKBiasCorrection ITKImageLabel ITKDistanceMap ITKImageFeature
  ITKIOPNG)  # PNG: slice montages (medpipe::preview) and rendered pictures
find_package(ITK 5.2 REQUIRED COMPONENTS ${MEDPIPE_ITK_COMPONENTS})
# Without the use file only the IO modules named above register factories inconsistently
# and writing .nii.gz fails at run time (see shared BUILD-NOTES).
include(${ITK_USE_FILE})

find_package(GDCM 3.0 REQUIRED)
find_package(ZLIB REQUIRED)
# .nii.gz output: libdeflate's whole-buffer compression (Debian's libdeflate-dev), found directly
# (its 1.14 package has no CMake config) and linked by path, which the installed config keeps.
find_path(MEDPIPE_LIBDEFLATE_INCLUDE_DIR libdeflate.h)
find_library(MEDPIPE_LIBDEFLATE_LIBRARY deflate)
if(NOT MEDPIPE_LIBDEFLATE_INCLUDE_DIR OR NOT MEDPIPE_LIBDEFLATE_LIBRARY)
  message(FATAL_ERROR "libdeflate.h or libdeflate was not found (Debian: libdeflate-dev; scripts/install-deps.sh installs it)")
endif()
find_package(yaml-cpp REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS program_options)
# medpipe::cohort: the cohort database (SQLite), unit records (JsonCpp), robust covariance (Eigen).
find_package(SQLite3 REQUIRED)
find_package(jsoncpp CONFIG REQUIRED)
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
# medpipe cohort train/predict: gradient-boosted trees (Debian's libxgboost-dev, C API); optional.
# Debian's xgboost CMake config insists on the `xgboost` command-line package, so the header and
# library are found directly.
find_path(MEDPIPE_XGBOOST_INCLUDE_DIR xgboost/c_api.h)
find_library(MEDPIPE_XGBOOST_LIBRARY xgboost)
if(MEDPIPE_XGBOOST_INCLUDE_DIR AND MEDPIPE_XGBOOST_LIBRARY)
  set(medpipe_xgboost_found ON)
else()
  set(medpipe_xgboost_found OFF)
endif()
option(MEDPIPE_WITH_XGBOOST "Build medpipe cohort train/predict with XGBoost" ${medpipe_xgboost_found})
if(MEDPIPE_WITH_XGBOOST AND NOT medpipe_xgboost_found)
  message(FATAL_ERROR "MEDPIPE_WITH_XGBOOST is ON but xgboost/c_api.h or libxgboost was not found (libxgboost-dev)")
endif()

# medpipe train-classifier: VIGRA's random forest (header-only; Debian's libvigraimpex-dev); optional.
find_path(MEDPIPE_VIGRA_INCLUDE_DIR vigra/random_forest.hxx)
if(MEDPIPE_VIGRA_INCLUDE_DIR)
  set(medpipe_vigra_found ON)
else()
  set(medpipe_vigra_found OFF)
endif()
option(MEDPIPE_WITH_VIGRA "Build medpipe train-classifier with VIGRA's random forest" ${medpipe_vigra_found})
if(MEDPIPE_WITH_VIGRA AND NOT medpipe_vigra_found)
  message(FATAL_ERROR "MEDPIPE_WITH_VIGRA is ON but vigra/random_forest.hxx was not found (libvigraimpex-dev)")
endif()

if(MEDPIPE_WITH_VTK)
  # medpipe::render: volume rendering, label surfaces and mesh export. Debian's VTK is GLX-only,
  # so rendering needs an X display (the CLI starts Xvfb when there is none).
  set(MEDPIPE_VTK_COMPONENTS
    CommonCore CommonDataModel CommonTransforms FiltersCore FiltersGeneral IOGeometry IOXML
    RenderingCore RenderingOpenGL2 RenderingVolume RenderingVolumeOpenGL2
    InteractionStyle RenderingUI)  # medpipe view: trackball camera and the X11 interactor
  find_package(VTK 9.1 REQUIRED COMPONENTS ${MEDPIPE_VTK_COMPONENTS})
endif()

# medpipe::net (`medpipe pacs`, `medpipe listen`): DICOM networking on DCMTK (libdcmtk-dev); optional.
# Only DCMTK::dcmnet/dcmtls/dcmdata are linked (see modules/net/CMakeLists.txt).
# DICOMweb on libcurl (libcurl4-openssl-dev).
find_package(DCMTK CONFIG QUIET)
find_package(CURL QUIET)
if(TARGET DCMTK::dcmnet AND TARGET DCMTK::dcmtls AND TARGET CURL::libcurl)
  set(medpipe_dcmtk_found ON)
else()
  set(medpipe_dcmtk_found OFF)
endif()
option(MEDPIPE_WITH_NETWORK "Build medpipe pacs/listen (DICOM networking on DCMTK)" ${medpipe_dcmtk_found})
if(MEDPIPE_WITH_NETWORK AND NOT medpipe_dcmtk_found)
  message(FATAL_ERROR "MEDPIPE_WITH_NETWORK is ON but DCMTK's dcmnet/dcmtls (libdcmtk-dev) or libcurl (libcurl4-openssl-dev) was not found")
endif()

# medpipe::deep (unet-segment, train-unet): Debian's libtorch-dev 1.13 (CPU); optional. Its
# TorchConfig pulls in Caffe2's, which looks for Python and CUDA; QUIET keeps a build without it clean.
find_package(Torch QUIET)
option(MEDPIPE_WITH_TORCH "Build the deep-learning stages and train-unet with libtorch" ${Torch_FOUND})
if(MEDPIPE_WITH_TORCH AND NOT Torch_FOUND)
  message(FATAL_ERROR "MEDPIPE_WITH_TORCH=ON but libtorch was not found (Debian: libtorch-dev)")
endif()
