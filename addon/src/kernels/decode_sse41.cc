// SSE4.1 score scan (compiled with -msse4.1; chosen at run time).
#include <smmintrin.h>

#include "kernels/decode.h"

namespace vtlink {

int ScanScoresSse41(const float* logits, int n, float threshold, int* indices) {
  const __m128 t = _mm_set1_ps(threshold);
  int count = 0;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    int mask = _mm_movemask_ps(_mm_cmpge_ps(_mm_loadu_ps(logits + i), t));
    while (mask != 0) {  // most groups have no candidate: one compare, one branch
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
