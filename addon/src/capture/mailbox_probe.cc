#include "mailbox_probe.h"

#include <string>

namespace vtlink {

Napi::Function MailboxProbe::Define(Napi::Env env) {
  return DefineClass(env, "MailboxProbe",
                     {
                         InstanceMethod<&MailboxProbe::Offer>("offer"),
                         InstanceMethod<&MailboxProbe::Take>("take"),
                         InstanceMethod<&MailboxProbe::Release>("release"),
                         InstanceMethod<&MailboxProbe::Finish>("finish"),
                         InstanceMethod<&MailboxProbe::Close>("close"),
                         InstanceMethod<&MailboxProbe::Stats>("stats"),
                         InstanceMethod<&MailboxProbe::Recycled>("recycled"),
                     });
}

// new MailboxProbe(mode: 'latest' | 'every', maxLent: number)
MailboxProbe::MailboxProbe(const Napi::CallbackInfo& info) : Napi::ObjectWrap<MailboxProbe>(info) {
  std::string mode = info[0].As<Napi::String>();
  int maxLent = info[1].As<Napi::Number>().Int32Value();
  mailbox_ = std::make_unique<FrameMailbox>(
      mode == "every" ? Delivery::kEvery : Delivery::kLatest, maxLent,
      [this](const NativeFrame& f) {
        std::lock_guard<std::mutex> lock(mutex_);
        recycled_.push_back(static_cast<double>(f.handle));
      },
      [this] { notified_++; });
}

// offer(id) → 'accepted' | 'replaced' | 'wouldBlock' | 'closed' (never blocks: TryOffer)
Napi::Value MailboxProbe::Offer(const Napi::CallbackInfo& info) {
  NativeFrame f;
  f.handle = static_cast<uintptr_t>(info[0].As<Napi::Number>().Int64Value());
  f.sequence = f.handle;
  switch (mailbox_->TryOffer(f)) {
    case FrameMailbox::OfferResult::kAccepted: return Napi::String::New(info.Env(), "accepted");
    case FrameMailbox::OfferResult::kReplaced: return Napi::String::New(info.Env(), "replaced");
    case FrameMailbox::OfferResult::kWouldBlock: return Napi::String::New(info.Env(), "wouldBlock");
    case FrameMailbox::OfferResult::kClosed: return Napi::String::New(info.Env(), "closed");
  }
  return info.Env().Undefined();
}

// take() → { id, slot, generation } | 'empty' | 'lentFull' | 'ended' | 'failed' | 'closed'
Napi::Value MailboxProbe::Take(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  NativeFrame f;
  int slot;
  uint32_t generation;
  switch (mailbox_->Take(&f, &slot, &generation)) {
    case FrameMailbox::TakeResult::kFrame: {
      Napi::Object o = Napi::Object::New(env);
      o.Set("id", static_cast<double>(f.handle));
      o.Set("slot", slot);
      o.Set("generation", generation);
      return o;
    }
    case FrameMailbox::TakeResult::kEmpty: return Napi::String::New(env, "empty");
    case FrameMailbox::TakeResult::kLentFull: return Napi::String::New(env, "lentFull");
    case FrameMailbox::TakeResult::kEnded: return Napi::String::New(env, "ended");
    case FrameMailbox::TakeResult::kFailed: return Napi::String::New(env, "failed");
    case FrameMailbox::TakeResult::kClosed: return Napi::String::New(env, "closed");
  }
  return env.Undefined();
}

Napi::Value MailboxProbe::Release(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), mailbox_->Release(info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Uint32Value()));
}

Napi::Value MailboxProbe::Finish(const Napi::CallbackInfo& info) {
  mailbox_->Finish(info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "");
  return info.Env().Undefined();
}

Napi::Value MailboxProbe::Close(const Napi::CallbackInfo& info) {
  mailbox_->Close();
  return Napi::Number::New(info.Env(), mailbox_->ReleaseAll());
}

Napi::Value MailboxProbe::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MailboxStats s = mailbox_->stats();
  Napi::Object o = Napi::Object::New(env);
  o.Set("offered", static_cast<double>(s.offered));
  o.Set("delivered", static_cast<double>(s.delivered));
  o.Set("dropped", static_cast<double>(s.dropped));
  o.Set("lent", s.lent);
  o.Set("pending", s.pending);
  o.Set("notified", notified_);
  o.Set("failure", mailbox_->failure());
  return o;
}

Napi::Value MailboxProbe::Recycled(const Napi::CallbackInfo& info) {
  std::lock_guard<std::mutex> lock(mutex_);
  Napi::Array a = Napi::Array::New(info.Env(), recycled_.size());
  for (size_t i = 0; i < recycled_.size(); i++) a.Set(i, recycled_[i]);
  return a;
}

}  // namespace vtlink
