#pragma once
// Which of its own vector code the ml module runs: the CPU's best, unless a test set a lower limit
// (limitInstructionsForTesting, voxel_classifier.h). Private to the ml module.
namespace medpipe::ml {

bool useAvx512();  // AVX-512F (and FMA): the CPU has it and no limit below it
bool useAvx2();    // AVX2 and FMA: the CPU has them and no limit below them

}  // namespace medpipe::ml
