// threshold-level-set: a seeded level set that grows through an intensity window and stops at its
// edges, with curvature keeping the surface smooth where a plain threshold would be ragged.
//
// Two departures from ITK's ThresholdSegmentationLevelSetImageFilter as it comes, both needed for
// a front to flow around structures outside the window (vessels in a lung):
// - Speed. ITK's speed is the distance in HU to the nearer window bound, unbounded outside: a
//   vessel at 30 HU next to a window [-1000, -600] pushes back at 630 while the lung (-850) pulls
//   at 150. The time step is set by the fastest voxel of the front, so every vessel the front
//   touches slows the whole front four times, and curvature-scaling (a weight against a speed in
//   HU) means nothing. The stage hands ITK a feature image whose speed is that distance over an
//   eighth of the window width, clamped to [-1, 1].
// - Stopping. ITK stops once the RMS change of the front falls below a bound; the front around
//   every vessel it has passed is still, so the RMS is diluted and the evolution stopped while the
//   rest of the front was still moving (on a lung with vessels, at once). The stage stops when
//   the region has not grown or shrunk by more than 0.05% over 20 iterations, or after `iterations`.
//
// Where (implementation: fast) it runs on a box, not the whole image: the bounding box of the
// in-window voxels 26-connected to the seed balls, widened by kMargin voxels. After every iteration
// every layer of ITK's sparse field must keep kGuard voxels from the box's inner faces (a layer
// moves at most a voxel an iteration, and its updates read one voxel around it), so until then
// nothing the front touched differs from a run on the whole image (the speed is per voxel, the
// curvature local). A front that comes closer is run again on the whole image: the same voxels
// either way. There the layers are also updated after each iteration on buffer offsets, not through
// ITK's neighbourhood iterators (sparse_field_update.h: the same steps; with its prefetching the
// stage's step is 3.2 times faster on a CT).
//
// Cancelling. ITK checks for a cancel once an iteration, but before the first it makes the speed
// image, the zero crossings, the status image, the active layer and the background, each a pass
// over the whole image (about 2 s apiece on a CT, uncancellable). The stage makes the speed image
// itself, aborts ITK's zero-crossing filter, and does the other passes as ITK does, checking per
// slice; only where the seeds' surface comes within the sparse field's width of the image's faces
// (where ITK turns on its private bounds checking) does it leave the initialisation to ITK.
#include <itkExtractImageFilter.h>
#include <itkMultiThreaderBase.h>
#include <itkShiftScaleImageFilter.h>
#include <itkZeroCrossingImageFilter.h>

#include <algorithm>
#include <cmath>
#include <atomic>
#include <functional>
#include <cstdlib>
#include <deque>
#include <limits>
#include <string>
#include <vector>

#include "itk_stage_support.h"
#include "medpipe/core/abort_watch.h"
#include "intensity_window.h"
#include "medpipe/filters/stage.h"
#include "sparse_field_update.h"

namespace medpipe {
namespace {

// work(i) for i in [0, count) on ITK's thread pool; the whole-volume passes of this stage ran on one
// core before ITK's level set took over (and counting the region every 20 iterations).
void inParallel(size_t count, const std::function<void(size_t)>& work) {
  itk::MultiThreaderBase::New()->ParallelizeArray(
      0, count, [&](itk::SizeValueType i) { work(size_t(i)); }, nullptr);
}

// work(begin, end) over [0, n) in chunks of about a million.
void inChunks(size_t n, const std::function<void(size_t, size_t)>& work) {
  constexpr size_t kChunk = 1 << 20;
  inParallel((n + kChunk - 1) / kChunk, [&](size_t c) { work(c * kChunk, std::min(n, (c + 1) * kChunk)); });
}

// Signed distance (mm) to the union of balls around the seeds: negative inside, as ITK's level
// sets expect. Only within a few voxels of the balls' surface do the values count (the zero
// crossings and the first layers are made from them); farther out only their sign does, so outside
// the balls' index box, widened by kBallMargin voxels, every voxel gets kFarOutside.
constexpr long kBallMargin = 3;
constexpr float kFarOutside = 1e6f;  // mm
ImageF::Pointer seedSpheres(const ImageF& image, const std::vector<ImageF::IndexType>& seeds, double radius,
                            const Progress& progress, const std::string& stage) {
  std::vector<ImageF::PointType> centres(seeds.size());
  for (size_t i = 0; i < seeds.size(); ++i) image.TransformIndexToPhysicalPoint(seeds[i], centres[i]);
  auto phi = ImageF::New();
  phi->CopyInformation(&image);
  phi->SetRegions(image.GetLargestPossibleRegion());
  phi->Allocate();
  const auto region = phi->GetLargestPossibleRegion();
  const auto size = region.GetSize();
  long lo[3], hi[3];  // the balls' index box (relative to the region), widened
  for (unsigned d = 0; d < 3; ++d) {
    const long reach = long(std::ceil(radius / image.GetSpacing()[d])) + kBallMargin;
    lo[d] = long(size[d]), hi[d] = -1;
    for (const auto& seed : seeds) {
      const long at = long(seed[d] - region.GetIndex(d));
      lo[d] = std::min(lo[d], std::max(0L, at - reach)), hi[d] = std::max(hi[d], std::min(long(size[d]) - 1, at + reach));
    }
  }
  float* out = phi->GetBufferPointer();
  // Slice by slice on all threads (seconds on one core for a CT), checking for a cancel per slice.
  inParallel(size[2], [&](size_t z) {
    if (progress.cancelled()) throw Error("", stage, "cancelled");
    float* slice = out + z * size[0] * size[1];
    const bool inZ = long(z) >= lo[2] && long(z) <= hi[2];
    ImageF::IndexType index = region.GetIndex();
    index[2] += itk::IndexValueType(z);
    ImageF::PointType point;
    for (size_t y = 0; y < size[1]; ++y)
      for (size_t x = 0; x < size[0]; ++x) {
        if (!inZ || long(y) < lo[1] || long(y) > hi[1] || long(x) < lo[0] || long(x) > hi[0]) {
          slice[y * size[0] + x] = kFarOutside;
          continue;
        }
        index[0] = region.GetIndex(0) + itk::IndexValueType(x), index[1] = region.GetIndex(1) + itk::IndexValueType(y);
        phi->TransformIndexToPhysicalPoint(index, point);
        double nearest = kUnbounded;
        for (const auto& centre : centres) nearest = std::min(nearest, point.EuclideanDistanceTo(centre));
        slice[y * size[0] + x] = static_cast<float>(nearest - radius);
      }
  });
  return phi;
}

// The speed ITK's threshold function makes, with thresholds [-1, 1], of the feature value
// f = s - 1, where s is the HU distance to the nearer bound over an eighth of the window's width,
// within [-1, 1]: s again, computed as ITK does (f - lower below the middle, upper - f above), on
// all threads and checking for a cancel. `function` takes its geometry from `image`.
void fillSpeedImage(itk::SegmentationLevelSetFunction<ImageF, ImageF>& function, const ImageF& image, double lower,
                    double upper, const Progress& progress, const std::string& stage) {
  function.AllocateSpeedImage();
  const double ramp = std::max((upper - lower) / 8, 1e-6);
  const float* from = image.GetBufferPointer();
  float* speed = function.GetSpeedImage()->GetBufferPointer();
  inChunks(image.GetBufferedRegion().GetNumberOfPixels(), [&](size_t begin, size_t end) {
    if (progress.cancelled()) throw Error("", stage, "cancelled");
    for (size_t i = begin; i < end; ++i) {
      const double distance = std::min(from[i] - lower, upper - from[i]);
      const auto f = static_cast<float>(std::clamp(distance / ramp, -1.0, 1.0) - 1.0);
      speed[i] = f < 0.0f ? f - -1.0f : 1.0f - f;
    }
  });
}

constexpr long kMargin = 12;  // voxels between the reachable voxels and the box's faces
constexpr long kGuard = 3;    // voxels every sparse-field layer keeps from the box's inner faces

// The bounding box of the voxels in [lower, upper] 26-connected to the seed balls (the balls
// included), widened by kMargin and clipped to the image.
ImageF::RegionType reachableBox(const ImageF& image, const ImageF& phi, double lower, double upper,
                                const Progress& progress, const std::string& stage) {
  const auto region = image.GetLargestPossibleRegion();
  const auto size = region.GetSize();
  const long nx = long(size[0]), ny = long(size[1]), nz = long(size[2]);
  const float* v = image.GetBufferPointer();
  const float* seedsPhi = phi.GetBufferPointer();
  std::vector<std::uint8_t> seen(region.GetNumberOfPixels(), 0);
  std::deque<long> queue;
  for (long i = 0; i < long(seen.size()); ++i)
    if (seedsPhi[i] <= 0) seen[i] = 1, queue.push_back(i);
  long lo[3] = {nx, ny, nz}, hi[3] = {-1, -1, -1};
  for (size_t visited = 0; !queue.empty(); ++visited) {
    if (visited % (1 << 20) == 0 && progress.cancelled()) throw Error("", stage, "cancelled");
    const long i = queue.front();
    queue.pop_front();
    const long x = i % nx, y = (i / nx) % ny, z = i / (nx * ny);
    const long at[3] = {x, y, z};
    for (int d = 0; d < 3; ++d) lo[d] = std::min(lo[d], at[d]), hi[d] = std::max(hi[d], at[d]);
    for (long dz = -1; dz <= 1; ++dz)
      for (long dy = -1; dy <= 1; ++dy)
        for (long dx = -1; dx <= 1; ++dx) {
          const long X = x + dx, Y = y + dy, Z = z + dz;
          if (X < 0 || Y < 0 || Z < 0 || X >= nx || Y >= ny || Z >= nz) continue;
          const long j = (Z * ny + Y) * nx + X;
          if (seen[j] || v[j] < lower || v[j] > upper) continue;
          seen[j] = 1;
          queue.push_back(j);
        }
  }
  ImageF::RegionType box;
  for (unsigned d = 0; d < 3; ++d) {
    const long n = long(size[d]);
    const long first = std::max(0L, lo[d] - kMargin), last = std::min(n - 1, hi[d] + kMargin);
    box.SetIndex(d, region.GetIndex(d) + first);
    box.SetSize(d, itk::SizeValueType(last - first + 1));
  }
  return box;
}

ImageF::Pointer extracted(const ImageF::Pointer& image, const ImageF::RegionType& box) {
  auto extract = itk::ExtractImageFilter<ImageF, ImageF>::New();
  extract->SetInput(image);
  extract->SetExtractionRegion(box);
  extract->SetDirectionCollapseToIdentity();
  extract->Update();
  ImageF::Pointer out = extract->GetOutput();
  out->DisconnectPipeline();
  out->SetDirection(image->GetDirection());
  return out;
}

// The threshold level set that stops once its region has settled (see the top of the file).
class SettlingLevelSet : public SparseFieldUpdate {
 public:
  using Self = SettlingLevelSet;
  using Superclass = SparseFieldUpdate;
  using Pointer = itk::SmartPointer<Self>;
  itkNewMacro(Self)

  static constexpr unsigned kWindow = 20;  // iterations between two looks at the region

  // The faces of the image's box that are not the whole image's: the region must keep kGuard voxels
  // from them (see the top of the file).
  void guardFaces(const ImageF::RegionType& box, const ImageF::RegionType& whole) {
    for (unsigned d = 0; d < 3; ++d) {
      low_[d] = box.GetIndex(d) > whole.GetIndex(d) ? box.GetIndex(d) + kGuard : std::numeric_limits<long>::min();
      high_[d] = box.GetUpperIndex()[d] < whole.GetUpperIndex()[d] ? box.GetUpperIndex()[d] - kGuard
                                                                      : std::numeric_limits<long>::max();
    }
  }
  bool escaped() const { return escaped_; }
  void checkCancelsOf(const Progress& progress) { progress_ = &progress; }
  // Whether ApplyUpdate may be medpipe's (sparse_field_update.h) where this class built the layers.
  void updateWithOffsets(bool offsets) { offsets_ = offsets; }

 protected:
  // ITK's, with its zero-crossing filter aborted on a cancel.
  void CopyInputToOutput() override {
    auto shift = itk::ShiftScaleImageFilter<ImageF, ImageF>::New();
    shift->SetInput(this->GetInput());
    shift->SetShift(-this->m_IsoSurfaceValue);
    this->m_ShiftedImage = shift->GetOutput();
    auto zeroCrossings = itk::ZeroCrossingImageFilter<ImageF, ImageF>::New();
    zeroCrossings->SetInput(this->m_ShiftedImage);
    zeroCrossings->GraftOutput(this->GetOutput());
    zeroCrossings->SetBackgroundValue(this->m_ValueOne);
    zeroCrossings->SetForegroundValue(this->m_ValueZero);
    {
      AbortWatch watchShift(*shift, *progress_), watchZeroCrossings(*zeroCrossings, *progress_);
      zeroCrossings->Update();
    }
    this->GraftOutput(zeroCrossings->GetOutput());
  }

  // ITK's, checking for a cancel per slice (see the top of the file).
  void Initialize() override {
    ImageF* out = this->GetOutput();
    const auto region = out->GetRequestedRegion();
    useOwnUpdate(false);
    if (region != out->GetBufferedRegion()) return Superclass::Initialize();
    this->m_InputImage = this->GetInput();
    this->m_OutputImage = out;
    this->m_ConstantGradientValue = 1.0;
    if (this->GetUseImageSpacing()) {
      const auto spacing = this->GetInput()->GetSpacing();
      this->m_ConstantGradientValue = *std::min_element(spacing.Begin(), spacing.End());
    }
    this->m_StatusImage = StatusImageType::New();
    this->m_StatusImage->SetRegions(region);
    this->m_StatusImage->Allocate();
    markFaces();
    for (auto& layer : this->m_Layers)
      while (!layer->Empty()) {
        this->m_LayerNodeStore->Return(layer->Front());
        layer->PopFront();
      }
    this->m_Layers.clear();
    while (this->m_Layers.size() < 2 * this->m_NumberOfLayers + 1) this->m_Layers.push_back(LayerType::New());
    if (!constructActiveLayer()) return Superclass::Initialize();
    useOwnUpdate(offsets_);  // no node on a face: the faces carry the boundary status
    for (unsigned i = 1; i < this->m_Layers.size() - 2; ++i) this->ConstructLayer(i, i + 2);
    this->InitializeActiveLayerValues();
    this->PropagateAllLayerValues();
    this->InitializeBackgroundPixels();
  }

  // ITK's, checking for a cancel per slice.
  void InitializeBackgroundPixels() override {
    const auto maxLayer = static_cast<ValueType>(this->m_NumberOfLayers);
    const ValueType outside = (maxLayer + 1) * this->m_ConstantGradientValue;
    const ValueType inside = -(maxLayer + 1) * this->m_ConstantGradientValue;
    const auto size = this->GetOutput()->GetBufferedRegion().GetSize();
    const size_t slice = size[0] * size[1];
    const StatusType* status = this->m_StatusImage->GetBufferPointer();
    const float* shifted = this->m_ShiftedImage->GetBufferPointer();
    float* out = this->GetOutput()->GetBufferPointer();
    for (size_t z = 0; z < size[2]; ++z) {
      checkCancel();
      for (size_t i = z * slice; i < (z + 1) * slice; ++i)
        if (status[i] == this->m_StatusNull || status[i] == this->m_StatusBoundaryPixel)
          out[i] = shifted[i] > this->m_ValueZero ? outside : inside;
    }
  }

  bool Halt() override {
    if (nearAGuardedFace()) {
      escaped_ = true;
      return true;
    }
    if (Superclass::Halt()) return true;  // progress, and the iteration budget (the RMS bound is off)
    const auto iteration = this->GetElapsedIterations();
    if (iteration == 0 || iteration % kWindow != 0) return false;
    const ImageF& phi = *this->GetOutput();
    const float* v = phi.GetBufferPointer();
    const size_t n = phi.GetBufferedRegion().GetNumberOfPixels();
    std::atomic<long> inside{0};
    inChunks(n, [&](size_t begin, size_t end) {
      inside += long(std::count_if(v + begin, v + end, [](float x) { return x <= 0; }));
    });
    const long count = inside;
    const bool settled = previous_ >= 0 && std::labs(count - previous_) <= std::max(2L, count / 2000);
    previous_ = count;
    return settled;
  }

 private:
  void checkCancel() const {
    if (progress_->cancelled()) throw itk::ProcessAborted(__FILE__, __LINE__);
  }

  // The status image as ITK's Initialize leaves it before the layers: null inside, the boundary
  // value on the outermost voxels (the faces of a one-voxel neighbourhood).
  void markFaces() {
    const auto size = this->m_StatusImage->GetBufferedRegion().GetSize();
    StatusType* status = this->m_StatusImage->GetBufferPointer();
    for (size_t z = 0; z < size[2]; ++z) {
      checkCancel();
      for (size_t y = 0; y < size[1]; ++y)
        for (size_t x = 0; x < size[0]; ++x) {
          const bool face = x == 0 || y == 0 || z == 0 || x + 1 == size[0] || y + 1 == size[1] || z + 1 == size[2];
          *status++ = face ? this->m_StatusBoundaryPixel : this->m_StatusNull;
        }
    }
  }

  // ITK's ConstructActiveLayer: the zero crossings in raster order, each with its city-block
  // neighbours off the crossings as the first inside (negative) or outside layer. False once a
  // crossing lies within the sparse field's width of a face, where ITK would check bounds.
  bool constructActiveLayer() {
    const auto region = this->m_OutputImage->GetBufferedRegion();
    const auto size = region.GetSize();
    const long nx = long(size[0]), ny = long(size[1]), nz = long(size[2]);
    const long width = long(this->m_NumberOfLayers);
    const float* out = this->m_OutputImage->GetBufferPointer();
    const float* shifted = this->m_ShiftedImage->GetBufferPointer();
    StatusType* status = this->m_StatusImage->GetBufferPointer();
    const std::vector<long>& steps = neighbourSteps();
    const auto nearFace = [width](long at, long n) { return at + width >= n - 1 || at - width <= 0; };
    for (long z = 0, i = 0; z < nz; ++z) {
      checkCancel();
      for (long y = 0; y < ny; ++y)
        for (long x = 0; x < nx; ++x, ++i) {
          if (out[i] != this->m_ValueZero) continue;
          if (nearFace(x, nx) || nearFace(y, ny) || nearFace(z, nz)) return false;
          ImageF::IndexType centre = region.GetIndex();
          centre[0] += x, centre[1] += y, centre[2] += z;
          auto* node = this->m_LayerNodeStore->Borrow();
          node->m_Value = centre;
          this->m_Layers[0]->PushFront(node);
          status[i] = 0;
          for (unsigned k = 0; k < steps.size(); ++k) {
            const long j = i + steps[k];
            if (out[j] == this->m_ValueZero) continue;
            const StatusType layer = shifted[j] < this->m_ValueZero ? 1 : 2;
            status[j] = layer;
            node = this->m_LayerNodeStore->Borrow();
            node->m_Value = centre + this->m_NeighborList.GetNeighborhoodOffset(k);
            this->m_Layers[layer]->PushFront(node);
          }
        }
    }
    return true;
  }

  // Whether a node of a sparse-field layer may lie within kGuard voxels of a guarded face: an active
  // node within kGuard + the number of layers (each layer's nodes neighbour the next layer's in).
  // Only the active layer is walked: walking all seven took an eighth of the stage's time.
  bool nearAGuardedFace() const {
    const long layers = long(this->m_NumberOfLayers);
    const auto& active = *this->m_Layers[0];
    for (auto node = active.Begin(); node != active.End(); ++node)
      for (unsigned d = 0; d < 3; ++d)
        if (node->m_Value[d] - layers < low_[d] || node->m_Value[d] + layers > high_[d]) return true;
    return false;
  }

  const Progress* progress_ = nullptr;
  long previous_ = -1;
  long low_[3] = {std::numeric_limits<long>::min(), std::numeric_limits<long>::min(), std::numeric_limits<long>::min()};
  long high_[3] = {std::numeric_limits<long>::max(), std::numeric_limits<long>::max(), std::numeric_limits<long>::max()};
  bool escaped_ = false;
  bool offsets_ = false;
};

class ThresholdLevelSetStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "threshold-level-set", StageCategory::Segment,
        "Grows a smooth surface from seeds through voxels in [lower, upper] (level set)",
        {{"image", DataKind::Image, "image to segment"}}, DataKind::Labels,
        {ParameterSpec::points("seeds",
                               "start points, mm (LPS) or voxel:i,j,k; the surface starts as balls around them"),
         ParameterSpec::number("seed-radius", 5, 0.1, 1000, "mm", "radius of the starting ball around each seed"),
         windowBound("lower", -950, "lowest value the surface grows through"),
         windowBound("upper", -400, "highest value the surface grows through"),
         ParameterSpec::number("curvature-scaling", 0.2, 0, 1000, "",
                               "weight of smoothness against growth (speed 1 inside the window, -1 outside, eased "
                               "over an eighth of its width): the surface does not pass gaps narrower than about "
                               "4 x this in mm, so higher gives rounder, less leaky surfaces that may stop short"),
         ParameterSpec::integer("iterations", 1000, 1, 100000,
                                "most level-set iterations (the front moves up to 1/6 voxel per iteration); it stops "
                                "earlier once the region changes by less than 0.05% over 20 iterations"),
         ParameterSpec::choice("implementation", "fast", {"fast", "itk"},
                               "fast: ITK's level set on the box the front can reach (the in-window voxels "
                               "connected to the seeds, widened by 12 voxels), run again on the whole image if the "
                               "front comes within 3 voxels of the box, its layers updated on buffer offsets instead "
                               "of ITK's neighbourhood iterators: the same voxels as itk; itk: ITK's level set on "
                               "the whole image")},
        "lung:\n  stage: threshold-level-set\n  input: ct\n  seeds: [[-38, -2, 0]]\n  lower: -950\n  upper: -400\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const auto [lower, upper] = checkedWindow(spec().name, p);
    const ImageF::Pointer& image = in.at("image").image;
    const auto seeds = seedIndices(p.points("seeds"), *image, spec().name + ".seeds");

    const ImageF::Pointer seedPhi = seedSpheres(*image, seeds, p.number("seed-radius"), progress, spec().name);
    const auto whole = image->GetLargestPossibleRegion();
    ImageF::RegionType box = whole;
    if (p.choice("implementation") == "fast") box = reachableBox(*image, *seedPhi, lower, upper, progress, spec().name);
    ImageF::Pointer phi = levelSet(box == whole ? image : extracted(image, box),
                                   box == whole ? seedPhi : extracted(seedPhi, box), box, whole, lower, upper, p, progress);
    if (!phi) phi = levelSet(image, seedPhi, whole, whole, lower, upper, p, progress);  // it came near the box
    auto labels = LabelImage::New();
    labels->CopyInformation(image);
    labels->SetRegions(whole);
    labels->Allocate(true);
    const auto boxSize = phi->GetLargestPossibleRegion().GetSize();
    const auto wholeSize = whole.GetSize();
    const float* from = phi->GetBufferPointer();
    std::uint8_t* to = labels->GetBufferPointer();
    const size_t x0 = size_t(box.GetIndex(0) - whole.GetIndex(0)), y0 = size_t(box.GetIndex(1) - whole.GetIndex(1)),
                 z0 = size_t(box.GetIndex(2) - whole.GetIndex(2));
    inParallel(boxSize[2], [&](size_t z) {
      for (size_t y = 0; y < boxSize[1]; ++y) {
        const float* row = from + (z * boxSize[1] + y) * boxSize[0];
        std::uint8_t* out = to + ((z0 + z) * wholeSize[1] + y0 + y) * wholeSize[0] + x0;
        for (size_t x = 0; x < boxSize[0]; ++x) out[x] = row[x] <= 0 ? 1 : 0;  // ITK's level sets are negative inside
      }
    });
    return {nullptr, labels, nullptr};
  }

 private:
  // ITK's level set on `image` (the box `box` of the whole image) from `seedPhi`; null if the region
  // came near one of the box's inner faces.
  ImageF::Pointer levelSet(const ImageF::Pointer& image, const ImageF::Pointer& seedPhi, const ImageF::RegionType& box,
                           const ImageF::RegionType& whole, double lower, double upper, const ParameterValues& p,
                           const Progress& progress) const {
    auto filter = SettlingLevelSet::New();
    filter->guardFaces(box, whole);
    filter->checkCancelsOf(progress);
    filter->updateWithOffsets(p.choice("implementation") == "fast");
    filter->SetInput(seedPhi);
    filter->SetFeatureImage(image);  // only its geometry: the speed image is made here
    filter->SetAutoGenerateSpeedAdvection(false);
    fillSpeedImage(*filter->GetSegmentationFunction(), *image, lower, upper, progress, spec().name);
    filter->SetLowerThreshold(-1);
    filter->SetUpperThreshold(1);
    filter->SetPropagationScaling(1.0);
    filter->SetCurvatureScaling(static_cast<float>(p.number("curvature-scaling")));
    filter->SetNumberOfIterations(static_cast<unsigned>(p.integer("iterations")));
    filter->SetMaximumRMSError(0);  // SettlingLevelSet decides when to stop
    filter->SetIsoSurfaceValue(0);
    ImageF::Pointer phi = runFilter(*filter, progress, spec().name);
    return filter->escaped() ? nullptr : phi;
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(threshold_level_set, medpipe::ThresholdLevelSetStage)
