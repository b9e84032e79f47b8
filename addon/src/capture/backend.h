// What a capture backend (GStreamer appsink, V4L2) gives the generic stream: a producer thread that
// fills a FrameMailbox, and a way to give each frame's buffer back.
#pragma once

#include <napi.h>

#include <cstddef>
#include <string>

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
  // Start the producer thread. Called once, after construction succeeded.
  virtual void Start(FrameMailbox* mailbox) = 0;
  // Stop and join the producer thread and stop the device/pipeline. Lent frames stay readable
  // until recycled (the backend keeps their memory alive). Idempotent.
  virtual void Stop() = 0;
  // Give a frame's buffer back (unmap+unref, re-queue to the driver). Any thread, once per frame.
  virtual void Recycle(const NativeFrame& frame) = 0;
  // What was opened (negotiated format, caps), for JS. Called on the JS thread.
  virtual Napi::Value Describe(Napi::Env env) { return env.Undefined(); }
  // Test hook: one byte of a lent frame read through the backend's own view of the buffer
  // (GStreamer maps the GstBuffer again), to show that JS and the backend share the memory.
  virtual int ReadNativeByte(const NativeFrame& frame, size_t offset) {
    return offset < frame.size ? frame.data[offset] : -1;
  }
};

}  // namespace vtlink
