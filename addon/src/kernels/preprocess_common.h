// Pieces every preprocess level shares: the row geometry (identical to warp.ts) and the general
// per-pixel sampler with border handling, which the scalar reference uses for every pixel and the
// SIMD levels use outside their safe span. Everything here has internal linkage (anonymous
// namespace) on purpose: this header is compiled with different -m flags in different files, and
// shared inline symbols would let the linker pick an AVX2 copy for a CPU without AVX2.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/preprocess.h"

namespace vtlink {
namespace {

// BT.601 limited range -> RGB (see preprocess.h).
constexpr float kYScale = 1.164383f;
constexpr float kRFromV = 1.596027f;
constexpr float kGFromU = -0.391762f;
constexpr float kGFromV = -0.812968f;
constexpr float kBFromU = 2.017232f;

inline bool IsYuv(PixelFormat f) { return f == PixelFormat::Yuyv || f == PixelFormat::Nv12; }

// Geometry of the crop, the same expressions as warp.ts (in double), then float per sample:
// sample i of row j is at (rowX + i * colStepX, rowY + i * colStepY) in index space (centres at
// integers).
struct WarpGeometry {
  double cosA, sinA, step, size, baseX, baseY;
  float colStepX, colStepY;
  int n;
  WarpGeometry(const PreprocessParams& p) {
    n = p.outSize;
    cosA = std::cos(p.angle);
    sinA = std::sin(p.angle);
    size = p.size;
    step = p.size / n;
    const double dx0 = p.mirror ? (0.5 - 0.5 / n) * p.size : (0.5 / n - 0.5) * p.size;
    const double dxStep = p.mirror ? -step : step;
    colStepX = static_cast<float>(cosA * dxStep);
    colStepY = static_cast<float>(sinA * dxStep);
    baseX = p.centerX - 0.5 + cosA * dx0;
    baseY = p.centerY - 0.5 + sinA * dx0;
  }
  void Row(int j, float* rowX, float* rowY) const {
    const double dy = ((j + 0.5) / n - 0.5) * size;
    *rowX = static_cast<float>(baseX - sinA * dy);
    *rowY = static_cast<float>(baseY + cosA * dy);
  }
};

// The three values a format gives at integer pixel (x, y) inside the frame: R, G, B for RGB-like
// formats; Y - 16, U - 128, V - 128 for YUV (so that a zero contributes RGB black after conversion).
template <PixelFormat Fmt>
inline void FetchPixel(const FrameView& f, int x, int y, float* c) {
  switch (Fmt) {
    case PixelFormat::Rgb: {
      const uint8_t* p = f.plane0 + static_cast<ptrdiff_t>(y) * f.stride0 + x * 3;
      c[0] = p[0]; c[1] = p[1]; c[2] = p[2];
      return;
    }
    case PixelFormat::Bgr: {
      const uint8_t* p = f.plane0 + static_cast<ptrdiff_t>(y) * f.stride0 + x * 3;
      c[0] = p[2]; c[1] = p[1]; c[2] = p[0];
      return;
    }
    case PixelFormat::Rgba: {
      const uint8_t* p = f.plane0 + static_cast<ptrdiff_t>(y) * f.stride0 + x * 4;
      c[0] = p[0]; c[1] = p[1]; c[2] = p[2];
      return;
    }
    case PixelFormat::Yuyv: {
      const uint8_t* row = f.plane0 + static_cast<ptrdiff_t>(y) * f.stride0;
      const uint8_t* pair = row + (x & ~1) * 2;
      c[0] = static_cast<float>(row[x * 2]) - 16.f;
      c[1] = static_cast<float>(pair[1]) - 128.f;
      c[2] = static_cast<float>(pair[3]) - 128.f;
      return;
    }
    case PixelFormat::Nv12:
    default: {
      const uint8_t* yRow = f.plane0 + static_cast<ptrdiff_t>(y) * f.stride0;
      const uint8_t* uv = f.plane1 + static_cast<ptrdiff_t>(y >> 1) * f.stride1 + (x & ~1);
      c[0] = static_cast<float>(yRow[x]) - 16.f;
      c[1] = static_cast<float>(uv[0]) - 128.f;
      c[2] = static_cast<float>(uv[1]) - 128.f;
      return;
    }
  }
}

// Interpolated channel sums -> normalised output values.
inline void Finish(bool yuv, const float* acc, float scale, float offset, float* out) {
  if (!yuv) {
    out[0] = acc[0] * scale + offset;
    out[1] = acc[1] * scale + offset;
    out[2] = acc[2] * scale + offset;
    return;
  }
  const float y = acc[0] * kYScale;
  const float r = y + kRFromV * acc[2];
  const float g = y + kGFromU * acc[1] + kGFromV * acc[2];
  const float b = y + kBFromU * acc[1];
  out[0] = std::min(std::max(r, 0.f), 255.f) * scale + offset;
  out[1] = std::min(std::max(g, 0.f), 255.f) * scale + offset;
  out[2] = std::min(std::max(b, 0.f), 255.f) * scale + offset;
}

// One output pixel at sample position (sx, sy), any position, either border mode (warp.ts's
// general branch).
template <PixelFormat Fmt>
inline void SamplePixel(const FrameView& f, bool yuv, bool zeroBorder, float sx, float sy, float scale,
                        float offset, float* out) {
  const int maxX = f.width - 1;
  const int maxY = f.height - 1;
  // Far-outside positions give the same result as just-outside ones; clamping keeps floor -> int
  // defined for any finite input.
  sx = std::min(std::max(sx, -1.5f), static_cast<float>(f.width) + 0.5f);
  sy = std::min(std::max(sy, -1.5f), static_cast<float>(f.height) + 0.5f);
  // floor without libm (x86-64's baseline has no roundss): truncate, step down for negatives.
  int x0 = static_cast<int>(sx);
  int y0 = static_cast<int>(sy);
  x0 -= static_cast<float>(x0) > sx;
  y0 -= static_cast<float>(y0) > sy;
  const float fx = sx - static_cast<float>(x0);
  const float fy = sy - static_cast<float>(y0);
  float w00 = (1 - fx) * (1 - fy);
  float w01 = fx * (1 - fy);
  float w10 = (1 - fx) * fy;
  float w11 = fx * fy;
  int x1 = x0 + 1;
  int y1 = y0 + 1;
  if (zeroBorder) {
    if (x0 < 0 || x0 > maxX) { w00 = 0; w10 = 0; x0 = 0; }
    if (x1 < 0 || x1 > maxX) { w01 = 0; w11 = 0; x1 = 0; }
    if (y0 < 0 || y0 > maxY) { w00 = 0; w01 = 0; y0 = 0; }
    if (y1 < 0 || y1 > maxY) { w10 = 0; w11 = 0; y1 = 0; }
  } else {
    x0 = std::min(std::max(x0, 0), maxX);
    x1 = std::min(std::max(x1, 0), maxX);
    y0 = std::min(std::max(y0, 0), maxY);
    y1 = std::min(std::max(y1, 0), maxY);
  }
  float c00[3], c01[3], c10[3], c11[3], acc[3];
  FetchPixel<Fmt>(f, x0, y0, c00);
  FetchPixel<Fmt>(f, x1, y0, c01);
  FetchPixel<Fmt>(f, x0, y1, c10);
  FetchPixel<Fmt>(f, x1, y1, c11);
  for (int k = 0; k < 3; k++) acc[k] = c00[k] * w00 + c01[k] * w01 + c10[k] * w10 + c11[k] * w11;
  Finish(yuv, acc, scale, offset, out);
}

// The samples [*begin, *end) of a row whose 2x2 neighbourhoods lie inside the frame with room for
// the SIMD levels' loads (x0 + reach <= width - 1, y0 + yReach <= height - 1). Computed in double
// with a margin far above float rounding of the sample positions, so every float position in the
// span satisfies the bounds.
inline void SafeSpan(const FrameView& f, float rowX, float rowY, float stepX, float stepY, int n, int reach,
                     int* begin, int* end, int yReach = 1) {
  constexpr double kMargin = 1.0 / 64;
  double lo = 0, hi = n - 1;
  auto limit = [&](double a, double b, double minV, double maxV) {
    // minV <= a + b * i <= maxV
    if (b == 0) {
      if (a < minV || a > maxV) hi = -1;
      return;
    }
    double i0 = (minV - a) / b;
    double i1 = (maxV - a) / b;
    if (b < 0) std::swap(i0, i1);
    lo = std::max(lo, i0);
    hi = std::min(hi, i1);
  };
  limit(rowX, stepX, kMargin, f.width - 1 - reach + 1 - kMargin);
  limit(rowY, stepY, kMargin, f.height - 1 - yReach + 1 - kMargin);
  if (hi < lo) {
    *begin = *end = 0;
    return;
  }
  *begin = static_cast<int>(std::ceil(lo));
  *end = static_cast<int>(std::floor(hi)) + 1;
  if (*end < *begin) *end = *begin;
}

// The general sampler over the samples [from, to) of a row (one instance per format: no per-pixel
// format switch).
template <PixelFormat Fmt>
inline void GeneralRun(const FrameView& f, const PreprocessParams& p, float rowX, float rowY, float stepX,
                       float stepY, int from, int to, float* out) {
  constexpr bool yuv = Fmt == PixelFormat::Yuyv || Fmt == PixelFormat::Nv12;
  const bool zero = p.border == Border::Zero;
  for (int i = from; i < to; i++) {
    const float fi = static_cast<float>(i);
    SamplePixel<Fmt>(f, yuv, zero, rowX + fi * stepX, rowY + fi * stepY, p.scale, p.offset, out + i * 3);
  }
}

}  // namespace
}  // namespace vtlink
