// vtlink native addon: module init. Each area registers its exports with one Init call.
#include <napi.h>

#include "kernels/kernels_napi.h"
#include "system/notify.h"
#include "capture/capture_napi.h"
#include "image/preview_jpeg.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  vtlink::InitKernels(env, exports);
  vtlink::InitNotify(env, exports);
  vtlink::InitCapture(env, exports);
  vtlink::InitPreviewJpeg(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(vtlink_native, Init)
