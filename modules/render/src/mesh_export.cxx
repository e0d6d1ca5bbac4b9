#include "medpipe/render/mesh_export.h"

#include <vtkAppendPolyData.h>
#include <vtkCellData.h>
#include <vtkFieldData.h>
#include <vtkPointData.h>
#include <vtkSTLWriter.h>
#include <vtkStringArray.h>
#include <vtkTransform.h>
#include <vtkTransformPolyDataFilter.h>
#include <vtkUnsignedCharArray.h>
#include <vtkXMLPolyDataWriter.h>

#include <algorithm>
#include <cctype>

#include "label_surfaces.h"
#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"
#include "obj_file.h"

namespace medpipe {
namespace {

std::string listed(const std::vector<std::uint8_t>& labels) {
  std::string text;
  for (auto l : labels) text += (text.empty() ? "" : ", ") + std::to_string(l);
  return text.empty() ? "none" : text;
}

// ".stl" for "Model.v2.STL": the last extension decides, in any case.
std::string meshExtension(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

// Every triangle tagged with its label, then all surfaces in one mesh.
vtkSmartPointer<vtkPolyData> merged(const std::vector<LabelSurface>& surfaces) {
  vtkNew<vtkAppendPolyData> append;
  for (const auto& surface : surfaces) {
    auto tagged = vtkSmartPointer<vtkPolyData>::New();
    tagged->ShallowCopy(surface.mesh);
    auto label = vtkSmartPointer<vtkUnsignedCharArray>::New();
    label->SetName("label");
    label->SetNumberOfValues(tagged->GetNumberOfCells());
    label->FillValue(surface.label);
    tagged->GetCellData()->AddArray(label);
    append->AddInputData(tagged);
  }
  append->Update();
  return append->GetOutput();
}

// RAS = LPS with x and y negated: a rotation by 180° about z, so triangles keep facing outwards.
vtkSmartPointer<vtkPolyData> inSpace(vtkPolyData* lps, MeshSpace space) {
  if (space == MeshSpace::Lps) return lps;
  vtkNew<vtkTransform> flip;
  flip->Scale(-1, -1, 1);
  vtkNew<vtkTransformPolyDataFilter> transform;
  transform->SetInputData(lps);
  transform->SetTransform(flip);
  transform->Update();
  return transform->GetOutput();
}

void writeMesh(vtkPolyData* mesh, MeshSpace space, const std::filesystem::path& target,
               const std::filesystem::path& tmp) {
  const std::string ext = meshExtension(target);
  const std::string marker = std::string("SPACE=") + toString(space);
  const std::string header = "medpipe export-mesh, mm, " + marker;
  int ok = 1;
  if (ext == ".stl") {
    vtkNew<vtkSTLWriter> writer;
    writer->SetInputData(mesh);
    writer->SetFileName(tmp.c_str());
    writer->SetFileTypeToBinary();
    writer->SetHeader(header.c_str());  // binary STL: the 80-byte header Slicer reads SPACE= from
    ok = writer->Write();
  } else if (ext == ".obj") {
    writeObj(mesh, header, tmp);
  } else if (ext == ".vtp") {
    auto withSpace = vtkSmartPointer<vtkPolyData>::New();
    withSpace->ShallowCopy(mesh);
    auto field = vtkSmartPointer<vtkFieldData>::New();
    vtkNew<vtkStringArray> spaceArray;  // Slicer's marker for VTK XML files
    spaceArray->SetName("SPACE");
    spaceArray->InsertNextValue(toString(space));
    field->AddArray(spaceArray);
    withSpace->SetFieldData(field);
    vtkNew<vtkXMLPolyDataWriter> writer;
    writer->SetInputData(withSpace);
    writer->SetFileName(tmp.c_str());
    writer->SetDataModeToAppended();
    writer->SetCompressorTypeToZLib();
    ok = writer->Write();
  }
  if (!ok || !std::filesystem::exists(tmp)) throw Error(target.string(), "", "cannot write mesh file");
}

}  // namespace

MeshSpace parseMeshSpace(const std::string& text) {
  if (text == "lps" || text == "LPS") return MeshSpace::Lps;
  if (text == "ras" || text == "RAS") return MeshSpace::Ras;
  throw Error("", "space", "'" + text + "' is not lps or ras");
}

const char* toString(MeshSpace space) { return space == MeshSpace::Lps ? "LPS" : "RAS"; }

MeshExportSummary exportLabelMesh(const LabelImage& labels, const MeshExportOptions& options,
                                  const std::filesystem::path& path) {
  const std::string ext = meshExtension(path);
  if (ext != ".stl" && ext != ".obj" && ext != ".vtp")
    throw Error(path.string(), "", "unknown mesh format '" + ext + "': use .stl, .obj or .vtp");
  const auto present = labelsPresent(labels);
  if (options.label && std::find(present.begin(), present.end(), *options.label) == present.end())
    throw Error("", "label", "label " + std::to_string(*options.label) + " is not in the label map (present: " +
                                   listed(present) + ")");
  if (present.empty()) throw Error("", "", "the label map has no non-zero label to make a surface of");
  std::vector<LabelRegion> regions;
  for (auto label : present)
    if (!options.label || label == *options.label) regions.push_back({label, {label}});
  const auto surfaces = labelSurfaces(labels, regions, options.smoothing);
  const auto mesh = inSpace(merged(surfaces), options.space);
  writeAtomically(path, [&](const std::filesystem::path& tmp) { writeMesh(mesh, options.space, path, tmp); });
  MeshExportSummary summary;
  for (const auto& s : surfaces) summary.labels.push_back(s.label);
  summary.points = static_cast<std::size_t>(mesh->GetNumberOfPoints());
  summary.triangles = static_cast<std::size_t>(mesh->GetNumberOfPolys());
  return summary;
}

}  // namespace medpipe
