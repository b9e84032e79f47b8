// The capture backends' exports (called once from addon.cc).
#pragma once

#include <napi.h>

namespace vtlink {

// exports.CaptureStream, exports.listV4l2Devices, exports.gstreamerInfo, and
// exports.captureTesting (decodeMjpeg, arrayBufferAddress, MailboxProbe) for the tests.
void InitCapture(Napi::Env env, Napi::Object exports);

}  // namespace vtlink
