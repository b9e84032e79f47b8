// SSE4.1 preprocess (this file alone is compiled with -msse4.1; chosen at run time).
#include <smmintrin.h>

#include "kernels/preprocess_simd.h"

namespace vtlink {
namespace {

struct Sse41 {
  static constexpr int L = 4;
  using F = __m128;
  using I = __m128i;
  static F Set1(float v) { return _mm_set1_ps(v); }
  static F Iota() { return _mm_setr_ps(0, 1, 2, 3); }
  static F Add(F a, F b) { return _mm_add_ps(a, b); }
  static F Sub(F a, F b) { return _mm_sub_ps(a, b); }
  static F Mul(F a, F b) { return _mm_mul_ps(a, b); }
  static F Min(F a, F b) { return _mm_min_ps(a, b); }
  static F Max(F a, F b) { return _mm_max_ps(a, b); }
  static F Floor(F a) { return _mm_floor_ps(a); }
  static I ToInt(F a) { return _mm_cvttps_epi32(a); }
  static F ToFloat(I a) { return _mm_cvtepi32_ps(a); }
  static I Set1i(int v) { return _mm_set1_epi32(v); }
  static I Add(I a, I b) { return _mm_add_epi32(a, b); }
  static I MulI(I a, I b) { return _mm_mullo_epi32(a, b); }
  static I And(I a, I b) { return _mm_and_si128(a, b); }
  template <int S> static I Srl(I a) { return _mm_srli_epi32(a, S); }
  template <int S> static I Sra(I a) { return _mm_srai_epi32(a, S); }
  static I OddMask(I a) { return _mm_cmpeq_epi32(_mm_and_si128(a, _mm_set1_epi32(1)), _mm_set1_epi32(1)); }
  static I Blend(I a, I b, I mask) { return _mm_blendv_epi8(a, b, mask); }
  // No FMA at this level: multiply, then add (the scalar reference's own rounding).
  static F Fma(F a, F b, F c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }
  static F MulAdd(F a, F b, F c) { return Fma(a, b, c); }
  static I RoundToInt(F a) { return _mm_cvtps_epi32(a); }
  static I SubI(I a, I b) { return _mm_sub_epi32(a, b); }
  static I Or(I a, I b) { return _mm_or_si128(a, b); }
  template <int S> static I Sll(I a) { return _mm_slli_epi32(a, S); }
  static I AndNot1(I a) { return _mm_and_si128(a, _mm_set1_epi32(~1)); }
  static void StoreI(int32_t* p, I a) { _mm_store_si128(reinterpret_cast<__m128i*>(p), a); }
  static I Control(const uint8_t* b) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(b)); }
  static I Shuffle8(I a, I ctrl) { return _mm_shuffle_epi8(a, ctrl); }
  static I Madd(I a, I b) { return _mm_madd_epi16(a, b); }
  // The 8-byte words of lanes [0 1] and [2 3].
  static void LoadWords(const uint8_t* base, const int32_t* o, I* a, I* b) {
    int64_t w[4];
    for (int k = 0; k < 4; k++) std::memcpy(&w[k], base + o[k], 8);
    *a = _mm_insert_epi64(_mm_cvtsi64_si128(w[0]), w[1], 1);
    *b = _mm_insert_epi64(_mm_cvtsi64_si128(w[2]), w[3], 1);
  }
  static void LoadWords2(const uint8_t* top, const uint8_t* bottom, const int32_t* o, I* ta, I* tb, I* ba, I* bb) {
    LoadWords(top, o, ta, tb);
    LoadWords(bottom, o, ba, bb);
  }
  static I EvenDwords(I a, I b) {
    return _mm_castps_si128(_mm_shuffle_ps(_mm_castsi128_ps(a), _mm_castsi128_ps(b), 0x88));
  }
  static I OddDwords(I a, I b) {
    return _mm_castps_si128(_mm_shuffle_ps(_mm_castsi128_ps(a), _mm_castsi128_ps(b), 0xdd));
  }
  static I SpreadA(I v) { return _mm_unpacklo_epi32(v, _mm_setzero_si128()); }
  static I SpreadB(I v) { return _mm_unpackhi_epi32(v, _mm_setzero_si128()); }
  static void StoreRgb(float* out, F r, F g, F b) {
    F a = r, c = g, d = b, e = _mm_setzero_ps();
    _MM_TRANSPOSE4_PS(a, c, d, e);  // a..e: pixels 0..3 as [r g b 0]
    _mm_storeu_ps(out, a);
    _mm_storeu_ps(out + 3, c);
    _mm_storeu_ps(out + 6, d);
    _mm_storel_pi(reinterpret_cast<__m64*>(out + 9), e);
    _mm_store_ss(out + 11, _mm_movehl_ps(e, e));
  }
};

}  // namespace

void PreprocessSse41(const FrameView& frame, const PreprocessParams& p, float* out) {
  SimdPreprocess<Sse41>(frame, p, out);
}

}  // namespace vtlink
