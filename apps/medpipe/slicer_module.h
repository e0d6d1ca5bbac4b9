#pragma once
// A stage as a 3D Slicer CLI module: its Execution Model XML and the command-line conventions that
// `medpipe slicer-cli` reads back (flag names, the order of the file arguments). Both come from the
// same StageSpec, so the XML Slicer shows and the parser that runs cannot disagree.
#include <string>
#include <vector>

#include "medpipe/filters/stage.h"

namespace medpipe::cli {

// One file argument Slicer passes by position (the Execution Model indexes images and tables).
struct SlicerFileArgument {
  std::string name;        // identifier in the XML: the input slot's name, or "output"
  const InputSpec* input;  // null for the output
  DataKind kind;
  bool optional = false;
};

// In index order: required inputs, the output, then optional inputs (Slicer leaves out an unset
// optional file, so it must come last for the others to keep their positions).
std::vector<SlicerFileArgument> slicerFileArguments(const StageSpec& spec);

// Slicer accepts only identifiers as names and long flags: "inside-value" -> "inside_value".
std::string slicerIdentifier(const std::string& kebabName);

// The module description for one stage (valid against Slicer's ModuleDescription.xsd).
std::string slicerModuleXml(const StageSpec& spec);

}  // namespace medpipe::cli
