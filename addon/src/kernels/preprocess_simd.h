// The SIMD preprocess, written once over a small vector-ops traits class V (SSE4.1, AVX2, NEON).
// Include from exactly one translation unit per level, after defining V. Internal linkage only
// (see preprocess_common.h).
//
// Per group of V::L output pixels of a row's safe span:
//  1. sample positions in float lanes exactly as SamplePixel computes them (same floor, so the same
//     taps as the scalar reference);
//  2. one 8-byte scalar load per source row and lane that holds both horizontal taps of every
//     channel (AMD's hardware gathers cost ~2.5x more per element than scalar loads);
//  3. a byte shuffle turns each channel's two taps into an int16 pair per lane, and ONE multiply-add
//     (madd_epi16) with fixed-point weights (1 - fx, fx) in units of 2^-14 does the horizontal lerp
//     exactly in int32; the vertical lerp and the colour conversion run in float, with the
//     normalisation folded into their constants;
//  4. an interleaved NHWC store.
// Chroma taps: YUYV and NV12 replicate chroma over 2 pixels (2x2 for NV12), so for an even x0 both
// horizontal taps share one chroma sample: the kernels then use the chroma weights (1, 0), which
// picks it whatever the second byte holds; for an odd x0 the taps are two neighbouring chroma
// samples with the luma weights. NV12's chroma rows are (y0 >> 1) and ((y0 + 1) >> 1): the same row
// for an even y0, so the vertical weight may stay fy.
// Error vs the float reference: weight rounding (2^-15) times a tap difference of at most 255
// grey levels, x at most 2 for the YUV -> RGB coefficients: < 0.02 grey levels, plus float
// rounding; the harness states and checks the bound.
#pragma once

#include "kernels/preprocess_common.h"

namespace vtlink {
namespace {

constexpr float kWeightOne = 16384.f;  // 2^14: fixed-point unit of the horizontal weights

// pshufb-style control for one 8-byte source word per 64-bit lane: each output dword takes two
// source bytes as an int16 pair (zero high bytes: index 0x80). Both 64-bit lanes of each 128 get the
// same pattern, shifted by 8 for the upper word.
struct PairControl {
  uint8_t b[16];
  constexpr PairControl(int a0, int b0, int a1, int b1)
      : b{static_cast<uint8_t>(a0), 0x80, static_cast<uint8_t>(b0), 0x80, static_cast<uint8_t>(a1), 0x80,
          static_cast<uint8_t>(b1), 0x80, static_cast<uint8_t>(a0 + 8), 0x80, static_cast<uint8_t>(b0 + 8), 0x80,
          static_cast<uint8_t>(a1 + 8), 0x80, static_cast<uint8_t>(b1 + 8), 0x80} {}
};

// Loads the 8-byte words at base + off[k] for every lane k and shuffles them with ctrl0 / ctrl1,
// returning per lane the even dword (first pair) and odd dword (second pair) of each result.
template <class V>
struct Words {
  typename V::I a, b;  // the words in V's "two halves" layout (see V::LoadWords)
};

template <class V>
inline Words<V> Load(const uint8_t* base, const int32_t* off) {
  Words<V> w;
  V::LoadWords(base, off, &w.a, &w.b);
  return w;
}

// The words at the same offsets in two rows (top and bottom taps): each offset is read once.
template <class V>
inline void Load2(const uint8_t* top, const uint8_t* bottom, const int32_t* off, Words<V>* t, Words<V>* b) {
  V::LoadWords2(top, bottom, off, &t->a, &t->b, &b->a, &b->b);
}

// First and second pairs of each lane's word under one control.
template <class V>
inline void Pairs(const Words<V>& w, typename V::I ctrl, typename V::I* first, typename V::I* second) {
  const typename V::I sa = V::Shuffle8(w.a, ctrl), sb = V::Shuffle8(w.b, ctrl);
  *first = V::EvenDwords(sa, sb);
  if (second) *second = V::OddDwords(sa, sb);
}

// Same with per-lane control offsets (YUYV luma parity) in the words' layout.
template <class V>
inline void PairsVar(const Words<V>& w, typename V::I ctrlA, typename V::I ctrlB, typename V::I* first,
                     typename V::I* second) {
  const typename V::I sa = V::Shuffle8(w.a, ctrlA), sb = V::Shuffle8(w.b, ctrlB);
  *first = V::EvenDwords(sa, sb);
  *second = V::OddDwords(sa, sb);
}

template <class V>
inline typename V::F Lerp2(typename V::I top, typename V::I bottom, typename V::I wx, typename V::F fy) {
  const typename V::F t = V::ToFloat(V::Madd(top, wx));
  const typename V::F b = V::ToFloat(V::Madd(bottom, wx));
  return V::Fma(V::Sub(b, t), fy, t);  // t + fy (b - t)
}

template <class V, PixelFormat Fmt>
inline void SimdRow(const FrameView& f, const PreprocessParams& p, float rowX, float rowY, float stepX, float stepY,
                    int begin, int end, float* out) {
  using F = typename V::F;
  using I = typename V::I;
  constexpr bool yuv = Fmt == PixelFormat::Yuyv || Fmt == PixelFormat::Nv12;
  const F vRowX = V::Set1(rowX), vRowY = V::Set1(rowY);
  const F vStepX = V::Set1(stepX), vStepY = V::Set1(stepY);
  const F wOne = V::Set1(kWeightOne);
  const I wOneI = V::Set1i(static_cast<int>(kWeightOne));
  const I stride0 = V::Set1i(f.stride0);
  // Normalisation folded in: channel sums are in byte * 2^14 units.
  const float c = p.scale / kWeightOne;
  const F vc = V::Set1(c), vOffset = V::Set1(p.offset);
  // YUV: out = clamp(kY c Y + ... + k0, lo, hi), the clamp to 0..255 moved through the (monotone)
  // normalisation.
  const float lo = std::min(p.offset, 255.f * p.scale + p.offset);
  const float hi = std::max(p.offset, 255.f * p.scale + p.offset);
  const F vLo = V::Set1(lo), vHi = V::Set1(hi);
  const F kY = V::Set1(kYScale * c), kRV = V::Set1(kRFromV * c), kGU = V::Set1(kGFromU * c),
          kGV = V::Set1(kGFromV * c), kBU = V::Set1(kBFromU * c);
  const F r0 = V::Set1(p.offset - (16.f * kYScale + 128.f * kRFromV) * p.scale);
  const F g0 = V::Set1(p.offset - (16.f * kYScale + 128.f * (kGFromU + kGFromV)) * p.scale);
  const F b0 = V::Set1(p.offset - (16.f * kYScale + 128.f * kBFromU) * p.scale);
  alignas(32) int32_t offTop[V::L], offTop1[V::L], offBottom1[V::L];
  F fi = V::Add(V::Iota(), V::Set1(static_cast<float>(begin)));
  const F vL = V::Set1(static_cast<float>(V::L));
  if (end - begin < V::L) return GeneralRun<Fmt>(f, p, rowX, rowY, stepX, stepY, begin, end, out);
  // The last group starts at end - L, overlapping the one before it (same values written twice)
  // instead of a scalar tail of up to L - 1 pixels.
  for (int i = begin, last = end - V::L;; i += V::L, fi = V::Add(fi, vL)) {
    if (i > last) {
      if (i == last + V::L) break;
      i = last;
      fi = V::Add(V::Iota(), V::Set1(static_cast<float>(last)));
    }
    const F sx = V::Fma(fi, vStepX, vRowX);
    const F sy = V::Fma(fi, vStepY, vRowY);
    const F x0f = V::Floor(sx);
    const F y0f = V::Floor(sy);
    const F fy = V::Sub(sy, y0f);
    const I fxq = V::RoundToInt(V::Mul(V::Sub(sx, x0f), wOne));
    const I wx = V::Or(V::template Sll<16>(fxq), V::SubI(wOneI, fxq));  // int16 pairs (1 - fx, fx)
    const I x0 = V::ToInt(x0f);
    const I y0 = V::ToInt(y0f);
    const I rowTop = V::MulI(y0, stride0);
    F ch[3];
    if constexpr (!yuv) {
      constexpr int bpp = Fmt == PixelFormat::Rgba ? 4 : 3;
      constexpr int r = Fmt == PixelFormat::Bgr ? 2 : 0;
      const I top = V::Add(rowTop, bpp == 4 ? V::template Sll<2>(x0) : V::Add(x0, V::Add(x0, x0)));
      V::StoreI(offTop, top);
      static constexpr PairControl kC01(0, bpp, 1, bpp + 1), kC2(2, bpp + 2, 2, bpp + 2);
      const I c01 = V::Control(kC01.b), c2 = V::Control(kC2.b);
      Words<V> t, b;
      Load2<V>(f.plane0, f.plane0 + f.stride0, offTop, &t, &b);
      I t0, t1, t2, b0p, b1p, b2p;
      Pairs<V>(t, c01, &t0, &t1);
      Pairs<V>(t, c2, &t2, nullptr);
      Pairs<V>(b, c01, &b0p, &b1p);
      Pairs<V>(b, c2, &b2p, nullptr);
      ch[r] = Lerp2<V>(t0, b0p, wx, fy);
      ch[1] = Lerp2<V>(t1, b1p, wx, fy);
      ch[2 - r] = Lerp2<V>(t2, b2p, wx, fy);
      for (int k = 0; k < 3; k++) ch[k] = V::Fma(ch[k], vc, vOffset);
    } else {
      const I odd = V::OddMask(x0);
      const I wxc = V::Blend(wOneI, wx, odd);  // chroma: (1, 0) for an even x0
      F y, u, v;
      if constexpr (Fmt == PixelFormat::Yuyv) {
        // Word at the Y0 U Y1 V macropixel holding x0: luma taps at bytes 0, 2 (x0 even) or 2, 4
        // (odd); chroma U at 1, 5 and V at 3, 7.
        const I top = V::Add(rowTop, V::Add(V::AndNot1(x0), V::AndNot1(x0)));
        V::StoreI(offTop, top);
        static constexpr PairControl kYU(0, 2, 1, 5), kV(3, 7, 3, 7);
        const I cYU = V::Control(kYU.b), cV = V::Control(kV.b);
        const I shift = V::And(odd, V::Set1i(0x00020002));  // +2 on both luma indices when odd
        const I cA = V::Add(cYU, V::SpreadA(shift)), cB = V::Add(cYU, V::SpreadB(shift));
        Words<V> t, b;
        Load2<V>(f.plane0, f.plane0 + f.stride0, offTop, &t, &b);
        I ty, tu, tv, by, bu, bv;
        PairsVar<V>(t, cA, cB, &ty, &tu);
        PairsVar<V>(b, cA, cB, &by, &bu);
        Pairs<V>(t, cV, &tv, nullptr);
        Pairs<V>(b, cV, &bv, nullptr);
        y = Lerp2<V>(ty, by, wx, fy);
        u = Lerp2<V>(tu, bu, wxc, fy);
        v = Lerp2<V>(tv, bv, wxc, fy);
      } else {  // NV12
        const I stride1 = V::Set1i(f.stride1);
        const I top = V::Add(rowTop, x0);
        V::StoreI(offTop, top);
        const I col = V::AndNot1(x0);
        const I uvTop = V::Add(V::MulI(V::template Sra<1>(y0), stride1), col);
        const I uvBottom = V::Add(V::MulI(V::template Sra<1>(V::Add(y0, V::Set1i(1))), stride1), col);
        V::StoreI(offTop1, uvTop);
        V::StoreI(offBottom1, uvBottom);
        static constexpr PairControl kY(0, 1, 0, 1), kUV(0, 2, 1, 3);
        const I cY = V::Control(kY.b), cUV = V::Control(kUV.b);
        I ty, by, tu, tv, bu, bv;
        Words<V> t, b;
        Load2<V>(f.plane0, f.plane0 + f.stride0, offTop, &t, &b);
        Pairs<V>(t, cY, &ty, nullptr);
        Pairs<V>(b, cY, &by, nullptr);
        Pairs<V>(Load<V>(f.plane1, offTop1), cUV, &tu, &tv);
        Pairs<V>(Load<V>(f.plane1, offBottom1), cUV, &bu, &bv);
        y = Lerp2<V>(ty, by, wx, fy);
        u = Lerp2<V>(tu, bu, wxc, fy);
        v = Lerp2<V>(tv, bv, wxc, fy);
      }
      const F yy = V::Mul(y, kY);
      ch[0] = V::Fma(v, kRV, V::Add(yy, r0));
      ch[1] = V::Fma(v, kGV, V::Fma(u, kGU, V::Add(yy, g0)));
      ch[2] = V::Fma(u, kBU, V::Add(yy, b0));
      for (int k = 0; k < 3; k++) ch[k] = V::Min(V::Max(ch[k], vLo), vHi);
    }
    V::StoreRgb(out + i * 3, ch[0], ch[1], ch[2]);
  }
}

template <class V, PixelFormat Fmt>
inline void SimdPreprocessFormat(const FrameView& f, const PreprocessParams& p, float* out) {
  const WarpGeometry g(p);
  // How far right of x0 the 8-byte loads reach, in pixels (NV12: 8 luma bytes from x0, and 8 chroma
  // bytes from x0 rounded down to even).
  constexpr int reach = Fmt == PixelFormat::Nv12 ? 7 : 3;
  for (int j = 0; j < g.n; j++) {
    float rowX, rowY;
    g.Row(j, &rowX, &rowY);
    float* const rowOut = out + static_cast<size_t>(j) * g.n * 3;
    int begin, end;
    SafeSpan(f, rowX, rowY, g.colStepX, g.colStepY, g.n, reach, &begin, &end);
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
