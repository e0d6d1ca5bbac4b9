#pragma once
// ITK's threshold-segmentation level set with its ApplyUpdate (the bookkeeping after each
// iteration: the active layer's new values, the moves between layers, the outer layers' values)
// done on offsets into the level-set and status buffers instead of through neighbourhood iterators,
// whose SetLocation recomputes 27 pointers per node visit (over half the stage's time on a CT).
// The same steps in the same order as ITK's (itkSparseFieldLevelSetImageFilter.hxx), so the same
// lists and the same values.
//
// Valid only while no node lies on the image's faces, where a neighbour's offset would leave the
// buffer: a subclass that builds the layers itself, after marking the faces with the boundary
// status that no layer ever takes, calls useOwnUpdate(); otherwise ITK's ApplyUpdate runs.
#include <itkThresholdSegmentationLevelSetImageFilter.h>

#include <cmath>
#include <vector>

#include "medpipe/core/image.h"

namespace medpipe {

class SparseFieldUpdate : public itk::ThresholdSegmentationLevelSetImageFilter<ImageF, ImageF, float> {
 public:
  using Superclass = itk::ThresholdSegmentationLevelSetImageFilter<ImageF, ImageF, float>;

 protected:
  // The buffer offsets of m_NeighborList's city-block neighbours, in its order, on the output's
  // buffer.
  const std::vector<long>& neighbourSteps() {
    takeGeometry();
    return steps_;
  }
  void useOwnUpdate(bool own) {
    if (own) takeGeometry();
    own_ = own;
  }

  void ApplyUpdate(const TimeStepType& dt) override {
    if (!own_) return Superclass::ApplyUpdate(dt);
    phi_ = this->GetOutput()->GetBufferPointer();
    status_ = this->m_StatusImage->GetBufferPointer();
    LayerPointerType up[2] = {LayerType::New(), LayerType::New()};
    LayerPointerType down[2] = {LayerType::New(), LayerType::New()};
    updateActiveLayer(dt, up[0], down[0]);
    processStatusList(up[0], up[1], 2, 1);
    processStatusList(down[0], down[1], 1, 2);
    StatusType upTo = 0, downTo = 0, upSearch = 3, downSearch = 4;
    unsigned j = 1, k = 0;
    while (downSearch < static_cast<StatusType>(this->m_Layers.size())) {
      processStatusList(up[j], up[k], upTo, upSearch);
      processStatusList(down[j], down[k], downTo, downSearch);
      upTo += upTo == 0 ? 1 : 2;
      downTo += 2;
      upSearch += 2;
      downSearch += 2;
      std::swap(j, k);
    }
    processStatusList(up[j], up[k], upTo, this->m_StatusNull);
    processStatusList(down[j], down[k], downTo, this->m_StatusNull);
    processOutsideList(up[k], static_cast<StatusType>(this->m_Layers.size() - 2));
    processOutsideList(down[k], static_cast<StatusType>(this->m_Layers.size() - 1));
    propagateLayerValues(0, 1, 3, 1);
    propagateLayerValues(0, 2, 4, 2);
    for (unsigned i = 1; i < this->m_Layers.size() - 2; ++i)
      propagateLayerValues(StatusType(i), StatusType(i + 2), StatusType(i + 4), int(i + 2) % 2);
  }

 private:
  void takeGeometry() {
    const auto region = this->GetOutput()->GetBufferedRegion();
    nx_ = long(region.GetSize(0)), ny_ = long(region.GetSize(1));
    first_ = region.GetIndex();
    steps_.clear();
    for (unsigned k = 0; k < this->m_NeighborList.GetSize(); ++k) {
      const auto o = this->m_NeighborList.GetNeighborhoodOffset(k);
      steps_.push_back(o[0] + (o[1] + o[2] * ny_) * nx_);
    }
  }

  long at(const IndexType& index) const {
    return (index[0] - first_[0]) + ((index[1] - first_[1]) + (index[2] - first_[2]) * ny_) * nx_;
  }

  // The layers are linked lists whose nodes, after some iterations, lie anywhere in memory, each
  // pointing at voxels anywhere in the buffers: waiting for one miss after another was most of the
  // time. A second pointer kAhead nodes on prefetches the buffers around its voxel.
  static constexpr int kAhead = 8;
  LayerNodeType* ahead(LayerType& layer) const {
    LayerNodeType* node = layer.Begin().GetPointer();
    for (int k = 0; k < kAhead && node != layer.End().GetPointer(); ++k) node = node->Next;
    return node;
  }
  void prefetchAround(LayerNodeType*& node, const LayerType& layer) const {
    if (node == layer.End().GetPointer()) return;
    const long i = at(node->m_Value), plane = nx_ * ny_;
    __builtin_prefetch(phi_ + i, 1);
    for (long j : {i, i - nx_, i + nx_, i - plane, i + plane}) __builtin_prefetch(status_ + j, 1);
    node = node->Next;
  }

  // ITK's UpdateActiveLayerValues.
  void updateActiveLayer(TimeStepType dt, LayerType* upList, LayerType* downList) {
    const ValueType lowerActive = -(this->m_ConstantGradientValue / 2.0);
    const ValueType upperActive = this->m_ConstantGradientValue / 2.0;
    ValueType rms = this->m_ValueZero;
    unsigned counter = 0;
    auto layerIt = this->m_Layers[0]->Begin();
    auto updateIt = this->m_UpdateBuffer.cbegin();
    LayerNodeType* next = ahead(*this->m_Layers[0]);
    while (layerIt != this->m_Layers[0]->End()) {
      prefetchAround(next, *this->m_Layers[0]);
      const long i = at(layerIt->m_Value);
      const ValueType value = this->CalculateUpdateValue(layerIt->m_Value, dt, phi_[i], *updateIt);
      const bool movesUp = value >= upperActive, movesDown = !movesUp && value < lowerActive;
      if (movesUp || movesDown) {
        // An active neighbour moving the other way keeps this node where it is (no holes).
        const StatusType opposite = movesUp ? this->m_StatusActiveChangingDown : this->m_StatusActiveChangingUp;
        bool blocked = false;
        for (long step : steps_) blocked = blocked || status_[i + step] == opposite;
        if (blocked) {
          ++layerIt, ++updateIt;
          continue;
        }
        rms += itk::Math::sqr(value - phi_[i]);
        const ValueType pulled = movesUp ? value - this->m_ConstantGradientValue : value + this->m_ConstantGradientValue;
        for (long step : steps_) {
          const long n = i + step;
          if (status_[n] != (movesUp ? 1 : 2)) continue;
          const bool outOfRange = movesUp ? phi_[n] < lowerActive : phi_[n] >= upperActive;
          if (outOfRange || itk::Math::abs(pulled) < itk::Math::abs(phi_[n])) phi_[n] = pulled;
        }
        auto* moving = this->m_LayerNodeStore->Borrow();  // a copy onto the up or down list; the node
        moving->m_Value = layerIt->m_Value;                // itself goes back to the store below
        (movesUp ? upList : downList)->PushFront(moving);
        status_[i] = movesUp ? this->m_StatusActiveChangingUp : this->m_StatusActiveChangingDown;
        LayerNodeType* released = layerIt.GetPointer();
        ++layerIt;
        this->m_Layers[0]->Unlink(released);
        this->m_LayerNodeStore->Return(released);
      } else {
        rms += itk::Math::sqr(value - phi_[i]);
        phi_[i] = value;
        ++layerIt;
      }
      ++updateIt, ++counter;
    }
    this->SetRMSChange(counter == 0 ? double(this->m_ValueZero)
                                    : double(std::sqrt(double(rms / static_cast<ValueType>(counter)))));
  }

  // ITK's ProcessStatusList: each input node into layer `changeTo`, its neighbours of status
  // `searchFor` (marked as changing) onto `output`.
  void processStatusList(LayerType* input, LayerType* output, StatusType changeTo, StatusType searchFor) {
    LayerNodeType* next = ahead(*input);
    while (!input->Empty()) {
      prefetchAround(next, *input);
      LayerNodeType* node = input->Front();
      const long i = at(node->m_Value);
      status_[i] = changeTo;
      input->PopFront();
      this->m_Layers[changeTo]->PushFront(node);
      for (unsigned k = 0; k < steps_.size(); ++k) {
        const long n = i + steps_[k];
        if (status_[n] != searchFor) continue;
        status_[n] = this->m_StatusChanging;
        auto* neighbour = this->m_LayerNodeStore->Borrow();
        neighbour->m_Value = node->m_Value + this->m_NeighborList.GetNeighborhoodOffset(k);
        output->PushFront(neighbour);
      }
    }
  }

  // ITK's ProcessOutsideList.
  void processOutsideList(LayerType* list, StatusType changeTo) {
    while (!list->Empty()) {
      LayerNodeType* node = list->Front();
      status_[at(node->m_Value)] = changeTo;
      list->PopFront();
      this->m_Layers[changeTo]->PushFront(node);
    }
  }

  // ITK's PropagateLayerValues: layer `to`'s values one gradient step beyond its nearest `from`
  // neighbour's; nodes without one move to `promote` (or leave the sparse field).
  void propagateLayerValues(StatusType from, StatusType to, StatusType promote, int inOrOut) {
    const ValueType delta = inOrOut == 1 ? -this->m_ConstantGradientValue : this->m_ConstantGradientValue;
    const auto pastEnd = static_cast<StatusType>(this->m_Layers.size() - 1);
    auto toIt = this->m_Layers[to]->Begin();
    LayerNodeType* next = ahead(*this->m_Layers[to]);
    while (toIt != this->m_Layers[to]->End()) {
      prefetchAround(next, *this->m_Layers[to]);
      const long i = at(toIt->m_Value);
      LayerNodeType* node = toIt.GetPointer();
      if (status_[i] != to) {  // marked for another layer
        ++toIt;
        this->m_Layers[to]->Unlink(node);
        this->m_LayerNodeStore->Return(node);
        continue;
      }
      ValueType value = this->m_ValueZero;
      bool found = false;
      for (long step : steps_) {
        if (status_[i + step] != from) continue;
        const ValueType neighbour = phi_[i + step];
        if (!found || (inOrOut == 1 ? neighbour > value : neighbour < value)) value = neighbour;
        found = true;
      }
      ++toIt;
      if (found) {
        phi_[i] = value + delta;
        continue;
      }
      this->m_Layers[to]->Unlink(node);
      if (promote > pastEnd) {
        this->m_LayerNodeStore->Return(node);
        status_[i] = this->m_StatusNull;
      } else {
        this->m_Layers[promote]->PushFront(node);
        status_[i] = promote;
      }
    }
  }

  bool own_ = false;
  long nx_ = 0, ny_ = 0;
  IndexType first_{};
  std::vector<long> steps_;
  ValueType* phi_ = nullptr;
  StatusType* status_ = nullptr;
};

}  // namespace medpipe
