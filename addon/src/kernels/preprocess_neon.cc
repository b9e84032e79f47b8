// NEON preprocess (aarch64: NEON is part of the base ISA, no extra flags). Empty elsewhere.
#if defined(__aarch64__)
#include <arm_neon.h>

#include "kernels/preprocess_simd.h"

namespace vtlink {
namespace {

struct Neon {
  static constexpr int L = 4;
  using F = float32x4_t;
  using I = int32x4_t;
  static F Set1(float v) { return vdupq_n_f32(v); }
  static F Iota() {
    static const float k[4] = {0, 1, 2, 3};
    return vld1q_f32(k);
  }
  static F Add(F a, F b) { return vaddq_f32(a, b); }
  static F Sub(F a, F b) { return vsubq_f32(a, b); }
  static F Mul(F a, F b) { return vmulq_f32(a, b); }
  static F Min(F a, F b) { return vminq_f32(a, b); }
  static F Max(F a, F b) { return vmaxq_f32(a, b); }
  static F Floor(F a) { return vrndmq_f32(a); }
  static I ToInt(F a) { return vcvtq_s32_f32(a); }
  static F ToFloat(I a) { return vcvtq_f32_s32(a); }
  static I Set1i(int v) { return vdupq_n_s32(v); }
  static I Add(I a, I b) { return vaddq_s32(a, b); }
  static I MulI(I a, I b) { return vmulq_s32(a, b); }
  static I And(I a, I b) { return vandq_s32(a, b); }
  template <int S> static I Srl(I a) { return vreinterpretq_s32_u32(vshrq_n_u32(vreinterpretq_u32_s32(a), S)); }
  template <int S> static I Sra(I a) { return vshrq_n_s32(a, S); }
  static I OddMask(I a) { return vreinterpretq_s32_u32(vtstq_s32(a, vdupq_n_s32(1))); }
  static I Blend(I a, I b, I mask) { return vbslq_s32(vreinterpretq_u32_s32(mask), b, a); }
  static I Gather(const uint8_t* base, I offsets) {
    int32_t o[4];
    vst1q_s32(o, offsets);
    int32_t v[4];
    for (int k = 0; k < 4; k++) std::memcpy(&v[k], base + o[k], 4);
    return vld1q_s32(v);
  }
  static void StoreRgb(float* out, F r, F g, F b) {
    float32x4x3_t v = {{r, g, b}};
    vst3q_f32(out, v);
  }
};

}  // namespace

void PreprocessNeon(const FrameView& frame, const PreprocessParams& p, float* out) {
  SimdPreprocess<Neon>(frame, p, out);
}

}  // namespace vtlink
#endif
