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
  static I Gather(const uint8_t* base, I offsets) {
    alignas(16) int32_t o[4];
    _mm_store_si128(reinterpret_cast<__m128i*>(o), offsets);
    int32_t v[4];
    for (int k = 0; k < 4; k++) std::memcpy(&v[k], base + o[k], 4);
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(v));
  }
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
