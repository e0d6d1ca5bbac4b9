#pragma once
// Whole volumes are hundreds of MB: filled through 4 KiB pages that is a page fault (and a page
// cleared) per 4 KiB. Debian's kernel gives transparent huge pages only on request (madvise
// mode); requesting them for a fresh buffer cuts those faults 512-fold.
#include <cstddef>

namespace medpipe {

// Asks for huge pages for [data, data + bytes) before it is first written. A hint: ignored on
// small buffers, on kernels without THP, and where the request fails.
void adviseHugePages(void* data, size_t bytes);

// Allocates an ITK image's buffer (uninitialised) and advises huge pages for it.
template <typename TImage>
void allocateLarge(TImage& image) {
  image.Allocate();
  adviseHugePages(image.GetBufferPointer(), image.GetPixelContainer()->Size() * sizeof(typename TImage::PixelType));
}

}  // namespace medpipe
