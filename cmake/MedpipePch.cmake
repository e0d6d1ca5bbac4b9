# Precompiled headers for the targets where nearly every unit includes ITK: parsing ITK's headers
# is about a third of such a unit's compile (2-3 s of 6-9 s under the sanitizers, measured on
# three stages), paid here once per target. GCC only (the fuzz preset's clang goes without);
# -DMEDPIPE_PCH=OFF turns it off. ccache caches these units with the sloppiness set in
# MedpipeCompilerSettings.cmake.
option(MEDPIPE_PCH "precompile ITK's common headers once per target" ON)

set(MEDPIPE_PCH_HEADERS
  <itkImage.h> <itkImageToImageFilter.h> <itkImageRegionIterator.h> <itkImageRegionConstIterator.h>
  <itkMultiThreaderBase.h> <itkCommand.h> <functional> <map> <memory> <string> <vector>)

# medpipe_precompile_itk(TARGET [EXTRA_HEADERS...])
function(medpipe_precompile_itk target)
  if(MEDPIPE_PCH AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_precompile_headers(${target} PRIVATE ${MEDPIPE_PCH_HEADERS} ${ARGN})
  endif()
endfunction()
