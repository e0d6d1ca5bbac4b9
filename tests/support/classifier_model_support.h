#pragma once
// A voxel-classifier model file for the suites that run every stage (cancel, one slice, examples):
// written by hand, not trained, so it needs no VIGRA: the default feature bank (30 features, as a
// user's model computes) and one tree splitting the 1 mm Gaussian at -200 HU (air and lung: class
// 1, "air"; the rest: class 2, "body").
#include <string>

namespace medpipe::test {

const std::string& airBodyModelPath();  // written once per process into a temporary folder

}  // namespace medpipe::test
