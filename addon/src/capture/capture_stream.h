// CaptureStream: the JS object over one capture backend (exported as `CaptureStream`).
//
//   new CaptureStream('gst', pipeline, options) | new CaptureStream('v4l2', path, options)
//   next(): Promise<Frame | null>     resolves with the next frame (null at the end or after close);
//                                     rejects with the backend's error (bus error, unplugged camera)
//   release(slot, generation, data?)  gives a frame back (its ArrayBuffer is detached)
//   close(), stats(), info(), readNativeByte(slot, generation, offset)
//
// A Frame's `data` is an external ArrayBuffer over the backend's buffer (no copy). Each frame
// holds a reference to the shared Core, so buffers a consumer still holds outlive close(); the
// ArrayBuffer's finaliser releases a frame that JS dropped without release() (safety net).
#pragma once

#include <napi.h>

#include <atomic>
#include <memory>

#include "backend.h"
#include "mailbox.h"

namespace vtlink {

struct CaptureCore {
  std::unique_ptr<CaptureBackend> backend;  // destroyed after the mailbox
  std::unique_ptr<FrameMailbox> mailbox;
  ~CaptureCore() {
    if (mailbox) {
      mailbox->Close();
      mailbox->ReleaseAll();
      mailbox.reset();
    }
  }
};

class CaptureStream : public Napi::ObjectWrap<CaptureStream> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit CaptureStream(const Napi::CallbackInfo& info);
  ~CaptureStream() override;

 private:
  // The notifier's context outlives the stream (a queued call may run after the stream is gone):
  // it is cleared on shutdown and deleted by the thread-safe function's finaliser.
  struct Link {
    CaptureStream* stream;
  };
  static void OnNotify(Napi::Env env, Napi::Function, Link* link, void*);
  // The thread-safe function's finaliser. At environment teardown Node finalises (and then frees)
  // the TSFN on its own, before the stream's destructor may run: the producer must be stopped here.
  static void OnNotifierFinalized(Napi::Env env, void*, Link* link);
  using Tsfn = Napi::TypedThreadSafeFunction<Link, void, &CaptureStream::OnNotify>;

  Napi::Value Next(const Napi::CallbackInfo& info);
  Napi::Value Release(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value ReadNativeByte(const Napi::CallbackInfo& info);

  void Deliver(Napi::Env env);
  void Settle(Napi::Env env, Napi::Value frameOrNull, const char* error);
  Napi::Object MakeFrame(Napi::Env env, const NativeFrame& frame, int slot, uint32_t generation);
  void Shutdown();

  std::shared_ptr<CaptureCore> core_;
  std::unique_ptr<Napi::Promise::Deferred> waiting_;
  Tsfn tsfn_;
  Link* link_ = nullptr;
  std::atomic<bool> notifyQueued_{false};
  bool started_ = false;
  bool closed_ = false;
  bool refed_ = false;
};

}  // namespace vtlink
