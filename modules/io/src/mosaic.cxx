#include "mosaic.h"

#include <cmath>

#include "medpipe/io/slice_stack.h"

namespace medpipe {

std::vector<DicomHeader> expandMosaic(DicomHeader h) {
  if (!h.mosaic || h.tilesAcross == 0 || !h.pixelDataProblem.empty()) return {std::move(h)};
  const auto& iop = *h.imageOrientation;
  const Vec3 row{iop[0], iop[1], iop[2]}, column{iop[3], iop[4], iop[5]};
  Vec3 normal = cross(row, column);
  const double length = std::sqrt(dot(normal, normal));
  if (length < 0.5) return {std::move(h)};  // buildSliceStack reports the parallel directions
  for (auto& c : normal) c /= length;
  // Tiles are in order along the CSA SliceNormalVector, which may point against
  // row x column.
  if (h.csaSliceNormal && dot(*h.csaSliceNormal, normal) < 0)
    for (auto& c : normal) c = -c;
  // Siemens' grid is square; UIH's has only as many rows of tiles as it needs (mr_attributes.cxx).
  const bool uih = h.manufacturer.find("UIH") != std::string::npos;
  const unsigned tilesDown = uih ? (h.mosaicTiles + h.tilesAcross - 1) / h.tilesAcross : h.tilesAcross;
  const unsigned tileRows = h.rows / tilesDown, tileColumns = h.columns / h.tilesAcross;
  // The stored position is the mosaic's top left corner; the first tile's lies
  // half the difference of the two sizes further in (nibabel's and dcm2niix's
  // correction).
  const auto& spacing = *h.pixelSpacing;  // between rows, between columns
  const double alongRow = (double(h.columns) - tileColumns) / 2 * spacing[1];
  const double alongColumn = (double(h.rows) - tileRows) / 2 * spacing[0];
  const auto& corner = *h.imagePosition;
  // dcm2niix: the slice distance of a mosaic is SpacingBetweenSlices, else
  // SliceThickness.
  const double gap = h.spacingBetweenSlices > 0 ? h.spacingBetweenSlices
                     : h.sliceThickness > 0     ? h.sliceThickness
                                                : 1.0;
  std::vector<DicomHeader> tiles;
  tiles.reserve(h.mosaicTiles);
  for (unsigned k = 0; k < h.mosaicTiles; ++k) {
    DicomHeader tile = h;
    tile.tileIndex = int(k);
    tile.storedRows = h.rows, tile.storedColumns = h.columns;
    tile.rows = tileRows, tile.columns = tileColumns;
    std::array<double, 3> p{};
    for (int d = 0; d < 3; ++d) p[d] = corner[d] + alongRow * row[d] + alongColumn * column[d] + k * gap * normal[d];
    tile.imagePosition = p;
    if (k < h.mosaicSliceTimesMs.size()) tile.sliceTimeMs = h.mosaicSliceTimesMs[k];
    tile.mosaicSliceTimesMs.clear();
    tiles.push_back(std::move(tile));
  }
  return tiles;
}

}  // namespace medpipe
