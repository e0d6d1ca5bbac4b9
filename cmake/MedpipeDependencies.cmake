# Third-party packages, all from Debian 12 (scripts/install-deps.sh installs them).
# The ITK module list lives in one place so the installed config finds the same set.
set(MEDPIPE_ITK_COMPONENTS
  ITKCommon ITKIOImageBase ITKGDCM ITKIOGDCM ITKIONIFTI ITKIONRRD ITKIOMeta
  ITKImageFilterBase ITKImageIntensity ITKThresholding ITKSmoothing
  ITKAnisotropicSmoothing ITKImageStatistics ITKLabelMap ITKConnectedComponents
  ITKRegionGrowing ITKMathematicalMorphology ITKBinaryMathematicalMorphology
  ITKImageGrid ITKCurvatureFlow ITKDenoising ITKWatersheds ITKLevelSets
  ITKBiasCorrection ITKImageLabel ITKDistanceMap ITKImageFeature)
find_package(ITK 5.2 REQUIRED COMPONENTS ${MEDPIPE_ITK_COMPONENTS})
# Without the use file only the IO modules named above register factories inconsistently
# and writing .nii.gz fails at run time (see shared BUILD-NOTES).
include(${ITK_USE_FILE})

find_package(GDCM 3.0 REQUIRED)
find_package(ZLIB REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS program_options)

if(MEDPIPE_WITH_VTK)
  find_package(VTK 9.1 REQUIRED COMPONENTS CommonCore)
endif()
