#pragma once
// The subcommands of `medpipe cohort` (cmd_cohort_*.cxx).
#include "commands.h"

namespace medpipe::cli {

int runCohortBuild(const Args& args);
int runCohortOutliers(const Args& args);
int runCohortCluster(const Args& args);
int runCohortTrain(const Args& args);
int runCohortPredict(const Args& args);
int runCohortConfig(const Args& args);  // cohort run CONFIG DB

}  // namespace medpipe::cli
