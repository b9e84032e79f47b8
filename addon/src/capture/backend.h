// What a capture backend (GStreamer appsink, V4L2) gives the generic stream: a producer thread that
// starts the device/pipeline, fills a FrameMailbox and stops the device/pipeline again, and a way
// to give each frame's buffer back.
//
// Threads. Everything that can block on the camera runs on the producer thread, never on the JS
// thread: starting (a GStreamer filesrc opening a FIFO nobody writes blocks in open()), reading,
// and stopping (setting a pipeline to NULL waits for its streaming thread, which a stalled camera
// keeps stuck in read() for as long as it stalls). So the producer thread is detached, never
// joined: Start() hands it `keepAlive` (the stream's shared core, which owns this backend), and it
// lets go of it only after its teardown, so the backend and the mailbox outlive it however late
// that is. The JS side asks it to stop (RequestStop, never blocks) and learns that it has finished
// through `finished`, the thread's last call.
#pragma once

#include <napi.h>

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "mailbox.h"

namespace vtlink {

// Why a backend could not be opened: `code` for programs (ENOENT: no such device, ENOTV4L2: not
// a capture device, EFORMAT: the format was refused, ECAPTURE: anything else), `message` for people.
struct OpenError {
  std::string code = "ECAPTURE";
  std::string message;
};

class CaptureBackend {
 public:
  virtual ~CaptureBackend() = default;

  // Start the producer thread (once, after construction succeeded): it runs Produce(), then
  // `finished()`, then drops `keepAlive` (possibly destroying this backend on that thread).
  void Start(FrameMailbox* mailbox, std::shared_ptr<void> keepAlive, std::function<void()> finished) {
    mailbox_ = mailbox;
    launched_ = true;
    std::thread([this, keepAlive = std::move(keepAlive), finished = std::move(finished)]() mutable {
      Produce();
      finished();
      keepAlive.reset();  // last: `this` may be gone after it
    }).detach();
  }
  // Ask the producer to stop; it stops the device/pipeline itself. Never blocks. Idempotent.
  void RequestStop() { stopped_ = true; }

  // Give a frame's buffer back (unmap+unref, re-queue to the driver). Any thread, once per frame.
  virtual void Recycle(const NativeFrame& frame) = 0;
  // What was opened (negotiated format, caps), for JS. Called on the JS thread; must not block.
  virtual Napi::Value Describe(Napi::Env env) { return env.Undefined(); }
  // Test hook: one byte of a lent frame read through the backend's own view of the buffer
  // (GStreamer maps the GstBuffer again), to show that JS and the backend share the memory.
  virtual int ReadNativeByte(const NativeFrame& frame, size_t offset) {
    return offset < frame.size ? frame.data[offset] : -1;
  }

 protected:
  // The producer thread's whole life: start the device/pipeline, Offer frames (or Finish the
  // mailbox with an error) until `stopped_` or the end, then stop the device/pipeline. Lent frames
  // stay readable after it returns (the backend keeps their memory until it is destroyed).
  virtual void Produce() = 0;

  FrameMailbox* mailbox_ = nullptr;
  std::atomic<bool> stopped_{false};
  // Whether Start() ran: a backend destroyed without it stops its device/pipeline in its destructor.
  bool launched_ = false;
};

}  // namespace vtlink
