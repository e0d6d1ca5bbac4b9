// Force-included into clang builds only (the fuzz preset): Debian's ITK 5.2 generated its
// itk_compiler_detection.h for GNU alone and stops with "Unsupported compiler" under clang.
// Let it detect the GNU front end clang also implements (as GCC 12, for its C++ feature checks);
// the header's include guard keeps this answer for every later include.
#if defined(__clang__) && defined(__cplusplus)
#pragma push_macro("__clang__")
#pragma push_macro("__GNUC__")
#pragma push_macro("__GNUC_MINOR__")
#undef __clang__
#undef __GNUC__
#undef __GNUC_MINOR__
#define __GNUC__ 12
#define __GNUC_MINOR__ 2
#include <itk_compiler_detection.h>
#pragma pop_macro("__GNUC_MINOR__")
#pragma pop_macro("__GNUC__")
#pragma pop_macro("__clang__")
#endif
