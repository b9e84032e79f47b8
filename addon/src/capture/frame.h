// One captured frame as the backends hand it to the mailbox: plain data, no JS types.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "pixel_format.h"

namespace vtlink {


struct NativeFrame {
  // Start of the pixels (plane 0); points into the backend's own buffer (zero-copy).
  uint8_t* data = nullptr;
  size_t size = 0;
  int width = 0;
  int height = 0;
  PixelFormat format = PixelFormat::Rgb;
  // Plane 0 (and plane 1 for NV12: interleaved UV) byte offsets from `data` and row strides.
  int planes = 1;
  int strides[2] = {0, 0};
  size_t offsets[2] = {0, 0};
  // Presentation time in milliseconds (NaN when the source gave none).
  double timestampMs = 0;
  // 0-based count of frames the backend produced, dropped ones included: gaps show drops.
  uint64_t sequence = 0;
  // The backend's handle to give the buffer back (GstSample*, V4L2 buffer index, ...).
  uintptr_t handle = 0;
  // Non-empty for a frame that could not be decoded (corrupt MJPEG): no pixels, still a result.
  std::string error;
};

}  // namespace vtlink
