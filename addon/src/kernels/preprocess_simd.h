// The SIMD preprocess, written once over a small vector-ops traits class V (SSE4.1, AVX2, NEON).
// Include from exactly one translation unit per level, after defining V. Internal linkage only
// (see preprocess_common.h).
//
// Per group of V::L output pixels of a row's safe span, in two passes over chunks of groups (see
// SimdRow):
//  1. planning: sample positions in float lanes rounded exactly as SamplePixel rounds them (same
//     floor, so the same taps and fractions as the scalar reference), the fixed-point weights and
//     the byte offsets of the words to load;
//  2. one 8-byte scalar load per tap row and lane that holds both horizontal taps of every channel
//     (a hardware gather costs ~2.5x more per element than a scalar load on AMD Zen);
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
// Error vs the scalar reference: a weight is off by at most 2^-15, times a tap difference of at most
// 255 grey levels = 0.008 levels for RGB, ~3.2x that through the YUV -> RGB coefficients = 0.025;
// addon/test/kernel_check.cc and test/addon-kernels.test.ts assert 0.05.
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

// What the second pass needs of one group of L samples: the offsets of its words and its weights.
template <class V>
struct GroupPlan {
  alignas(32) int32_t off[V::L];   // word of the top taps (plane 0); the bottom taps are one row on
  alignas(32) int32_t off1[V::L];  // NV12: chroma word of the top taps (plane 1)
  alignas(32) int32_t off2[V::L];  // NV12: chroma word of the bottom taps
  typename V::I wx, wxc;           // int16 pairs (1 - fx, fx) for luma / RGB and for chroma
  typename V::I ctrlA, ctrlB;      // YUYV: luma + U pair control with the parity of x0
  typename V::F fy;
};

// A row's safe span in two passes over chunks of groups: first every group's positions, weights
// and word offsets (arithmetic only), then the loads and the interpolation. Keeping the address
// arithmetic out of the load -> shuffle -> multiply-add chain lets the loads of many groups be in
// flight at once (one fused pass was latency-bound: ~2 instructions per cycle).
template <class V, PixelFormat Fmt>
inline void SimdRow(const FrameView& f, const PreprocessParams& p, float rowX, float rowY, float stepX, float stepY,
                    int begin, int end, float* out) {
  using F = typename V::F;
  using I = typename V::I;
  constexpr bool yuv = Fmt == PixelFormat::Yuyv || Fmt == PixelFormat::Nv12;
  if (end - begin < V::L) return GeneralRun<Fmt>(f, p, rowX, rowY, stepX, stepY, begin, end, out);
  const F vRowX = V::Set1(rowX), vRowY = V::Set1(rowY);
  const F vStepX = V::Set1(stepX), vStepY = V::Set1(stepY);
  const F wOne = V::Set1(kWeightOne);
  const I wOneI = V::Set1i(static_cast<int>(kWeightOne));
  const I stride0 = V::Set1i(f.stride0);
  const I stride1 = V::Set1i(f.stride1);
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
  const uint8_t* const plane0 = f.plane0;
  const uint8_t* const plane0Next = f.plane0 + f.stride0;  // the bottom taps' row
  const uint8_t* const plane1 = f.plane1;
  constexpr int bpp = Fmt == PixelFormat::Rgba ? 4 : 3;
  constexpr int r = Fmt == PixelFormat::Bgr ? 2 : 0;
  // Pair controls (see PairControl): RGB-like: channels 0 and 1, then 2; YUYV: word at the
  // Y0 U Y1 V macropixel holding x0, luma taps at bytes 0, 2 (x0 even) or 2, 4 (odd), chroma U at
  // 1, 5 and V at 3, 7; NV12: luma at 0, 1, chroma U at 0, 2 and V at 1, 3.
  static constexpr PairControl kC01(0, bpp, 1, bpp + 1), kC2(2, bpp + 2, 2, bpp + 2);
  static constexpr PairControl kYU(0, 2, 1, 5), kV(3, 7, 3, 7);
  static constexpr PairControl kLuma(0, 1, 0, 1), kUV(0, 2, 1, 3);

  const F vL = V::Set1(static_cast<float>(V::L));
  constexpr int kChunk = 32;
  GroupPlan<V> plan[kChunk];
  // Group g starts at begin + g L; the last one at end - L, overlapping the one before it (the
  // same values written twice) instead of a scalar tail.
  const int groups = (end - begin + V::L - 1) / V::L;
  auto start = [&](int g) { return std::min(begin + g * V::L, end - V::L); };
  for (int first = 0; first < groups; first += kChunk) {
    const int count = std::min(kChunk, groups - first);
    F fi = V::Add(V::Iota(), V::Set1(static_cast<float>(begin + first * V::L)));
    for (int k = 0; k < count; k++, fi = V::Add(fi, vL)) {
      GroupPlan<V>& pl = plan[k];
      if (begin + (first + k) * V::L > end - V::L) fi = V::Add(V::Iota(), V::Set1(static_cast<float>(end - V::L)));
      // Positions rounded exactly as the scalar reference rounds them: the same taps, the same
      // fractions.
      const F sx = V::MulAdd(fi, vStepX, vRowX);
      const F sy = V::MulAdd(fi, vStepY, vRowY);
      const F x0f = V::Floor(sx);
      const F y0f = V::Floor(sy);
      pl.fy = V::Sub(sy, y0f);
      const I fxq = V::RoundToInt(V::Mul(V::Sub(sx, x0f), wOne));
      const I wx = V::Or(V::template Sll<16>(fxq), V::SubI(wOneI, fxq));
      pl.wx = wx;
      const I x0 = V::ToInt(x0f);
      const I y0 = V::ToInt(y0f);
      const I rowTop = V::MulI(y0, stride0);
      if constexpr (!yuv) {
        V::StoreI(pl.off, V::Add(rowTop, bpp == 4 ? V::template Sll<2>(x0) : V::Add(x0, V::Add(x0, x0))));
      } else {
        const I odd = V::OddMask(x0);
        pl.wxc = V::Blend(wOneI, wx, odd);  // chroma: (1, 0) for an even x0
        if constexpr (Fmt == PixelFormat::Yuyv) {
          V::StoreI(pl.off, V::Add(rowTop, V::Add(V::AndNot1(x0), V::AndNot1(x0))));
          const I cYU = V::Control(kYU.b);
          const I shift = V::And(odd, V::Set1i(0x00020002));  // +2 on both luma indices when odd
          pl.ctrlA = V::Add(cYU, V::SpreadA(shift));
          pl.ctrlB = V::Add(cYU, V::SpreadB(shift));
        } else {
          V::StoreI(pl.off, V::Add(rowTop, x0));
          const I col = V::AndNot1(x0);
          V::StoreI(pl.off1, V::Add(V::MulI(V::template Sra<1>(y0), stride1), col));
          V::StoreI(pl.off2, V::Add(V::MulI(V::template Sra<1>(V::Add(y0, V::Set1i(1))), stride1), col));
        }
      }
    }
    for (int k = 0; k < count; k++) {
      const GroupPlan<V>& pl = plan[k];
      const F fy = pl.fy;
      F ch[3];
      Words<V> t, b;
      Load2<V>(plane0, plane0Next, pl.off, &t, &b);
      if constexpr (!yuv) {
        const I c01 = V::Control(kC01.b), c2 = V::Control(kC2.b);
        I t0, t1, t2, b0p, b1p, b2p;
        Pairs<V>(t, c01, &t0, &t1);
        Pairs<V>(t, c2, &t2, nullptr);
        Pairs<V>(b, c01, &b0p, &b1p);
        Pairs<V>(b, c2, &b2p, nullptr);
        ch[r] = Lerp2<V>(t0, b0p, pl.wx, fy);
        ch[1] = Lerp2<V>(t1, b1p, pl.wx, fy);
        ch[2 - r] = Lerp2<V>(t2, b2p, pl.wx, fy);
        for (int q = 0; q < 3; q++) ch[q] = V::Fma(ch[q], vc, vOffset);
      } else {
        F y, u, v;
        I ty, tu, tv, by, bu, bv;
        if constexpr (Fmt == PixelFormat::Yuyv) {
          const I cV = V::Control(kV.b);
          PairsVar<V>(t, pl.ctrlA, pl.ctrlB, &ty, &tu);
          PairsVar<V>(b, pl.ctrlA, pl.ctrlB, &by, &bu);
          Pairs<V>(t, cV, &tv, nullptr);
          Pairs<V>(b, cV, &bv, nullptr);
        } else {  // NV12
          const I cY = V::Control(kLuma.b), cUV = V::Control(kUV.b);
          Pairs<V>(t, cY, &ty, nullptr);
          Pairs<V>(b, cY, &by, nullptr);
          Pairs<V>(Load<V>(plane1, pl.off1), cUV, &tu, &tv);
          Pairs<V>(Load<V>(plane1, pl.off2), cUV, &bu, &bv);
        }
        y = Lerp2<V>(ty, by, pl.wx, fy);
        u = Lerp2<V>(tu, bu, pl.wxc, fy);
        v = Lerp2<V>(tv, bv, pl.wxc, fy);
        ch[0] = V::Fma(y, kY, V::Fma(v, kRV, r0));
        ch[1] = V::Fma(y, kY, V::Fma(v, kGV, V::Fma(u, kGU, g0)));
        ch[2] = V::Fma(y, kY, V::Fma(u, kBU, b0));
        for (int q = 0; q < 3; q++) ch[q] = V::Min(V::Max(ch[q], vLo), vHi);
      }
      V::StoreRgb(out + start(first + k) * 3, ch[0], ch[1], ch[2]);
    }
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
