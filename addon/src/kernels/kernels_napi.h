#pragma once
#include <napi.h>

namespace vtlink {
// Exports simdLevel, supportedSimdLevels, preprocess, decodeBlazeFace.
void InitKernels(Napi::Env env, Napi::Object exports);
}  // namespace vtlink
