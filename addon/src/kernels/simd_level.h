// SIMD levels the kernels come in, and the run-time choice among them.
#pragma once

namespace vtlink {

// Codes are shared with src/native/kernels.ts (LEVEL_CODES): append, never renumber.
enum class SimdLevel { Scalar, Sse41, Avx2, Neon, Avx512 };

// Every level, in the order they are listed to JavaScript.
constexpr SimdLevel kAllSimdLevels[] = {SimdLevel::Scalar, SimdLevel::Sse41, SimdLevel::Avx2, SimdLevel::Avx512,
                                        SimdLevel::Neon};

// The fastest level this CPU runs (cpuid on x86-64; NEON is always there on aarch64).
SimdLevel BestSimdLevel();
bool SimdLevelSupported(SimdLevel level);
const char* SimdLevelName(SimdLevel level);
// Parses "scalar" | "sse4.1" | "avx2" | "avx512" | "neon"; returns false for anything else.
bool ParseSimdLevel(const char* name, SimdLevel* level);

}  // namespace vtlink
