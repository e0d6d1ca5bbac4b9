#include "medpipe/filters/stage_docs.h"

#include <iomanip>
#include <sstream>

#include "medpipe/filters/stage.h"

namespace medpipe {

std::string stageOverview() {
  std::ostringstream out;
  for (const StageCategory category : kStageCategories) {
    out << toString(category) << ":\n";
    for (const Stage* s : allStages())
      if (s->spec().category == category)
        out << "  " << std::left << std::setw(34) << s->spec().name << s->spec().summary << "\n";
  }
  return out.str();
}

std::string stagesMarkdown() {
  std::ostringstream out;
  out << "# Stages\n\nGenerated from the stage declarations by `cmake --build build --target stage-docs`\n"
         "(`medpipe stages --markdown`); do not edit by hand.\n\n"
         "Seeds (`points`) are given in physical millimetres in ITK's LPS space as `x,y,z;x,y,z`, or as voxel\n"
         "indices with a `voxel:` prefix (`voxel:i,j,k`).\n";
  for (const StageCategory category : kStageCategories) {
    out << "\n## " << toString(category) << "\n";
    for (const Stage* stage : allStages()) {
      const StageSpec& s = stage->spec();
      if (s.category != category) continue;
      out << "\n### `" << s.name << "`\n\n" << s.summary << "\n\n";
      out << "Inputs: ";
      for (size_t i = 0; i < s.inputs.size(); ++i)
        out << (i ? ", " : "") << "`" << s.inputs[i].name << "` (" << toString(s.inputs[i].kind)
            << (s.inputs[i].optional ? ", optional" : "") << ")";
      out << ". Output: " << toString(s.output) << ".\n\n";
      if (!s.parameters.empty()) out << parameterTableMarkdown(s.parameters, "parameter") << "\n";
      if (!s.example.empty()) out << "```yaml\n" << s.example << (s.example.back() == '\n' ? "" : "\n") << "```\n";
    }
  }
  return out.str();
}

}  // namespace medpipe
