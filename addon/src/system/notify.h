#pragma once
#include <napi.h>

namespace vtlink {
// Exports notify(state, socket?) (sd_notify without libsystemd).
void InitNotify(Napi::Env env, Napi::Object exports);
}  // namespace vtlink
