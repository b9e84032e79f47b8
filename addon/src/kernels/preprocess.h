// The fused preprocess: camera frame -> rotated-ROI bilinear warp -> RGB -> mirror -> normalise ->
// float32 NHWC, in one pass, into a buffer the caller owns (the ONNX Runtime input tensor).
//
// Semantics match src/vision/warp.ts exactly: output pixel (i, j) of an N x N crop samples the ROI's
// normalised point u = (i + 0.5) / N, v = (j + 0.5) / N (mirrored: u -> 1 - u), mapped to the image
// (origin at the top-left corner of the top-left pixel, pixel centres at +0.5) and sampled bilinearly
// between pixel centres. Border 'zero' reads outside pixels as RGB black; 'clamp' replicates the edge.
//
// Colour: YUYV and NV12 are BT.601 limited range (what UVC cameras send and what ffmpeg assumes for
// untagged SD/webcam video when it converts to rgb24):
//   R = 1.164383 (Y - 16)                      + 1.596027 (V - 128)
//   G = 1.164383 (Y - 16) - 0.391762 (U - 128) - 0.812968 (V - 128)
//   B = 1.164383 (Y - 16) + 2.017232 (U - 128)
// Chroma is replicated over its 2 (YUYV) or 2x2 (NV12) pixels, as ffmpeg's unscaled converter does.
// Y - 16, U - 128, V - 128 are interpolated first and converted once per output pixel, then clamped
// to 0..255 (conversion is linear, so this equals converting each neighbour first, except where a
// neighbour falls outside the RGB gamut). Outside pixels in 'zero' mode contribute RGB 0.
#pragma once

#include <cstdint>

#include "kernels/simd_level.h"
#include "pixel_format.h"

namespace vtlink {

enum class Border { Zero, Clamp };

// A camera frame in memory. plane1 is NV12's interleaved UV plane (null otherwise).
struct FrameView {
  PixelFormat format;
  int width;
  int height;
  const uint8_t* plane0;
  int stride0;
  const uint8_t* plane1;
  int stride1;
};

struct PreprocessParams {
  double centerX;
  double centerY;
  double size;
  double angle;
  int outSize;
  float scale;
  float offset;
  bool mirror;
  Border border;
};

// Each writes outSize * outSize * 3 floats to out. Callers check sizes (kernels_napi.cc).
void PreprocessScalar(const FrameView& frame, const PreprocessParams& p, float* out);
void PreprocessSse41(const FrameView& frame, const PreprocessParams& p, float* out);
void PreprocessAvx2(const FrameView& frame, const PreprocessParams& p, float* out);
void PreprocessAvx512(const FrameView& frame, const PreprocessParams& p, float* out);
void PreprocessNeon(const FrameView& frame, const PreprocessParams& p, float* out);

// Runs the given level (which must be supported: SimdLevelSupported).
void Preprocess(SimdLevel level, const FrameView& frame, const PreprocessParams& p, float* out);

}  // namespace vtlink
