#include "medpipe/filters/itk/FastMedianImageFilter.h"

#include <itkMultiThreaderBase.h>

#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include <algorithm>
#include <cstring>
#include <vector>

namespace medpipe {
namespace {

constexpr long kLanes = 8;  // output voxels of a row handled together: one vector of each value

// 8 floats as one value, min/max lane by lane: packed SSE instructions on x86-64 (GCC lowers
// generic vector ternaries to scalar code there), plain loops elsewhere.
#if defined(__SSE__)
struct Lanes {
  __m128 lo, hi;
};
inline void minMax(Lanes& a, Lanes& b) {  // a <- min, b <- max
  const Lanes low{_mm_min_ps(a.lo, b.lo), _mm_min_ps(a.hi, b.hi)};
  b = Lanes{_mm_max_ps(a.lo, b.lo), _mm_max_ps(a.hi, b.hi)};
  a = low;
}
#else
struct Lanes {
  float v[kLanes];
};
inline void minMax(Lanes& a, Lanes& b) {
  for (long l = 0; l < kLanes; ++l) {
    const float low = std::min(a.v[l], b.v[l]);
    b.v[l] = std::max(a.v[l], b.v[l]);
    a.v[l] = low;
  }
}
#endif
static_assert(sizeof(Lanes) == kLanes * sizeof(float));

// Medians of one output row, kLanes voxels at a time. `rows` are the (2ry+1)(2rz+1) source rows
// of the neighbourhood, each padded by rx replicated voxels on the left and enough on the right;
// the neighbourhood of output x is rows[r][x .. x + 2rx].
//
// Forgetful selection (Paeth): the median of n = 2m+1 values is also the median of what remains
// after dropping the minimum and maximum of any m+2 of them (neither can be the median), with one
// more value read in. So: hold m+2 values, drop min and max, read one, until all are read; the
// last three give their median.
class RowMedian {
 public:
  explicit RowMedian(size_t neighbours) : n_(neighbours), set_(n_ / 2 + 2) {}

  void run(const std::vector<const float*>& rows, long width, long nx, float* out) {
    const long columns = 2 * width + 1;  // 2rx + 1
    for (long x0 = 0; x0 < nx; x0 += kLanes) {
      // The k-th neighbour of lane l: row k / columns, offset k % columns.
      auto load = [&](size_t k) {
        Lanes v;
        std::memcpy(&v, rows[k / size_t(columns)] + x0 + long(k % size_t(columns)), sizeof v);
        return v;
      };
      size_t held = n_ < 3 ? n_ : n_ / 2 + 2, next = 0;
      for (; next < held; ++next) set_[next] = load(next);
      while (held > 3 || (held == 3 && next < n_)) {
        dropMinMax(held);  // the set shrinks by two ...
        held -= 2;
        if (next < n_) set_[held++] = load(next++);  // ... and gains the next value
      }
      if (held == 3) {  // median of three: max(min(a, b), min(max(a, b), c))
        minMax(set_[0], set_[1]);
        minMax(set_[1], set_[2]);
        minMax(set_[0], set_[1]);
      }
      const Lanes median = held == 3 ? set_[1] : set_[0];
      float lanes[kLanes];
      std::memcpy(lanes, &median, sizeof lanes);
      std::copy(lanes, lanes + std::min(kLanes, nx - x0), out + x0);
    }
  }

 private:
  // One pass: with low <= high kept, each value is exchanged with the running minimum, then with
  // the running maximum; exchanges keep the values, so the others stay in slots 1 .. held-2.
  void dropMinMax(size_t held) {
    Lanes low = set_[0], high = set_[held - 1];
    minMax(low, high);
    for (size_t i = 1; i + 1 < held; ++i) {
      minMax(low, set_[i]);
      minMax(set_[i], high);
    }
    set_[0] = set_[held - 2];  // min and max dropped; the rest moves down to slots 0 .. held-3
  }

  size_t n_;
  std::vector<Lanes> set_;
};

}  // namespace

void FastMedianImageFilter::GenerateData() {
  const ImageF* input = this->GetInput();
  ImageF* output = this->AllocateWholeOutput();
  const auto size = input->GetLargestPossibleRegion().GetSize();
  const long nx = long(size[0]), ny = long(size[1]), nz = long(size[2]);
  const long rx = long(m_Radius[0]), ry = long(m_Radius[1]), rz = long(m_Radius[2]);
  const size_t neighbours = size_t(2 * rx + 1) * size_t(2 * ry + 1) * size_t(2 * rz + 1);
  const float* in = input->GetBufferPointer();
  float* out = output->GetBufferPointer();
  // Padded rows: rx replicated voxels on the left, rx plus a lane block's worth on the right.
  const long padded = nx + 2 * rx + kLanes;

  // With `this`, ITK reports progress per slice.
  this->GetMultiThreader()->ParallelizeArray(
      0, static_cast<itk::SizeValueType>(nz),
      [&](itk::SizeValueType zu) {
        const long z = long(zu);
        std::vector<float> buffer(size_t(2 * ry + 1) * size_t(2 * rz + 1) * size_t(padded));
        std::vector<const float*> rows(size_t(2 * ry + 1) * size_t(2 * rz + 1));
        RowMedian median(neighbours);
        for (long y = 0; y < ny; ++y) {
          // ITK checks for a cancel only between slices, which take seconds with a large radius.
          if (this->GetAbortGenerateData()) throw itk::ProcessAborted(__FILE__, __LINE__);
          size_t r = 0;
          for (long dz = -rz; dz <= rz; ++dz)
            for (long dy = -ry; dy <= ry; ++dy, ++r) {  // zero-flux borders: clamp the indices
              const float* src = in + (std::clamp(z + dz, 0L, nz - 1) * ny + std::clamp(y + dy, 0L, ny - 1)) * nx;
              float* row = buffer.data() + r * size_t(padded);
              std::fill(row, row + rx, src[0]);
              std::copy(src, src + nx, row + rx);
              std::fill(row + rx + nx, row + padded, src[nx - 1]);
              rows[r] = row;
            }
          median.run(rows, rx, nx, out + (z * ny + y) * nx);
        }
      },
      this);
}

}  // namespace medpipe
