#pragma once
// Which of its own vector code the ml module runs: the CPU's best, unless a test set a lower limit
// (limitInstructionsForTesting, voxel_classifier.h). Private to the ml module.
namespace medpipe::ml {

bool useAvx512();  // AVX-512F: the CPU has it and no limit below it (the passes' AVX2 clones are the loader's pick)

}  // namespace medpipe::ml
