// MailboxProbe: the FrameMailbox driven from JS with fake frames (numbers), so tests can check
// the ring bookkeeping (latest-frame replacement, every-frame back-pressure, lending limits, each
// frame recycled exactly once) without a camera.
#pragma once

#include <napi.h>

#include <memory>
#include <mutex>
#include <vector>

#include "mailbox.h"

namespace vtlink {

class MailboxProbe : public Napi::ObjectWrap<MailboxProbe> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit MailboxProbe(const Napi::CallbackInfo& info);

 private:
  Napi::Value Offer(const Napi::CallbackInfo& info);
  Napi::Value Take(const Napi::CallbackInfo& info);
  Napi::Value Release(const Napi::CallbackInfo& info);
  Napi::Value Finish(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Recycled(const Napi::CallbackInfo& info);

  std::mutex mutex_;
  std::vector<double> recycled_;
  int notified_ = 0;
  std::unique_ptr<FrameMailbox> mailbox_;
};

}  // namespace vtlink
