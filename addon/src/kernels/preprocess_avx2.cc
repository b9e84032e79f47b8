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
  static I Gather(const uint8_t* base, I offsets) {
    return _mm256_i32gather_epi32(reinterpret_cast<const int*>(base), offsets, 1);
  }
  // Three 8-lane planes -> 24 interleaved floats: each output vector is one permute of r, g and b
  // by the same index vector, then two blends.
  static void StoreRgb(float* out, F r, F g, F b) {
    const __m256i i0 = _mm256_setr_epi32(0, 0, 0, 1, 1, 1, 2, 2);
    const __m256i i1 = _mm256_setr_epi32(2, 3, 3, 3, 4, 4, 4, 5);
    const __m256i i2 = _mm256_setr_epi32(5, 5, 6, 6, 6, 7, 7, 7);
    F o0 = _mm256_blend_ps(_mm256_permutevar8x32_ps(r, i0), _mm256_permutevar8x32_ps(g, i0), 0x92);
    o0 = _mm256_blend_ps(o0, _mm256_permutevar8x32_ps(b, i0), 0x24);
    F o1 = _mm256_blend_ps(_mm256_permutevar8x32_ps(r, i1), _mm256_permutevar8x32_ps(g, i1), 0x24);
    o1 = _mm256_blend_ps(o1, _mm256_permutevar8x32_ps(b, i1), 0x49);
    F o2 = _mm256_blend_ps(_mm256_permutevar8x32_ps(r, i2), _mm256_permutevar8x32_ps(g, i2), 0x49);
    o2 = _mm256_blend_ps(o2, _mm256_permutevar8x32_ps(b, i2), 0x92);
    _mm256_storeu_ps(out, o0);
    _mm256_storeu_ps(out + 8, o1);
    _mm256_storeu_ps(out + 16, o2);
  }
};

}  // namespace

void PreprocessAvx2(const FrameView& frame, const PreprocessParams& p, float* out) {
  SimdPreprocess<Avx2>(frame, p, out);
}

}  // namespace vtlink
