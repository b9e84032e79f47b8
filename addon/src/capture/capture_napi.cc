#include "capture_napi.h"

#include "capture_stream.h"
#include "gstreamer.h"
#include "mailbox_probe.h"
#include "mjpeg.h"
#include "v4l2.h"

namespace vtlink {

namespace {

// arrayBufferAddress(ab) → bigint: where an ArrayBuffer's bytes live, to show a frame's
// ArrayBuffer is the capture buffer itself (tests compare it with the frame's `address`).
Napi::Value ArrayBufferAddress(const Napi::CallbackInfo& info) {
  Napi::ArrayBuffer ab = info[0].As<Napi::ArrayBuffer>();
  return Napi::BigInt::New(info.Env(), static_cast<uint64_t>(reinterpret_cast<uintptr_t>(ab.Data())));
}

}  // namespace

void InitCapture(Napi::Env env, Napi::Object exports) {
  exports.Set("CaptureStream", CaptureStream::Define(env));
  exports.Set("listV4l2Devices", Napi::Function::New<ListV4l2Devices>(env, "listV4l2Devices"));
  exports.Set("gstreamerInfo", Napi::Function::New<GstreamerInfo>(env, "gstreamerInfo"));
  Napi::Object testing = Napi::Object::New(env);
  testing.Set("decodeMjpeg", Napi::Function::New<DecodeMjpegForTest>(env, "decodeMjpeg"));
  testing.Set("arrayBufferAddress", Napi::Function::New<ArrayBufferAddress>(env, "arrayBufferAddress"));
  testing.Set("MailboxProbe", MailboxProbe::Define(env));
  exports.Set("captureTesting", testing);
}

}  // namespace vtlink
