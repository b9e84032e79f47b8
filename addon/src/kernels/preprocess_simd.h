// The SIMD preprocess, written once over a small vector-ops traits class V (SSE4.1, AVX2, NEON).
// Include from exactly one translation unit per level, after defining V. Internal linkage only
// (see preprocess_common.h).
//
// Per group of V::L output pixels of a row's safe span: positions and bilinear weights in float
// lanes, then for each lane two 4-byte loads per source row (a "gather") that hold both horizontal
// neighbours of every channel the format needs, byte extraction by shifts, interpolation, colour
// conversion and normalisation in lanes, and an interleaved NHWC store. The arithmetic follows
// SamplePixel term by term, so a level without FMA gives the scalar reference's bits exactly.
#pragma once

#include "kernels/preprocess_common.h"

namespace vtlink {
namespace {

template <class V>
struct Corners {
  typename V::F c00[3], c01[3], c10[3], c11[3];
};

template <class V, int Shift>
inline typename V::F ByteAt(typename V::I d) {
  return V::ToFloat(V::And(V::template Srl<Shift>(d), V::Set1i(0xff)));
}

// Loads the 2x2 neighbourhoods of L lanes (top-left integer pixel ix, iy) into float channels.
template <class V, PixelFormat Fmt>
inline void FetchCorners(const FrameView& f, typename V::I ix, typename V::I iy, Corners<V>& c) {
  using I = typename V::I;
  using F = typename V::F;
  const I stride0 = V::Set1i(f.stride0);
  const I rowTop = V::MulI(iy, stride0);
  const I rowBottom = V::Add(rowTop, stride0);
  if constexpr (Fmt == PixelFormat::Rgb || Fmt == PixelFormat::Bgr || Fmt == PixelFormat::Rgba) {
    constexpr int bpp = Fmt == PixelFormat::Rgba ? 4 : 3;
    const I col = V::MulI(ix, V::Set1i(bpp));
    const I top = V::Add(rowTop, col);
    const I bottom = V::Add(rowBottom, col);
    const I next = V::Set1i(bpp);
    const I t0 = V::Gather(f.plane0, top);
    const I t1 = V::Gather(f.plane0, V::Add(top, next));
    const I b0 = V::Gather(f.plane0, bottom);
    const I b1 = V::Gather(f.plane0, V::Add(bottom, next));
    constexpr int r = Fmt == PixelFormat::Bgr ? 2 : 0;
    constexpr int b = 2 - r;
    c.c00[r] = ByteAt<V, 0>(t0); c.c00[1] = ByteAt<V, 8>(t0); c.c00[b] = ByteAt<V, 16>(t0);
    c.c01[r] = ByteAt<V, 0>(t1); c.c01[1] = ByteAt<V, 8>(t1); c.c01[b] = ByteAt<V, 16>(t1);
    c.c10[r] = ByteAt<V, 0>(b0); c.c10[1] = ByteAt<V, 8>(b0); c.c10[b] = ByteAt<V, 16>(b0);
    c.c11[r] = ByteAt<V, 0>(b1); c.c11[1] = ByteAt<V, 8>(b1); c.c11[b] = ByteAt<V, 16>(b1);
  } else {
    const F yOff = V::Set1(16.f);
    const F cOff = V::Set1(128.f);
    const I odd = V::OddMask(ix);
    if constexpr (Fmt == PixelFormat::Yuyv) {
      // d0: the Y0 U Y1 V macropixel holding x0; d1: the one holding x0 + 1 (the same when x0 is even).
      const I pair0 = V::Add(ix, ix);  // byte offset of x0 in the row
      const I evenCol = V::And(pair0, V::Set1i(~3));
      const I nextCol = V::And(V::Add(pair0, V::Set1i(2)), V::Set1i(~3));
      const I t0 = V::Gather(f.plane0, V::Add(rowTop, evenCol));
      const I t1 = V::Gather(f.plane0, V::Add(rowTop, nextCol));
      const I b0 = V::Gather(f.plane0, V::Add(rowBottom, evenCol));
      const I b1 = V::Gather(f.plane0, V::Add(rowBottom, nextCol));
      // Y of x0: byte 0 (x0 even) or 2 (odd) of d0; Y of x0 + 1: byte 2 (x0 even) or 0 (odd) of d1.
      c.c00[0] = V::Sub(V::ToFloat(V::Blend(V::And(t0, V::Set1i(0xff)), V::And(V::template Srl<16>(t0), V::Set1i(0xff)), odd)), yOff);
      c.c01[0] = V::Sub(V::ToFloat(V::Blend(V::And(V::template Srl<16>(t1), V::Set1i(0xff)), V::And(t1, V::Set1i(0xff)), odd)), yOff);
      c.c10[0] = V::Sub(V::ToFloat(V::Blend(V::And(b0, V::Set1i(0xff)), V::And(V::template Srl<16>(b0), V::Set1i(0xff)), odd)), yOff);
      c.c11[0] = V::Sub(V::ToFloat(V::Blend(V::And(V::template Srl<16>(b1), V::Set1i(0xff)), V::And(b1, V::Set1i(0xff)), odd)), yOff);
      c.c00[1] = V::Sub(ByteAt<V, 8>(t0), cOff); c.c00[2] = V::Sub(ByteAt<V, 24>(t0), cOff);
      c.c01[1] = V::Sub(ByteAt<V, 8>(t1), cOff); c.c01[2] = V::Sub(ByteAt<V, 24>(t1), cOff);
      c.c10[1] = V::Sub(ByteAt<V, 8>(b0), cOff); c.c10[2] = V::Sub(ByteAt<V, 24>(b0), cOff);
      c.c11[1] = V::Sub(ByteAt<V, 8>(b1), cOff); c.c11[2] = V::Sub(ByteAt<V, 24>(b1), cOff);
    } else {  // NV12
      const I yTop = V::Gather(f.plane0, V::Add(rowTop, ix));
      const I yBottom = V::Gather(f.plane0, V::Add(rowBottom, ix));
      const I stride1 = V::Set1i(f.stride1);
      const I uvCol = V::And(ix, V::Set1i(~1));
      const I uvTop = V::Gather(f.plane1, V::Add(V::MulI(V::template Sra<1>(iy), stride1), uvCol));
      const I uvBottom =
          V::Gather(f.plane1, V::Add(V::MulI(V::template Sra<1>(V::Add(iy, V::Set1i(1))), stride1), uvCol));
      c.c00[0] = V::Sub(ByteAt<V, 0>(yTop), yOff);
      c.c01[0] = V::Sub(ByteAt<V, 8>(yTop), yOff);
      c.c10[0] = V::Sub(ByteAt<V, 0>(yBottom), yOff);
      c.c11[0] = V::Sub(ByteAt<V, 8>(yBottom), yOff);
      // x0's chroma: bytes 0, 1; x0 + 1's: the same pair (x0 even) or the next one, bytes 2, 3 (odd).
      const I uvTopNext = V::Blend(uvTop, V::template Srl<16>(uvTop), odd);
      const I uvBottomNext = V::Blend(uvBottom, V::template Srl<16>(uvBottom), odd);
      c.c00[1] = V::Sub(ByteAt<V, 0>(uvTop), cOff); c.c00[2] = V::Sub(ByteAt<V, 8>(uvTop), cOff);
      c.c01[1] = V::Sub(ByteAt<V, 0>(uvTopNext), cOff); c.c01[2] = V::Sub(ByteAt<V, 8>(uvTopNext), cOff);
      c.c10[1] = V::Sub(ByteAt<V, 0>(uvBottom), cOff); c.c10[2] = V::Sub(ByteAt<V, 8>(uvBottom), cOff);
      c.c11[1] = V::Sub(ByteAt<V, 0>(uvBottomNext), cOff); c.c11[2] = V::Sub(ByteAt<V, 8>(uvBottomNext), cOff);
    }
  }
}

template <class V, PixelFormat Fmt>
inline void SimdRow(const FrameView& f, const PreprocessParams& p, float rowX, float rowY, float stepX, float stepY,
                    int begin, int end, float* out) {
  using F = typename V::F;
  constexpr bool yuv = Fmt == PixelFormat::Yuyv || Fmt == PixelFormat::Nv12;
  const F vRowX = V::Set1(rowX), vRowY = V::Set1(rowY);
  const F vStepX = V::Set1(stepX), vStepY = V::Set1(stepY);
  const F one = V::Set1(1.f), scale = V::Set1(p.scale), offset = V::Set1(p.offset);
  const F zero = V::Set1(0.f), top = V::Set1(255.f);
  int i = begin;
  for (; i + V::L <= end; i += V::L) {
    const F fi = V::Add(V::Iota(), V::Set1(static_cast<float>(i)));
    const F sx = V::Add(vRowX, V::Mul(fi, vStepX));
    const F sy = V::Add(vRowY, V::Mul(fi, vStepY));
    const F x0 = V::Floor(sx);
    const F y0 = V::Floor(sy);
    const F fx = V::Sub(sx, x0);
    const F fy = V::Sub(sy, y0);
    const F gx = V::Sub(one, fx);
    const F gy = V::Sub(one, fy);
    const F w00 = V::Mul(gx, gy), w01 = V::Mul(fx, gy), w10 = V::Mul(gx, fy), w11 = V::Mul(fx, fy);
    Corners<V> c;
    FetchCorners<V, Fmt>(f, V::ToInt(x0), V::ToInt(y0), c);
    F acc[3];
    for (int k = 0; k < 3; k++) {
      acc[k] = V::Add(V::Add(V::Add(V::Mul(c.c00[k], w00), V::Mul(c.c01[k], w01)), V::Mul(c.c10[k], w10)),
                      V::Mul(c.c11[k], w11));
    }
    F rgb[3];
    if constexpr (yuv) {
      const F y = V::Mul(acc[0], V::Set1(kYScale));
      rgb[0] = V::Add(y, V::Mul(V::Set1(kRFromV), acc[2]));
      rgb[1] = V::Add(V::Add(y, V::Mul(V::Set1(kGFromU), acc[1])), V::Mul(V::Set1(kGFromV), acc[2]));
      rgb[2] = V::Add(y, V::Mul(V::Set1(kBFromU), acc[1]));
      for (int k = 0; k < 3; k++) rgb[k] = V::Min(V::Max(rgb[k], zero), top);
    } else {
      for (int k = 0; k < 3; k++) rgb[k] = acc[k];
    }
    for (int k = 0; k < 3; k++) rgb[k] = V::Add(V::Mul(rgb[k], scale), offset);
    V::StoreRgb(out + i * 3, rgb[0], rgb[1], rgb[2]);
  }
  GeneralRun<Fmt>(f, p, rowX, rowY, stepX, stepY, i, end, out);
}

template <class V, PixelFormat Fmt>
inline void SimdPreprocessFormat(const FrameView& f, const PreprocessParams& p, float* out) {
  const WarpGeometry g(p);
  for (int j = 0; j < g.n; j++) {
    float rowX, rowY;
    g.Row(j, &rowX, &rowY);
    float* rowOut = out + static_cast<size_t>(j) * g.n * 3;
    int begin, end;
    SafeSpan(f, rowX, rowY, g.colStepX, g.colStepY, g.n, &begin, &end);
    GeneralRun<Fmt>(f, p, rowX, rowY, g.colStepX, g.colStepY, 0, begin, rowOut);
    SimdRow<V, Fmt>(f, p, rowX, rowY, g.colStepX, g.colStepY, begin, end, rowOut);
    GeneralRun<Fmt>(f, p, rowX, rowY, g.colStepX, g.colStepY, end, g.n, rowOut);
  }
}

template <class V>
inline void SimdPreprocess(const FrameView& f, const PreprocessParams& p, float* out) {
  switch (f.format) {
    case PixelFormat::Rgb: return SimdPreprocessFormat<V, PixelFormat::Rgb>(f, p, out);
    case PixelFormat::Bgr: return SimdPreprocessFormat<V, PixelFormat::Bgr>(f, p, out);
    case PixelFormat::Rgba: return SimdPreprocessFormat<V, PixelFormat::Rgba>(f, p, out);
    case PixelFormat::Yuyv: return SimdPreprocessFormat<V, PixelFormat::Yuyv>(f, p, out);
    case PixelFormat::Nv12: return SimdPreprocessFormat<V, PixelFormat::Nv12>(f, p, out);
  }
}

}  // namespace
}  // namespace vtlink
