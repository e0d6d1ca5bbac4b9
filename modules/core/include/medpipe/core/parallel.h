#pragma once
// Splitting independent work over threads, for loops that are not ITK filters (reading slices,
// compressing blocks). Filters use ITK's own pool.
#include <cstddef>
#include <functional>

namespace medpipe {

// ITK's global default thread count: what `run -j` divides among parallel units.
unsigned workerThreadCount();

// Calls work(begin, end) on `threads` contiguous parts of [0, count), in parallel, and waits for
// all. If parts throw, the exception of the lowest part is rethrown: it is also the one a
// sequential loop would have met first, so errors do not depend on the thread count.
void forEachPart(size_t count, unsigned threads, const std::function<void(size_t begin, size_t end)>& work);

}  // namespace medpipe
