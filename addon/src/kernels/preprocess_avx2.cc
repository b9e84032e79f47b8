// AVX2 + FMA preprocess (this file alone is compiled with -mavx2 -mfma; chosen at run time).
#include <immintrin.h>

#include "kernels/preprocess_simd.h"

namespace vtlink {
namespace {

struct Avx2 {
  static constexpr int L = 8;
  using F = __m256;
  using I = __m256i;
  static F Set1(float v) { return _mm256_set1_ps(v); }
  static F Iota() { return _mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7); }
  static F Add(F a, F b) { return _mm256_add_ps(a, b); }
  static F Sub(F a, F b) { return _mm256_sub_ps(a, b); }
  static F Mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F Min(F a, F b) { return _mm256_min_ps(a, b); }
  static F Max(F a, F b) { return _mm256_max_ps(a, b); }
  static F Floor(F a) { return _mm256_floor_ps(a); }
  static I ToInt(F a) { return _mm256_cvttps_epi32(a); }
  static F ToFloat(I a) { return _mm256_cvtepi32_ps(a); }
  static I Set1i(int v) { return _mm256_set1_epi32(v); }
  static I Add(I a, I b) { return _mm256_add_epi32(a, b); }
  static I MulI(I a, I b) { return _mm256_mullo_epi32(a, b); }
  static I And(I a, I b) { return _mm256_and_si256(a, b); }
  template <int S> static I Srl(I a) { return _mm256_srli_epi32(a, S); }
  template <int S> static I Sra(I a) { return _mm256_srai_epi32(a, S); }
  static I OddMask(I a) {
    return _mm256_cmpeq_epi32(_mm256_and_si256(a, _mm256_set1_epi32(1)), _mm256_set1_epi32(1));
  }
  static I Blend(I a, I b, I mask) { return _mm256_blendv_epi8(a, b, mask); }
  static F Fma(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  // a * b + c rounded twice, as the scalar reference (built without FMA) computes sample positions;
  // the empty asm keeps the compiler from contracting it into an FMA.
  static F MulAdd(F a, F b, F c) {
    F m = _mm256_mul_ps(a, b);
    __asm__("" : "+x"(m));
    return _mm256_add_ps(m, c);
  }
  static I RoundToInt(F a) { return _mm256_cvtps_epi32(a); }
  static I SubI(I a, I b) { return _mm256_sub_epi32(a, b); }
  static I Or(I a, I b) { return _mm256_or_si256(a, b); }
  template <int S> static I Sll(I a) { return _mm256_slli_epi32(a, S); }
  static I AndNot1(I a) { return _mm256_and_si256(a, _mm256_set1_epi32(~1)); }
  static void StoreI(int32_t* p, I a) { _mm256_store_si256(reinterpret_cast<__m256i*>(p), a); }
  static I Control(const uint8_t* b) {
    return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b)));
  }
  static I Shuffle8(I a, I ctrl) { return _mm256_shuffle_epi8(a, ctrl); }
  static I Madd(I a, I b) { return _mm256_madd_epi16(a, b); }
  // The words of lanes [0 1 | 4 5] and [2 3 | 6 7]: even / odd dwords of the pair then come out in
  // lane order (shuffle_ps works within 128-bit halves).
  static void LoadWords(const uint8_t* base, const int32_t* o, I* a, I* b) {
    *a = Words(base, o[0], o[1], o[4], o[5]);
    *b = Words(base, o[2], o[3], o[6], o[7]);
  }
  static void LoadWords2(const uint8_t* top, const uint8_t* bottom, const int32_t* o, I* ta, I* tb, I* ba, I* bb) {
    const uint32_t o0 = o[0], o1 = o[1], o2 = o[2], o3 = o[3], o4 = o[4], o5 = o[5], o6 = o[6], o7 = o[7];
    *ta = Words(top, o0, o1, o4, o5);
    *tb = Words(top, o2, o3, o6, o7);
    *ba = Words(bottom, o0, o1, o4, o5);
    *bb = Words(bottom, o2, o3, o6, o7);
  }
  // Offsets are non-negative: as uint32_t they index without a sign extension.
  static I Words(const uint8_t* base, uint32_t o0, uint32_t o1, uint32_t o2, uint32_t o3) {
    int64_t w0, w1, w2, w3;
    std::memcpy(&w0, base + o0, 8);
    std::memcpy(&w1, base + o1, 8);
    std::memcpy(&w2, base + o2, 8);
    std::memcpy(&w3, base + o3, 8);
    const __m128i lo = _mm_insert_epi64(_mm_cvtsi64_si128(w0), w1, 1);
    const __m128i hi = _mm_insert_epi64(_mm_cvtsi64_si128(w2), w3, 1);
    return _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
  }
  static I EvenDwords(I a, I b) {
    return _mm256_castps_si256(_mm256_shuffle_ps(_mm256_castsi256_ps(a), _mm256_castsi256_ps(b), 0x88));
  }
  static I OddDwords(I a, I b) {
    return _mm256_castps_si256(_mm256_shuffle_ps(_mm256_castsi256_ps(a), _mm256_castsi256_ps(b), 0xdd));
  }
  // Per-lane dwords [0 1 | 4 5] and [2 3 | 6 7] into the low dword of 64-bit lanes (LoadWords' layout).
  static I SpreadA(I v) { return _mm256_unpacklo_epi32(v, _mm256_setzero_si256()); }
  static I SpreadB(I v) { return _mm256_unpackhi_epi32(v, _mm256_setzero_si256()); }
  // Three 8-lane planes -> 24 interleaved floats. Within each output vector, the r, g and b
  // values it takes sit at distinct positions, and each channel's 8 values land on 8 distinct
  // positions across the three: one permute per channel puts every value where it goes, then two
  // blends per output vector pick the channel of each position.
  static void StoreRgb(float* out, F r, F g, F b) {
    const F rr = _mm256_permutevar8x32_ps(r, _mm256_setr_epi32(0, 3, 6, 1, 4, 7, 2, 5));
    const F gg = _mm256_permutevar8x32_ps(g, _mm256_setr_epi32(5, 0, 3, 6, 1, 4, 7, 2));
    const F bb = _mm256_permutevar8x32_ps(b, _mm256_setr_epi32(2, 5, 0, 3, 6, 1, 4, 7));
    // o0 = r0 g0 b0 r1 g1 b1 r2 g2, o1 = b2 r3 g3 b3 r4 g4 b4 r5, o2 = g5 b5 r6 g6 b6 r7 g7 b7
    _mm256_storeu_ps(out, _mm256_blend_ps(_mm256_blend_ps(rr, gg, 0x92), bb, 0x24));
    _mm256_storeu_ps(out + 8, _mm256_blend_ps(_mm256_blend_ps(rr, gg, 0x24), bb, 0x49));
    _mm256_storeu_ps(out + 16, _mm256_blend_ps(_mm256_blend_ps(rr, gg, 0x49), bb, 0x92));
  }
};

}  // namespace

void PreprocessAvx2(const FrameView& frame, const PreprocessParams& p, float* out) {
  SimdPreprocess<Avx2>(frame, p, out);
}

}  // namespace vtlink
