#include "fast_binary_morphology.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <vector>

#include "medpipe/core/parallel.h"

namespace medpipe {
namespace {

using Mask = std::vector<std::uint8_t>;  // 1 where set

struct Grid {
  long nx, ny, nz;
  size_t voxels() const { return size_t(nx) * size_t(ny) * size_t(nz); }
  size_t row(long y, long z) const { return (size_t(z) * size_t(ny) + size_t(y)) * size_t(nx); }
};

// work(z) for every slice on all threads, checking for a cancel per slice.
template <typename Work>
void forEachSlice(long nz, const Progress& progress, Work&& work) {
  forEachPart(size_t(nz), workerThreadCount(), [&](size_t begin, size_t end) {
    for (size_t z = begin; z < end; ++z) {
      progress.throwIfCancelled();
      work(long(z));
    }
  });
}

// The ball as rows along x: for each (dy, dz) the widest |dx| of an offset in it, -1 where there is
// none. ITK's ball is convex and symmetric, so each row of it is [-width, width].
class BallRows {
 public:
  explicit BallRows(const Ball& ball) : ry_(long(ball.GetRadius(1))), rz_(long(ball.GetRadius(2))) {
    widths_.assign(size_t((2 * ry_ + 1) * (2 * rz_ + 1)), -1);
    for (size_t i = 0; i < ball.Size(); ++i) {
      if (!ball[i]) continue;
      const auto o = ball.GetOffset(i);
      long& width = widths_[index(o[1], o[2])];
      width = std::max(width, long(std::labs(o[0])));
    }
  }
  long ry() const { return ry_; }
  long rz() const { return rz_; }
  long width(long dy, long dz) const { return widths_[index(dy, dz)]; }
  long widest() const { return *std::max_element(widths_.begin(), widths_.end()); }

 private:
  size_t index(long dy, long dz) const { return size_t((dz + rz_) * (2 * ry_ + 1) + dy + ry_); }
  long ry_, rz_;
  std::vector<long> widths_;
};

// For every voxel the distance along x to the nearest set voxel of its row, capped at `cap`.
template <typename Distance>
std::vector<Distance> rowDistances(const Mask& mask, const Grid& g, Distance cap, const Progress& progress) {
  std::vector<Distance> distance(g.voxels());
  forEachSlice(g.nz, progress, [&](long z) {
    for (long y = 0; y < g.ny; ++y) {
      const std::uint8_t* set = mask.data() + g.row(y, z);
      Distance* d = distance.data() + g.row(y, z);
      Distance run = cap;
      for (long x = 0; x < g.nx; ++x) d[x] = run = set[x] ? 0 : std::min<Distance>(cap, Distance(run + 1));
      run = cap;
      for (long x = g.nx - 1; x >= 0; --x) d[x] = std::min(d[x], run = set[x] ? 0 : std::min<Distance>(cap, Distance(run + 1)));
    }
  });
  return distance;
}

template <typename Distance>
Mask dilateWith(const Mask& mask, const Grid& g, const BallRows& ball, const Progress& progress) {
  const auto distance = rowDistances<Distance>(mask, g, Distance(ball.widest() + 1), progress);
  Mask out(g.voxels(), 0);
  forEachSlice(g.nz, progress, [&](long z) {
    for (long dz = -ball.rz(); dz <= ball.rz(); ++dz) {
      if (z + dz < 0 || z + dz >= g.nz) continue;  // outside counts as unset
      for (long y = 0; y < g.ny; ++y) {
        std::uint8_t* o = out.data() + g.row(y, z);
        for (long dy = -ball.ry(); dy <= ball.ry(); ++dy) {
          const long width = ball.width(dy, dz);
          if (width < 0 || y + dy < 0 || y + dy >= g.ny) continue;
          const Distance* d = distance.data() + g.row(y + dy, z + dz);
          const auto w = Distance(width);
          for (long x = 0; x < g.nx; ++x) o[x] |= std::uint8_t(d[x] <= w);
        }
      }
    }
  });
  return out;
}

// The voxels within the ball of a set voxel; outside the grid counts as unset.
Mask dilate(const Mask& mask, const Grid& g, const BallRows& ball, const Progress& progress) {
  if (ball.widest() < std::numeric_limits<std::uint8_t>::max())
    return dilateWith<std::uint8_t>(mask, g, ball, progress);
  return dilateWith<std::uint16_t>(mask, g, ball, progress);
}

// The voxels whose whole ball is set; outside the grid counts as set.
Mask erode(const Mask& mask, const Grid& g, const BallRows& ball, const Progress& progress) {
  Mask unset(mask.size());
  std::transform(mask.begin(), mask.end(), unset.begin(), [](std::uint8_t m) { return std::uint8_t(!m); });
  Mask out = dilate(unset, g, ball, progress);
  for (auto& v : out) v = std::uint8_t(!v);
  return out;
}

// Dilation then erosion on the grid padded by the ball's radius (ITK's SafeBorder), cropped back.
Mask close(const Mask& mask, const Grid& g, const Ball& ball, const BallRows& rows, const Progress& progress) {
  const long rx = long(ball.GetRadius(0)), ry = long(ball.GetRadius(1)), rz = long(ball.GetRadius(2));
  const Grid padded{g.nx + 2 * rx, g.ny + 2 * ry, g.nz + 2 * rz};
  Mask big(padded.voxels(), 0);
  for (long z = 0; z < g.nz; ++z)
    for (long y = 0; y < g.ny; ++y)
      std::copy_n(mask.data() + g.row(y, z), g.nx, big.data() + padded.row(y + ry, z + rz) + rx);
  big = erode(dilate(big, padded, rows, progress), padded, rows, progress);
  Mask out(g.voxels());
  for (long z = 0; z < g.nz; ++z)
    for (long y = 0; y < g.ny; ++y)
      std::copy_n(big.data() + padded.row(y + ry, z + rz) + rx, g.nx, out.data() + g.row(y, z));
  return out;
}

}  // namespace

LabelImage::Pointer fastBinaryMorphology(const LabelImage& labels, Morphology op, const Ball& ball,
                                         LabelImage::PixelType foreground, const Progress& progress) {
  const auto size = labels.GetBufferedRegion().GetSize();
  const Grid g{long(size[0]), long(size[1]), long(size[2])};
  const BallRows rows(ball);
  const LabelImage::PixelType* in = labels.GetBufferPointer();
  Mask isForeground(g.voxels());
  std::transform(in, in + g.voxels(), isForeground.begin(), [&](auto v) { return std::uint8_t(v == foreground); });

  Mask set;  // where the result is `foreground`
  switch (op) {
    case Morphology::Dilate: set = dilate(isForeground, g, rows, progress); break;
    case Morphology::Erode: set = erode(isForeground, g, rows, progress); break;
    case Morphology::Open: set = dilate(erode(isForeground, g, rows, progress), g, rows, progress); break;
    case Morphology::Close: set = close(isForeground, g, ball, rows, progress); break;
  }
  auto out = LabelImage::New();
  out->CopyInformation(&labels);
  out->SetRegions(labels.GetBufferedRegion());
  out->Allocate();
  LabelImage::PixelType* to = out->GetBufferPointer();
  for (size_t i = 0; i < g.voxels(); ++i) to[i] = set[i] ? foreground : isForeground[i] ? 0 : in[i];
  return out;
}

}  // namespace medpipe
