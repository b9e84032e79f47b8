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
  static F Fma(F a, F b, F c) { return vfmaq_f32(c, a, b); }
  // GCC contracts the scalar reference's a * b + c into one fused multiply-add on aarch64.
  static F MulAdd(F a, F b, F c) { return vfmaq_f32(c, a, b); }
  static I RoundToInt(F a) { return vcvtnq_s32_f32(a); }
  static I SubI(I a, I b) { return vsubq_s32(a, b); }
  static I Or(I a, I b) { return vorrq_s32(a, b); }
  template <int S> static I Sll(I a) { return vshlq_n_s32(a, S); }
  static I AndNot1(I a) { return vandq_s32(a, vdupq_n_s32(~1)); }
  static void StoreI(int32_t* p, I a) { vst1q_s32(p, a); }
  static I Control(const uint8_t* b) { return vreinterpretq_s32_u8(vld1q_u8(b)); }
  // tbl gives 0 for indices >= 16, as pshufb does for 0x80.
  static I Shuffle8(I a, I ctrl) {
    return vreinterpretq_s32_u8(vqtbl1q_u8(vreinterpretq_u8_s32(a), vreinterpretq_u8_s32(ctrl)));
  }
  // int16 pairs: a0 b0 + a1 b1 per 32-bit lane (x86's madd_epi16).
  static I Madd(I a, I b) {
    const int16x8_t a16 = vreinterpretq_s16_s32(a), b16 = vreinterpretq_s16_s32(b);
    return vpaddq_s32(vmull_s16(vget_low_s16(a16), vget_low_s16(b16)), vmull_high_s16(a16, b16));
  }
  // The 8-byte words of lanes [0 1] and [2 3]: scalar loads (NEON has no gather).
  static void LoadWords(const uint8_t* base, const int32_t* o, I* a, I* b) {
    *a = vreinterpretq_s32_u8(vcombine_u8(vld1_u8(base + o[0]), vld1_u8(base + o[1])));
    *b = vreinterpretq_s32_u8(vcombine_u8(vld1_u8(base + o[2]), vld1_u8(base + o[3])));
  }
  static void LoadWords2(const uint8_t* top, const uint8_t* bottom, const int32_t* o, I* ta, I* tb, I* ba, I* bb) {
    LoadWords(top, o, ta, tb);
    LoadWords(bottom, o, ba, bb);
  }
  static I EvenDwords(I a, I b) { return vuzp1q_s32(a, b); }
  static I OddDwords(I a, I b) { return vuzp2q_s32(a, b); }
  static I SpreadA(I v) { return vzip1q_s32(v, vdupq_n_s32(0)); }
  static I SpreadB(I v) { return vzip2q_s32(v, vdupq_n_s32(0)); }
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
