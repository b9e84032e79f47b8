// The UI's camera preview: a camera frame (any PixelFormat, with strides) box-filtered down to at most
// maxWidth pixels wide, colour-converted to RGB, and JPEG-encoded with libjpeg-turbo off the JS thread.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/preprocess.h"

namespace vtlink {

// The options of one preview encode (sharp's pattern: a plain struct per operation, filled on the JS
// thread, read by the worker).
struct PreviewJpegOptions {
  PixelFormat format = PixelFormat::Rgb;
  int width = 0;  // of the source frame
  int height = 0;
  int maxWidth = 0;
  int quality = 75;  // 1..100
  // The frame's planes, copied with tight rows (plane 0, then NV12's UV plane): owned by the job, never
  // a view of a JS buffer.
  std::vector<uint8_t> pixels;
  int stride0 = 0;
  int stride1 = 0;
};

// Output size of the downscale: at most maxWidth wide (never enlarged), aspect kept, at least 1x1.
void PreviewSize(int width, int height, int maxWidth, int* outWidth, int* outHeight);

// Box filter (each output pixel averages its whole cell) + BT.601 limited-range conversion for YUYV /
// NV12 (chroma averaged with luma, converted once per output pixel). rgb holds outW * outH * 3 bytes.
void DownscaleToRgb(const FrameView& frame, int outWidth, int outHeight, uint8_t* rgb);

// JPEG bytes of packed RGB; false with *error set on a libjpeg failure.
bool EncodeRgbJpeg(const uint8_t* rgb, int width, int height, int quality, std::vector<uint8_t>* out, std::string* error);

// Exports encodePreviewJpeg(data, format, width, height, offset0, stride0, offset1, stride1, maxWidth,
// quality) -> Promise<Buffer>.
void InitPreviewJpeg(Napi::Env env, Napi::Object exports);

}  // namespace vtlink
