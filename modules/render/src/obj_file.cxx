#include "obj_file.h"

#include <vtkCellArray.h>
#include <vtkDataArray.h>
#include <vtkPointData.h>

#include <cstdio>
#include <memory>

#include "medpipe/core/error.h"

namespace medpipe {

void writeObj(vtkPolyData* mesh, const std::string& comment, const std::filesystem::path& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "w"), &std::fclose);
  if (!file) throw Error(path.string(), "", "cannot write OBJ file");
  std::FILE* f = file.get();
  std::fprintf(f, "# %s\n", comment.c_str());
  vtkDataArray* normals = mesh->GetPointData()->GetNormals();
  for (vtkIdType i = 0; i < mesh->GetNumberOfPoints(); ++i) {
    const double* p = mesh->GetPoint(i);
    std::fprintf(f, "v %.6g %.6g %.6g\n", p[0], p[1], p[2]);
  }
  if (normals)
    for (vtkIdType i = 0; i < normals->GetNumberOfTuples(); ++i) {
      const double* n = normals->GetTuple3(i);
      std::fprintf(f, "vn %.6g %.6g %.6g\n", n[0], n[1], n[2]);
    }
  vtkIdType count = 0;
  const vtkIdType* ids = nullptr;
  auto polys = mesh->GetPolys();
  polys->InitTraversal();
  while (polys->GetNextCell(count, ids)) {
    std::fputc('f', f);
    for (vtkIdType k = 0; k < count; ++k) {
      const long long index = ids[k] + 1;  // OBJ counts from 1
      if (normals)
        std::fprintf(f, " %lld//%lld", index, index);
      else
        std::fprintf(f, " %lld", index);
    }
    std::fputc('\n', f);
  }
  if (std::ferror(f) || std::fflush(f) != 0) throw Error(path.string(), "", "cannot write OBJ file (disk full?)");
}

}  // namespace medpipe
