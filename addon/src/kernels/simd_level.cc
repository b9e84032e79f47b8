#include "kernels/simd_level.h"

#include <cstring>
#include <initializer_list>

namespace vtlink {

bool SimdLevelSupported(SimdLevel level) {
  switch (level) {
    case SimdLevel::Scalar:
      return true;
#if defined(__x86_64__)
    case SimdLevel::Sse41:
      return __builtin_cpu_supports("sse4.1");
    case SimdLevel::Avx2:
      // The AVX2 kernels are also compiled with -mfma.
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case SimdLevel::Avx512:
      // F + BW + VL + VBMI (the byte permutes), and the AVX2 + FMA the level falls back on.
      return SimdLevelSupported(SimdLevel::Avx2) && __builtin_cpu_supports("avx512f") &&
             __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512vbmi");
#endif
#if defined(__aarch64__)
    case SimdLevel::Neon:
      return true;
#endif
    default:
      return false;
  }
}

SimdLevel BestSimdLevel() {
  static const SimdLevel best = [] {
    for (SimdLevel l : {SimdLevel::Neon, SimdLevel::Avx512, SimdLevel::Avx2, SimdLevel::Sse41}) {
      if (SimdLevelSupported(l)) return l;
    }
    return SimdLevel::Scalar;
  }();
  return best;
}

const char* SimdLevelName(SimdLevel level) {
  switch (level) {
    case SimdLevel::Sse41: return "sse4.1";
    case SimdLevel::Avx2: return "avx2";
    case SimdLevel::Avx512: return "avx512";
    case SimdLevel::Neon: return "neon";
    default: return "scalar";
  }
}

bool ParseSimdLevel(const char* name, SimdLevel* level) {
  for (SimdLevel l : kAllSimdLevels) {
    if (std::strcmp(name, SimdLevelName(l)) == 0) {
      *level = l;
      return true;
    }
  }
  return false;
}

}  // namespace vtlink
