// AVX2 score scan (compiled with -mavx2 -mfma; chosen at run time).
#include <immintrin.h>

#include "kernels/decode.h"

namespace vtlink {

int ScanScoresAvx2(const float* logits, int n, float threshold, int* indices) {
  const __m256 t = _mm256_set1_ps(threshold);
  int count = 0;
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    int mask = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(logits + i), t, _CMP_GE_OQ));
    while (mask != 0) {
      indices[count++] = i + __builtin_ctz(mask);
      mask &= mask - 1;
    }
  }
  for (; i < n; i++) {
    if (logits[i] >= threshold) indices[count++] = i;
  }
  return count;
}

}  // namespace vtlink
