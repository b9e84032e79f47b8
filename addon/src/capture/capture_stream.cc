#include "capture_stream.h"

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <string>
#include <utility>

#include "gstreamer.h"
#include "v4l2.h"

namespace vtlink {

namespace {

// A frame's ticket back to its slot, owned by its ArrayBuffer's finaliser. Holding the core keeps
// the backend (pipeline, mmap'd buffers) alive while JS can still reach the memory.
struct FrameTicket {
  std::shared_ptr<CaptureCore> core;
  int slot;
  uint32_t generation;
};

void FinalizeFrame(Napi::Env, void*, FrameTicket* ticket) {
  // Released already (the usual case) → Release is a no-op for this generation.
  if (ticket->core->mailbox) ticket->core->mailbox->Release(ticket->slot, ticket->generation);
  delete ticket;
}

Delivery ParseDelivery(const Napi::Object& options) {
  Napi::Value every = options.Get("everyFrame");
  return every.IsBoolean() && every.As<Napi::Boolean>().Value() ? Delivery::kEvery : Delivery::kLatest;
}

int ParseInt(const Napi::Object& options, const char* name, int fallback) {
  Napi::Value v = options.Get(name);
  return v.IsNumber() ? v.As<Napi::Number>().Int32Value() : fallback;
}

}  // namespace

// The producer thread's line to JS. Shared (shared_ptr) by the stream, the mailbox's notify
// callback, the producer's `finished` callback and the TSFN's own context, so whichever side goes
// first, the other still finds it. The TSFN is called only under `mutex` while `open`; the JS side
// closes it (releases the TSFN) once the producer has finished, or Node finalises it at
// environment teardown: either way no thread touches the TSFN afterwards.
struct CaptureNotifier {
  using Ref = std::shared_ptr<CaptureNotifier>;
  static void OnCall(Napi::Env env, Napi::Function, Ref* ref, void*);
  static void OnFinalized(Napi::Env env, void*, Ref* ref);
  using Tsfn = Napi::TypedThreadSafeFunction<Ref, void, &CaptureNotifier::OnCall>;

  std::mutex mutex;
  std::condition_variable finishedChanged;
  bool open = true;       // guarded by mutex
  bool finished = false;  // guarded by mutex: the producer thread has stopped the source and ends
  std::atomic<bool> queued{false};
  Tsfn tsfn;
  CaptureStream* stream = nullptr;  // JS thread only; null once the stream is destroyed

  // Producer: wake JS (frames, end, error). Coalesced: one queued call however many frames came.
  void Wake() {
    std::lock_guard<std::mutex> lock(mutex);
    if (open && !queued.exchange(true)) tsfn.NonBlockingCall();
  }
  // Producer, its last call: the pipeline/device is stopped.
  void ProducerFinished() {
    std::lock_guard<std::mutex> lock(mutex);
    finished = true;
    finishedChanged.notify_all();
    if (open) tsfn.NonBlockingCall();
  }
  bool Finished() {
    std::lock_guard<std::mutex> lock(mutex);
    return finished;
  }
  bool WaitFinished(std::chrono::milliseconds limit) {
    std::unique_lock<std::mutex> lock(mutex);
    return finishedChanged.wait_for(lock, limit, [this] { return finished; });
  }
  // JS thread: keep Node alive (a next() waits) or not.
  void SetRef(Napi::Env env, bool ref) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!open) return;
    if (ref) {
      tsfn.Ref(env);
    } else {
      tsfn.Unref(env);
    }
  }
  // JS thread: no more calls; release the TSFN (Node finalises it later). Idempotent.
  void Close() {
    std::lock_guard<std::mutex> lock(mutex);
    if (!open) return;
    open = false;
    tsfn.Release();
  }
};

void CaptureNotifier::OnCall(Napi::Env env, Napi::Function, Ref* ref, void*) {
  // env is null for calls still queued when Node deletes the TSFN, after OnFinalized freed `ref`:
  // test it first.
  if (env == nullptr || ref == nullptr) return;
  CaptureNotifier& self = **ref;
  self.queued = false;
  if (self.stream) self.stream->OnWake(env);
}

void CaptureNotifier::OnFinalized(Napi::Env, void*, Ref* ref) {
  Ref self = std::move(*ref);
  delete ref;
  {
    std::lock_guard<std::mutex> lock(self->mutex);
    self->open = false;  // Node deletes the TSFN after this returns
  }
  if (CaptureStream* stream = self->stream) {
    // The stream is still alive: the environment is being torn down (process exit, worker end).
    // Stop the producer and give it a moment, so an ordinary exit ends with the pipeline stopped
    // and freed; a producer stuck on a stalled source is left behind (it no longer touches JS).
    stream->Shutdown();
    self->WaitFinished(std::chrono::milliseconds(250));
  }
}

Napi::Function CaptureStream::Define(Napi::Env env) {
  return DefineClass(env, "CaptureStream",
                     {
                         InstanceMethod<&CaptureStream::Next>("next"),
                         InstanceMethod<&CaptureStream::Release>("release"),
                         InstanceMethod<&CaptureStream::Close>("close"),
                         InstanceMethod<&CaptureStream::Stats>("stats"),
                         InstanceMethod<&CaptureStream::Info>("info"),
                         InstanceMethod<&CaptureStream::ReadNativeByte>("readNativeByte"),
                     });
}

CaptureStream::CaptureStream(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CaptureStream>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) {
    Napi::TypeError::New(env, "CaptureStream(kind: 'gst' | 'v4l2', target: string, options?)").ThrowAsJavaScriptException();
    return;
  }
  std::string kind = info[0].As<Napi::String>();
  std::string target = info[1].As<Napi::String>();
  Napi::Object options = info.Length() > 2 && info[2].IsObject() ? info[2].As<Napi::Object>() : Napi::Object::New(env);
  Delivery delivery = ParseDelivery(options);
  int maxLent = ParseInt(options, "maxLent", 2);
  if (maxLent < 1 || maxLent > 16) {
    Napi::RangeError::New(env, "maxLent must be 1..16").ThrowAsJavaScriptException();
    return;
  }

  OpenError failure;
  std::unique_ptr<CaptureBackend> backend;
  if (kind == "gst") {
    backend = CreateGstBackend(target, options, &failure);
  } else if (kind == "v4l2") {
    // The driver keeps at least one buffer to fill while JS holds `maxLent`, one is pending and
    // one is being dequeued.
    backend = CreateV4l2Backend(target, options, maxLent + 3, &failure);
  } else {
    failure.message = "unknown capture kind '" + kind + "'";
  }
  if (!backend) {
    Napi::Error e = Napi::Error::New(env, failure.message);
    e.Set("code", Napi::String::New(env, failure.code));
    e.ThrowAsJavaScriptException();
    return;
  }

  notifier_ = std::make_shared<CaptureNotifier>();
  notifier_->stream = this;
  notifier_->tsfn = CaptureNotifier::Tsfn::New(env, "vtlink-capture", 0, 1, new CaptureNotifier::Ref(notifier_),
                                               &CaptureNotifier::OnFinalized);
  notifier_->tsfn.Unref(env);  // an idle stream does not keep Node alive; a waiting next() does

  core_ = std::make_shared<CaptureCore>();
  core_->backend = std::move(backend);
  CaptureBackend* raw = core_->backend.get();
  CaptureNotifier::Ref notifier = notifier_;
  core_->mailbox = std::make_unique<FrameMailbox>(
      delivery, maxLent, [raw](const NativeFrame& f) { raw->Recycle(f); }, [notifier] { notifier->Wake(); });
  // The producer thread holds the core until it has stopped the source, however long that takes.
  core_->backend->Start(core_->mailbox.get(), core_, [notifier] { notifier->ProducerFinished(); });
}

CaptureStream::~CaptureStream() {
  Shutdown();
  if (notifier_) {
    notifier_->stream = nullptr;
    notifier_->Close();
  }
}

void CaptureStream::Shutdown() {
  if (closed_) return;
  closed_ = true;
  if (!core_) return;
  core_->mailbox->Close();        // wakes a producer waiting for room (every-frame delivery)
  core_->backend->RequestStop();  // the producer stops the source itself: this never blocks
}

void CaptureStream::OnWake(Napi::Env env) {
  Deliver(env);
  if (closed_ && notifier_->Finished()) SettleClose(env);
}

Napi::Object CaptureStream::MakeFrame(Napi::Env env, const NativeFrame& f, int slot, uint32_t generation) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("width", f.width);
  o.Set("height", f.height);
  o.Set("format", PixelFormatName(f.format));
  Napi::Array strides = Napi::Array::New(env, f.planes);
  Napi::Array offsets = Napi::Array::New(env, f.planes);
  for (int p = 0; p < f.planes; p++) {
    strides.Set(p, f.strides[p]);
    offsets.Set(p, static_cast<double>(f.offsets[p]));
  }
  o.Set("strides", strides);
  o.Set("offsets", offsets);
  o.Set("timestampMs", std::isnan(f.timestampMs) ? env.Null() : Napi::Number::New(env, f.timestampMs));
  o.Set("sequence", static_cast<double>(f.sequence));
  o.Set("slot", slot);
  o.Set("generation", generation);
  if (!f.error.empty()) {
    o.Set("error", f.error);
    return o;
  }
  auto* ticket = new FrameTicket{core_, slot, generation};
  o.Set("data", Napi::ArrayBuffer::New(env, f.data, f.size, FinalizeFrame, ticket));
  o.Set("address", Napi::BigInt::New(env, static_cast<uint64_t>(reinterpret_cast<uintptr_t>(f.data))));
  return o;
}

void CaptureStream::Settle(Napi::Env env, Napi::Value value, const char* error) {
  std::unique_ptr<Napi::Promise::Deferred> deferred = std::move(waiting_);
  if (refed_) {
    refed_ = false;
    notifier_->SetRef(env, false);
    Unref();
  }
  if (!deferred) return;
  if (error) {
    Napi::Error e = Napi::Error::New(env, error);
    e.Set("code", Napi::String::New(env, "ECAPTURE"));
    deferred->Reject(e.Value());
  } else {
    deferred->Resolve(value);
  }
}

void CaptureStream::Deliver(Napi::Env env) {
  if (!waiting_) return;
  Napi::HandleScope scope(env);
  if (closed_ || !core_) return Settle(env, env.Null(), nullptr);
  NativeFrame frame;
  int slot = 0;
  uint32_t generation = 0;
  switch (core_->mailbox->Take(&frame, &slot, &generation)) {
    case FrameMailbox::TakeResult::kFrame: {
      Napi::Object o = MakeFrame(env, frame, slot, generation);
      if (!frame.error.empty()) core_->mailbox->Release(slot, generation);  // nothing to lend
      return Settle(env, o, nullptr);
    }
    case FrameMailbox::TakeResult::kEmpty:
      return;
    case FrameMailbox::TakeResult::kLentFull: {
      std::string why = "all " + std::to_string(core_->mailbox->maxLent()) +
                        " frames the stream may lend are still held: release() one before next()";
      return Settle(env, env.Undefined(), why.c_str());
    }
    case FrameMailbox::TakeResult::kFailed: {
      std::string why = core_->mailbox->failure();
      return Settle(env, env.Undefined(), why.c_str());
    }
    case FrameMailbox::TakeResult::kEnded:
    case FrameMailbox::TakeResult::kClosed:
      return Settle(env, env.Null(), nullptr);
  }
}

Napi::Value CaptureStream::Next(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (waiting_) {
    Napi::Error::New(env, "next() called while another next() is waiting").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  waiting_ = std::make_unique<Napi::Promise::Deferred>(env);
  Napi::Promise promise = waiting_->Promise();
  Deliver(env);
  if (waiting_ && !refed_) {
    // Waiting for the producer: keep Node (and this object) alive until the frame or the end.
    refed_ = true;
    notifier_->SetRef(env, true);
    Ref();
  }
  return promise;
}

Napi::Value CaptureStream::Release(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) {
    Napi::TypeError::New(env, "release(slot, generation, data?)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  // Detach first: once the buffer is back with the backend, JS must not see it any more.
  if (info.Length() > 2 && info[2].IsArrayBuffer()) {
    Napi::ArrayBuffer ab = info[2].As<Napi::ArrayBuffer>();
    if (!ab.IsDetached()) ab.Detach();
  }
  if (!core_) return Napi::Boolean::New(env, false);
  bool released = core_->mailbox->Release(info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Uint32Value());
  return Napi::Boolean::New(env, released);
}

Napi::Value CaptureStream::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool wasClosed = closed_;
  Shutdown();
  if (!wasClosed && waiting_) Settle(env, env.Null(), nullptr);
  closing_.emplace_back(env);
  Napi::Promise promise = closing_.back().Promise();
  if (!notifier_ || notifier_->Finished()) {
    SettleClose(env);
  } else if (!closingRef_) {
    // Until the producer reports: keep this object (and the notifier's stream pointer) alive, but
    // not Node (the TSFN stays unref'd): a source stuck for good must not hold the process.
    closingRef_ = true;
    Ref();
  }
  return promise;
}

void CaptureStream::SettleClose(Napi::Env env) {
  std::vector<Napi::Promise::Deferred> closing = std::move(closing_);
  closing_.clear();
  if (closingRef_) {
    closingRef_ = false;
    Unref();
  }
  if (notifier_) notifier_->Close();  // the producer has finished: nothing will call JS again
  for (Napi::Promise::Deferred& d : closing) d.Resolve(Napi::Boolean::New(env, true));
}

Napi::Value CaptureStream::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  MailboxStats s = core_ ? core_->mailbox->stats() : MailboxStats{};
  o.Set("offered", static_cast<double>(s.offered));
  o.Set("delivered", static_cast<double>(s.delivered));
  o.Set("dropped", static_cast<double>(s.dropped));
  o.Set("lent", s.lent);
  o.Set("pending", s.pending);
  return o;
}

Napi::Value CaptureStream::Info(const Napi::CallbackInfo& info) {
  return core_ ? core_->backend->Describe(info.Env()) : info.Env().Undefined();
}

Napi::Value CaptureStream::ReadNativeByte(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  NativeFrame frame;
  if (!core_ || info.Length() < 3 ||
      !core_->mailbox->Peek(info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Uint32Value(), &frame)) {
    return Napi::Number::New(env, -1);
  }
  return Napi::Number::New(env, core_->backend->ReadNativeByte(frame, static_cast<size_t>(info[2].As<Napi::Number>().Int64Value())));
}

}  // namespace vtlink
