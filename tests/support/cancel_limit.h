#pragma once
// How soon after a cancel a stage or step must stop in the tests: the product build's promise is a
// second; a sanitizer build runs every voxel loop 2-3 times slower, and code it cannot interrupt
// slower still (label-statistics' one pass took 1.4 s on a loaded CI machine before it checked per
// slab; linear resampling stopped 1.6 s after it with the suite running beside it; ITK's level-set
// initialisation took up to 4.8 s on CI before threshold-level-set checked for a cancel in it).
namespace medpipe::test {

#ifdef __SANITIZE_ADDRESS__
inline constexpr double kStopWithin = 4.0;  // s
#else
inline constexpr double kStopWithin = 1.0;  // s
#endif

}  // namespace medpipe::test
