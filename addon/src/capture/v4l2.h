// V4L2 capture backend (USB UVC cameras, CSI sensors the kernel exposes as V4L2): mmap streaming.
#pragma once

#include <napi.h>

#include <memory>
#include <string>

#include "backend.h"

namespace vtlink {

// Open `path` with exactly the format the caller negotiated (src/capture/v4l2-negotiate.ts picks
// it from the enumerated list): options { fourcc: 'YUYV'|'NV12'|'MJPG', width, height,
// intervalNumerator?, intervalDenominator? }. `bufferCount` mmap buffers are requested.
// YUYV and NV12 frames are the driver's buffers themselves; MJPEG is decoded to RGB.
std::unique_ptr<CaptureBackend> CreateV4l2Backend(const std::string& path, const Napi::Object& options, int bufferCount,
                                                  OpenError* failure);

// listV4l2Devices(): every /dev/video* node that can capture, with formats, sizes and intervals.
Napi::Value ListV4l2Devices(const Napi::CallbackInfo& info);

}  // namespace vtlink
