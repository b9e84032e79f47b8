// NEON score scan (aarch64 only; empty elsewhere).
#if defined(__aarch64__)
#include <arm_neon.h>

#include "kernels/decode.h"

namespace vtlink {

int ScanScoresNeon(const float* logits, int n, float threshold, int* indices) {
  const float32x4_t t = vdupq_n_f32(threshold);
  int count = 0;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint32x4_t ge = vcgeq_f32(vld1q_f32(logits + i), t);
    if (vmaxvq_u32(ge) == 0) continue;  // the common case: no candidate in these 4
    uint32_t lanes[4];
    vst1q_u32(lanes, ge);
    for (int k = 0; k < 4; k++) {
      if (lanes[k] != 0) indices[count++] = i + k;
    }
  }
  for (; i < n; i++) {
    if (logits[i] >= threshold) indices[count++] = i;
  }
  return count;
}

}  // namespace vtlink
#endif
