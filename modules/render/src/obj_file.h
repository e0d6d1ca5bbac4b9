#pragma once
// A Wavefront OBJ writer: vertices, normals and triangles, with a leading comment line. Ours
// rather than vtkOBJWriter so the first comment (where 3D Slicer looks for SPACE=...) is ours.
#include <vtkPolyData.h>

#include <filesystem>
#include <string>

namespace medpipe {

void writeObj(vtkPolyData* mesh, const std::string& comment, const std::filesystem::path& path);

}  // namespace medpipe
