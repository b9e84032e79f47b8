// SIMD levels the kernels come in, and the run-time choice among them.
#pragma once

namespace vtlink {

enum class SimdLevel { Scalar, Sse41, Avx2, Neon };

// The fastest level this CPU runs (cpuid on x86-64; NEON is always there on aarch64).
SimdLevel BestSimdLevel();
bool SimdLevelSupported(SimdLevel level);
const char* SimdLevelName(SimdLevel level);
// Parses "scalar" | "sse4.1" | "avx2" | "neon"; returns false for anything else.
bool ParseSimdLevel(const char* name, SimdLevel* level);

}  // namespace vtlink
