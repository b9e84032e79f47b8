// CaptureStream: the JS object over one capture backend (exported as `CaptureStream`).
//
//   new CaptureStream('gst', pipeline, options) | new CaptureStream('v4l2', path, options)
//   next(): Promise<Frame | null>     resolves with the next frame (null at the end or after close);
//                                     rejects with the backend's error (bus error, unplugged camera)
//   release(slot, generation, data?)  gives a frame back (its ArrayBuffer is detached)
//   close(): Promise<true>            never blocks: asks the producer thread to stop; resolves once it
//                                     has stopped the pipeline/device and ended. Never settles while
//                                     a stalled source keeps the producer stuck (race it with a timer)
//   stats(), info(), readNativeByte(slot, generation, offset)
//
// The constructor only parses and checks (synchronous errors: a pipeline that does not parse, a
// missing device); the device/pipeline starts on the producer thread, so a start failure (missing
// file, busy camera) rejects the first next(). Nothing here waits for the camera on the JS thread.
//
// A Frame's `data` is an external ArrayBuffer over the backend's buffer (no copy). Each frame
// holds a reference to the shared Core, so buffers a consumer still holds outlive close(); the
// ArrayBuffer's finaliser releases a frame that JS dropped without release() (safety net).
#pragma once

#include <napi.h>

#include <memory>
#include <vector>

#include "backend.h"
#include "mailbox.h"

namespace vtlink {

// What the stream, its frames and the producer thread share; the last of them to let go frees it
// (the producer thread may be the last, long after close(), when a stalled camera kept it stuck).
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

// The producer thread's line to JS (the thread-safe function): capture_stream.cc.
struct CaptureNotifier;

class CaptureStream : public Napi::ObjectWrap<CaptureStream> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit CaptureStream(const Napi::CallbackInfo& info);
  ~CaptureStream() override;

 private:
  friend struct CaptureNotifier;

  Napi::Value Next(const Napi::CallbackInfo& info);
  Napi::Value Release(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value ReadNativeByte(const Napi::CallbackInfo& info);

  // JS thread, from the notifier: frames arrived, the source ended, or the producer finished.
  void OnWake(Napi::Env env);
  void Deliver(Napi::Env env);
  void Settle(Napi::Env env, Napi::Value frameOrNull, const char* error);
  void SettleClose(Napi::Env env);
  Napi::Object MakeFrame(Napi::Env env, const NativeFrame& frame, int slot, uint32_t generation);
  // Close the mailbox and ask the producer to stop. Never blocks. Idempotent.
  void Shutdown();

  std::shared_ptr<CaptureCore> core_;
  std::shared_ptr<CaptureNotifier> notifier_;
  std::unique_ptr<Napi::Promise::Deferred> waiting_;
  // close() promises waiting for the producer to finish; the object is Ref'd meanwhile.
  std::vector<Napi::Promise::Deferred> closing_;
  bool closed_ = false;
  bool refed_ = false;
  bool closingRef_ = false;
};

}  // namespace vtlink
