# Build defaults shared by every target: C++17, Release, warnings, ccache.
set(CMAKE_CXX_STANDARD 17)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()

# ccache caches units built on a precompiled header (MedpipePch.cmake) only with this sloppiness.
find_program(MEDPIPE_CCACHE ccache)
if(MEDPIPE_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(medpipe_ccache ${CMAKE_COMMAND} -E env CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
      ${MEDPIPE_CCACHE})
  set(CMAKE_C_COMPILER_LAUNCHER ${medpipe_ccache})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${medpipe_ccache})
endif()

# Applied per target so consumers of the installed package do not inherit them.
function(medpipe_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
endfunction()

# Debian's ITK headers refuse clang ("Unsupported compiler"); see cmake/itk_clang_compat.h.
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  add_compile_options("SHELL:-include ${CMAKE_CURRENT_LIST_DIR}/itk_clang_compat.h")
endif()
