#pragma once
// Documentation generated from the stage declarations: the overview `medpipe stages` prints and
// docs/stages.md (build target `stage-docs`; a test fails when the committed file drifts).
#include <string>

namespace medpipe {

std::string stageOverview();   // one line per stage, grouped by category
std::string stagesMarkdown();  // the whole docs/stages.md

}  // namespace medpipe
