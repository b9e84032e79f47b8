// AVX-512 preprocess (this file alone is compiled with -mavx512f -mavx512bw -mavx512vl -mavx512vbmi
// -mfma; chosen at run time, only where the CPU has all of them). Same algorithm and the same
// rounding as the AVX2 level (preprocess_simd.h), 16 output pixels per group; what AVX-512 adds:
//  - one VBMI two-source byte permute (vpermt2b, zero-masked) picks one channel's int16 tap pairs for
//    all 16 lanes out of two registers of 8 words each, where AVX2 needs byte shuffles within
//    128-bit halves plus dword shuffles to bring lanes back in order (YUYV: 3 permutes per tap row
//    and 16 pixels instead of 14 shuffles);
//  - per-lane parity (YUYV luma taps, chroma weights) by mask-register blends;
//  - the interleaved RGB store: 3 permutes and 6 masked blends for 48 floats.
// The loads stay one 8-byte scalar load per tap row and lane: hardware gathers (vpgatherqq) of all,
// half or a quarter of the words were slower on this Zen 5 (YUYV 35.5 -> 48 / 38.5 / 37 us), see
// bench/RESULTS.md "Preprocess (addon)".
#include <immintrin.h>

// GCC 12 warns about the deliberately undefined upper lanes inside its own AVX-512 intrinsics.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "kernels/preprocess_common.h"

namespace vtlink {
namespace {

constexpr int kL = 16;
constexpr float kOne = 16384.f;  // 2^14: fixed-point unit of the horizontal weights
constexpr __mmask64 kEvenBytes = 0x5555555555555555ull;

// Permute indices taking, for lane k, bytes a and b of its 8-byte word (byte 8k + a of the pair
// of registers) as an int16 pair (the odd bytes are zeroed by the mask kEvenBytes).
inline __m512i PairIndex(int a, int b) {
  alignas(64) int32_t v[kL];
  for (int k = 0; k < kL; k++) v[k] = (8 * k + a) | ((8 * k + b) << 16);
  return _mm512_load_si512(v);
}

inline __m512i Pairs(__m512i lo, __m512i hi, __m512i index) {
  return _mm512_maskz_permutex2var_epi8(kEvenBytes, lo, index, hi);
}

// The word at base + off[k]. The offset is read by one scalar load into a general register: left
// to itself, GCC vectorises the offset reads of a group (a vector load, zero-extensions, extracts to
// general registers: shuffle-port work on the path of every word load).
inline const uint8_t* WordAt(const uint8_t* base, const int32_t* off, int k) {
  uint64_t o = static_cast<uint32_t>(off[k]);
  __asm__("" : "+r"(o));
  return base + o;
}

inline __m128i TwoWords(const uint8_t* p0, const uint8_t* p1) {
  int64_t hi;
  std::memcpy(&hi, p1, 8);
  return _mm_insert_epi64(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p0)), hi, 1);
}

inline __m512i Join(__m128i q0, __m128i q1, __m128i q2, __m128i q3) {
  const __m256i lo = _mm256_inserti128_si256(_mm256_castsi128_si256(q0), q1, 1);
  const __m256i hi = _mm256_inserti128_si256(_mm256_castsi128_si256(q2), q3, 1);
  return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}

// The 8-byte words at base + off[0..7], lane k in bytes 8k..8k+7. Offsets are non-negative: as
// uint32_t they index without a sign extension. (Unrolled by hand: GCC -O2 keeps a loop over a
// pointer array on the stack.)
inline __m512i Words8(const uint8_t* base, const int32_t* off) {
  const uint8_t *p0 = WordAt(base, off, 0), *p1 = WordAt(base, off, 1), *p2 = WordAt(base, off, 2),
                *p3 = WordAt(base, off, 3), *p4 = WordAt(base, off, 4), *p5 = WordAt(base, off, 5),
                *p6 = WordAt(base, off, 6), *p7 = WordAt(base, off, 7);
  return Join(TwoWords(p0, p1), TwoWords(p2, p3), TwoWords(p4, p5), TwoWords(p6, p7));
}

// The same for the row at base and the row `stride` bytes below it, each offset read once (8 live
// pointers: 16 would spill).
inline void Words8x2(const uint8_t* base, ptrdiff_t stride, const int32_t* off, __m512i* top, __m512i* bottom) {
  const uint8_t *p0 = WordAt(base, off, 0), *p1 = WordAt(base, off, 1), *p2 = WordAt(base, off, 2),
                *p3 = WordAt(base, off, 3), *p4 = WordAt(base, off, 4), *p5 = WordAt(base, off, 5),
                *p6 = WordAt(base, off, 6), *p7 = WordAt(base, off, 7);
  *top = Join(TwoWords(p0, p1), TwoWords(p2, p3), TwoWords(p4, p5), TwoWords(p6, p7));
  *bottom = Join(TwoWords(p0 + stride, p1 + stride), TwoWords(p2 + stride, p3 + stride),
                 TwoWords(p4 + stride, p5 + stride), TwoWords(p6 + stride, p7 + stride));
}

// Horizontal lerp of both tap rows exactly in int32 (madd), vertical lerp in float.
inline __m512 Lerp2(__m512i top, __m512i bottom, __m512i wx, __m512 fy) {
  const __m512 t = _mm512_cvtepi32_ps(_mm512_madd_epi16(top, wx));
  const __m512 b = _mm512_cvtepi32_ps(_mm512_madd_epi16(bottom, wx));
  return _mm512_fmadd_ps(_mm512_sub_ps(b, t), fy, t);
}

// Three 16-lane planes -> 48 interleaved floats. Output vector v, position p holds global element
// 16v + p = 3i + c: pixel i of channel c. For each channel one permute puts pixel i at position
// (3i + c) mod 16 (a bijection: 3 is invertible mod 16, 3 * 11 = 33), then per output vector two
// masked blends pick the channel of each position.
struct RgbStore {
  __m512i idx[3];
  __mmask16 g[3], b[3];
  RgbStore() {
    for (int c = 0; c < 3; c++) {
      alignas(64) int32_t v[kL];
      for (int p = 0; p < kL; p++) v[p] = (11 * (p - c + 32)) % 16;
      idx[c] = _mm512_load_si512(v);
    }
    for (int o = 0; o < 3; o++) {
      g[o] = b[o] = 0;
      for (int p = 0; p < kL; p++) {
        const int c = (16 * o + p) % 3;
        if (c == 1) g[o] |= static_cast<__mmask16>(1u << p);
        if (c == 2) b[o] |= static_cast<__mmask16>(1u << p);
      }
    }
  }
  void Store(float* out, __m512 r, __m512 gg, __m512 bb) const {
    const __m512 rp = _mm512_permutexvar_ps(idx[0], r);
    const __m512 gp = _mm512_permutexvar_ps(idx[1], gg);
    const __m512 bp = _mm512_permutexvar_ps(idx[2], bb);
    for (int o = 0; o < 3; o++) {
      _mm512_storeu_ps(out + 16 * o, _mm512_mask_blend_ps(b[o], _mm512_mask_blend_ps(g[o], rp, gp), bp));
    }
  }
};

// What the second pass needs of one group of 16 samples.
struct GroupPlan {
  alignas(64) int32_t off[kL];   // word of the top taps (plane 0); the bottom taps are one row on
  alignas(64) int32_t off1[kL];  // NV12: chroma word of the top taps (plane 1); bottom: one row on
  __m512i wx, wxc;               // int16 pairs (1 - fx, fx) for luma / RGB and for chroma
  __m512i ctrlY;                 // YUYV: luma pair index with the parity of x0
  __m512 fy;
  __m512 fyc;                    // NV12: chroma vertical weight (0 for an even y0)
};

// a * b + c rounded twice, as the scalar reference (built without FMA) computes sample positions;
// the empty asm keeps the compiler from contracting it into an FMA.
inline __m512 MulAdd(__m512 a, __m512 b, __m512 c) {
  __m512 m = _mm512_mul_ps(a, b);
  __asm__("" : "+v"(m));
  return _mm512_add_ps(m, c);
}

// Everything the loads and the arithmetic of one row need, computed a row ahead (see Avx512Format).
struct RowPlan {
  static constexpr int kMaxGroups = 32;  // outSize <= 512 on this path (larger: the AVX2 level); 2 x 14 KiB of stack
  GroupPlan group[kMaxGroups];
  int groups = 0;
  int begin = 0, end = 0;  // the SIMD span [begin, end); groups overlap at its end
  int Start(int g) const { return std::min(begin + g * kL, end - kL); }
};

// The per-call constants of the arithmetic.
struct Consts {
  __m512 vc, vOffset, vLo, vHi, kY, kRV, kGU, kGV, kBU, r0, g0, b0;
  __m512i i0, i1, i2;
  RgbStore store;
};

template <PixelFormat Fmt>
Consts MakeConsts(const PreprocessParams& p) {
  constexpr bool yuv = Fmt == PixelFormat::Yuyv || Fmt == PixelFormat::Nv12;
  constexpr int bpp = Fmt == PixelFormat::Rgba ? 4 : 3;
  Consts k;
  // Normalisation folded in: channel sums are in byte * 2^14 units.
  const float c = p.scale / kOne;
  k.vc = _mm512_set1_ps(c);
  k.vOffset = _mm512_set1_ps(p.offset);
  // YUV: the clamp to 0..255 moved through the (monotone) normalisation.
  k.vLo = _mm512_set1_ps(std::min(p.offset, 255.f * p.scale + p.offset));
  k.vHi = _mm512_set1_ps(std::max(p.offset, 255.f * p.scale + p.offset));
  k.kY = _mm512_set1_ps(kYScale * c);
  k.kRV = _mm512_set1_ps(kRFromV * c);
  k.kGU = _mm512_set1_ps(kGFromU * c);
  k.kGV = _mm512_set1_ps(kGFromV * c);
  k.kBU = _mm512_set1_ps(kBFromU * c);
  k.r0 = _mm512_set1_ps(p.offset - (16.f * kYScale + 128.f * kRFromV) * p.scale);
  k.g0 = _mm512_set1_ps(p.offset - (16.f * kYScale + 128.f * (kGFromU + kGFromV)) * p.scale);
  k.b0 = _mm512_set1_ps(p.offset - (16.f * kYScale + 128.f * kBFromU) * p.scale);
  // Pair indices: RGB-like: channel q at bytes q and q + bpp; YUYV: word at the Y0 U Y1 V
  // macropixel holding x0, luma at bytes 0, 2 (x0 even; +2 when odd), U at 1, 5, V at 3, 7; NV12:
  // luma at 0, 1, chroma U at 0, 2 and V at 1, 3.
  k.i0 = yuv ? (Fmt == PixelFormat::Yuyv ? PairIndex(0, 2) : PairIndex(0, 1)) : PairIndex(0, bpp);
  k.i1 = yuv ? (Fmt == PixelFormat::Yuyv ? PairIndex(1, 5) : PairIndex(0, 2)) : PairIndex(1, bpp + 1);
  k.i2 = yuv ? (Fmt == PixelFormat::Yuyv ? PairIndex(3, 7) : PairIndex(1, 3)) : PairIndex(2, bpp + 2);
  return k;
}

// Planning: positions, weights and word offsets of the groups of one row's span (arithmetic only).
template <PixelFormat Fmt>
struct Planner {
  static constexpr bool yuv = Fmt == PixelFormat::Yuyv || Fmt == PixelFormat::Nv12;
  static constexpr int bpp = Fmt == PixelFormat::Rgba ? 4 : 3;
  RowPlan* rp;
  __m512 vRowX, vRowY, vStepX, vStepY;
  __m512i i0;
  Planner(const Consts& k, float rowX, float rowY, float stepX, float stepY, RowPlan* plan)
      : rp(plan), vRowX(_mm512_set1_ps(rowX)), vRowY(_mm512_set1_ps(rowY)), vStepX(_mm512_set1_ps(stepX)),
        vStepY(_mm512_set1_ps(stepY)), i0(k.i0) {
    rp->groups = rp->end - rp->begin < kL ? 0 : (rp->end - rp->begin + kL - 1) / kL;
  }
  void Group(const FrameView& f, int g) const {
    const __m512 wOne = _mm512_set1_ps(kOne);
    const __m512i wOneI = _mm512_set1_epi32(static_cast<int>(kOne));
    const __m512i stride0 = _mm512_set1_epi32(f.stride0);
    const __m512i stride1 = _mm512_set1_epi32(f.stride1);
    const __m512i notOne = _mm512_set1_epi32(~1), one = _mm512_set1_epi32(1);
    const __m512i oddShift = _mm512_set1_epi32(0x00020002);
    const __m512 iota = _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    GroupPlan& pl = rp->group[g];
    const __m512 fi = _mm512_add_ps(iota, _mm512_set1_ps(static_cast<float>(rp->Start(g))));
    // Positions rounded exactly as the scalar reference rounds them: the same taps, the same
    // fractions.
    const __m512 sx = MulAdd(fi, vStepX, vRowX);
    const __m512 sy = MulAdd(fi, vStepY, vRowY);
    const __m512 x0f = _mm512_roundscale_ps(sx, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    const __m512 y0f = _mm512_roundscale_ps(sy, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    pl.fy = _mm512_sub_ps(sy, y0f);
    const __m512i fxq = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_sub_ps(sx, x0f), wOne));
    const __m512i wx = _mm512_or_si512(_mm512_slli_epi32(fxq, 16), _mm512_sub_epi32(wOneI, fxq));
    pl.wx = wx;
    const __m512i x0 = _mm512_cvttps_epi32(x0f);
    const __m512i y0 = _mm512_cvttps_epi32(y0f);
    const __m512i rowTop = _mm512_mullo_epi32(y0, stride0);
    if constexpr (!yuv) {
      const __m512i col = bpp == 4 ? _mm512_slli_epi32(x0, 2) : _mm512_add_epi32(x0, _mm512_add_epi32(x0, x0));
      _mm512_store_si512(pl.off, _mm512_add_epi32(rowTop, col));
    } else {
      const __mmask16 odd = _mm512_test_epi32_mask(x0, one);
      pl.wxc = _mm512_mask_mov_epi32(wOneI, odd, wx);  // chroma: (1, 0) for an even x0
      const __m512i even = _mm512_and_si512(x0, notOne);
      if constexpr (Fmt == PixelFormat::Yuyv) {
        _mm512_store_si512(pl.off, _mm512_add_epi32(rowTop, _mm512_add_epi32(even, even)));
        pl.ctrlY = _mm512_mask_add_epi32(i0, odd, i0, oddShift);
      } else {
        // Chroma rows y0 >> 1 and (y0 + 1) >> 1: the same row for an even y0, rows c and c + 1 for
        // an odd one. Reading rows c and c + 1 always, with the vertical weight 0 for an even y0,
        // gives the same value (t + 0 (b - t) = t) and lets both rows share one offset.
        _mm512_store_si512(pl.off, _mm512_add_epi32(rowTop, x0));
        _mm512_store_si512(pl.off1, _mm512_add_epi32(_mm512_mullo_epi32(_mm512_srai_epi32(y0, 1), stride1), even));
        pl.fyc = _mm512_maskz_mov_ps(_mm512_test_epi32_mask(y0, one), pl.fy);
      }
    }
  }
};

// Loads and arithmetic of a planned row. (Interleaving the next row's planning group by group here
// was slower: 32 -> 39 us, YUYV.)
template <PixelFormat Fmt>
void RunRow(const FrameView& f, const Consts& k, const RowPlan& rp, float* out) {
  constexpr bool yuv = Fmt == PixelFormat::Yuyv || Fmt == PixelFormat::Nv12;
  constexpr int r = Fmt == PixelFormat::Bgr ? 2 : 0;
  const uint8_t* const plane0 = f.plane0;
  const ptrdiff_t stride0 = f.stride0, stride1 = f.stride1;  // the bottom taps' rows
  const uint8_t* const plane1 = f.plane1;
  for (int g = 0; g < rp.groups; g++) {
    const GroupPlan& pl = rp.group[g];
    const __m512 fy = pl.fy;
    __m512i tA, tB, bA, bB;
    Words8x2(plane0, stride0, pl.off, &tA, &bA);
    Words8x2(plane0, stride0, pl.off + 8, &tB, &bB);
    __m512 ch[3];
    if constexpr (!yuv) {
      ch[r] = Lerp2(Pairs(tA, tB, k.i0), Pairs(bA, bB, k.i0), pl.wx, fy);
      ch[1] = Lerp2(Pairs(tA, tB, k.i1), Pairs(bA, bB, k.i1), pl.wx, fy);
      ch[2 - r] = Lerp2(Pairs(tA, tB, k.i2), Pairs(bA, bB, k.i2), pl.wx, fy);
      for (int q = 0; q < 3; q++) ch[q] = _mm512_fmadd_ps(ch[q], k.vc, k.vOffset);
    } else {
      __m512 y, u, v;
      if constexpr (Fmt == PixelFormat::Yuyv) {
        y = Lerp2(Pairs(tA, tB, pl.ctrlY), Pairs(bA, bB, pl.ctrlY), pl.wx, fy);
        u = Lerp2(Pairs(tA, tB, k.i1), Pairs(bA, bB, k.i1), pl.wxc, fy);
        v = Lerp2(Pairs(tA, tB, k.i2), Pairs(bA, bB, k.i2), pl.wxc, fy);
      } else {  // NV12
        __m512i cA, cB, dA, dB;
        Words8x2(plane1, stride1, pl.off1, &cA, &dA);
        Words8x2(plane1, stride1, pl.off1 + 8, &cB, &dB);
        y = Lerp2(Pairs(tA, tB, k.i0), Pairs(bA, bB, k.i0), pl.wx, fy);
        u = Lerp2(Pairs(cA, cB, k.i1), Pairs(dA, dB, k.i1), pl.wxc, pl.fyc);
        v = Lerp2(Pairs(cA, cB, k.i2), Pairs(dA, dB, k.i2), pl.wxc, pl.fyc);
      }
      ch[0] = _mm512_fmadd_ps(y, k.kY, _mm512_fmadd_ps(v, k.kRV, k.r0));
      ch[1] = _mm512_fmadd_ps(y, k.kY, _mm512_fmadd_ps(v, k.kGV, _mm512_fmadd_ps(u, k.kGU, k.g0)));
      ch[2] = _mm512_fmadd_ps(y, k.kY, _mm512_fmadd_ps(u, k.kBU, k.b0));
      for (int q = 0; q < 3; q++) ch[q] = _mm512_min_ps(_mm512_max_ps(ch[q], k.vLo), k.vHi);
    }
    k.store.Store(out + rp.Start(g) * 3, ch[0], ch[1], ch[2]);
  }
}

// Rows are planned one ahead of their loads (two plan buffers), and the planning of row j + 1 runs
// interleaved with the loads and arithmetic of row j: the plan's stores are long retired when the
// loads read the offsets back.
template <PixelFormat Fmt>
void Avx512Format(const FrameView& f, const PreprocessParams& p, float* out) {
  const WarpGeometry geo(p);
  if (geo.n > RowPlan::kMaxGroups * kL) return PreprocessAvx2(f, p, out);
  const Consts k = MakeConsts<Fmt>(p);
  // How far right of x0 the 8-byte loads reach, in pixels (NV12: 8 luma bytes from x0, and 8 chroma
  // bytes from x0 rounded down to even), and below y0 (NV12: chroma row (y0 >> 1) + 1).
  constexpr int reach = Fmt == PixelFormat::Nv12 ? 7 : 3;
  constexpr int yReach = Fmt == PixelFormat::Nv12 ? 2 : 1;
  RowPlan plans[2];
  auto planner = [&](int j) {
    RowPlan& rp = plans[j & 1];
    float rowX, rowY;
    geo.Row(j, &rowX, &rowY);
    SafeSpan(f, rowX, rowY, geo.colStepX, geo.colStepY, geo.n, reach, &rp.begin, &rp.end, yReach);
    return Planner<Fmt>(k, rowX, rowY, geo.colStepX, geo.colStepY, &rp);
  };
  {
    const Planner<Fmt> first = planner(0);
    for (int g = 0; g < first.rp->groups; g++) first.Group(f, g);
  }
  for (int j = 0; j < geo.n; j++) {
    const RowPlan& rp = plans[j & 1];
    float rowX, rowY;
    geo.Row(j, &rowX, &rowY);
    float* const rowOut = out + static_cast<size_t>(j) * geo.n * 3;
    // The span's ends, and spans too short for one group, take the general sampler.
    const int simdEnd = rp.groups ? rp.end : rp.begin;
    GeneralRun<Fmt>(f, p, rowX, rowY, geo.colStepX, geo.colStepY, 0, rp.begin, rowOut);
    GeneralRun<Fmt>(f, p, rowX, rowY, geo.colStepX, geo.colStepY, simdEnd, geo.n, rowOut);
    if (j + 1 < geo.n) {
      const Planner<Fmt> next = planner(j + 1);
      for (int g = 0; g < next.rp->groups; g++) next.Group(f, g);
    }
    RunRow<Fmt>(f, k, rp, rowOut);
  }
}

}  // namespace

void PreprocessAvx512(const FrameView& frame, const PreprocessParams& p, float* out) {
  switch (frame.format) {
    case PixelFormat::Rgb: return Avx512Format<PixelFormat::Rgb>(frame, p, out);
    case PixelFormat::Bgr: return Avx512Format<PixelFormat::Bgr>(frame, p, out);
    case PixelFormat::Rgba: return Avx512Format<PixelFormat::Rgba>(frame, p, out);
    case PixelFormat::Yuyv: return Avx512Format<PixelFormat::Yuyv>(frame, p, out);
    case PixelFormat::Nv12: return Avx512Format<PixelFormat::Nv12>(frame, p, out);
  }
}

}  // namespace vtlink
