#include "mailbox.h"

#include <utility>

namespace vtlink {

FrameMailbox::FrameMailbox(Delivery delivery, int maxLent, Recycle recycle, Notify notify)
    : delivery_(delivery),
      recycle_(std::move(recycle)),
      notify_(std::move(notify)),
      slots_(maxLent < 1 ? 1 : maxLent) {}

FrameMailbox::~FrameMailbox() {
  Close();
  ReleaseAll();
}

FrameMailbox::OfferResult FrameMailbox::TryOffer(NativeFrame& frame) {
  NativeFrame replaced;
  bool didReplace = false;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    if (closed_ || finished_) {
      lock.unlock();
      recycle_(frame);
      return OfferResult::kClosed;
    }
    if (hasPending_) {
      if (delivery_ == Delivery::kEvery) return OfferResult::kWouldBlock;
      replaced = std::move(pending_);
      didReplace = true;
      stats_.dropped++;
    }
    pending_ = std::move(frame);
    hasPending_ = true;
    stats_.offered++;
  }
  if (didReplace) recycle_(replaced);
  notify_();
  return didReplace ? OfferResult::kReplaced : OfferResult::kAccepted;
}

FrameMailbox::OfferResult FrameMailbox::Offer(NativeFrame frame) {
  for (;;) {
    if (delivery_ == Delivery::kEvery) {
      std::unique_lock<std::mutex> lock(mutex_);
      spaceFreed_.wait(lock, [this] { return !hasPending_ || closed_ || finished_; });
    }
    // Only this producer adds frames, so the slot found free above is normally still free.
    OfferResult result = TryOffer(frame);
    if (result != OfferResult::kWouldBlock) return result;
  }
}

void FrameMailbox::Finish(const std::string& error) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (finished_ || closed_) return;
    finished_ = true;
    failure_ = error;
  }
  spaceFreed_.notify_all();
  notify_();
}

FrameMailbox::TakeResult FrameMailbox::Take(NativeFrame* out, int* slot, uint32_t* generation) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) return TakeResult::kClosed;
  if (!hasPending_) {
    if (finished_) return failure_.empty() ? TakeResult::kEnded : TakeResult::kFailed;
    return TakeResult::kEmpty;
  }
  for (size_t i = 0; i < slots_.size(); i++) {
    Slot& s = slots_[i];
    if (s.lent) continue;
    s.frame = std::move(pending_);
    s.generation++;
    s.lent = true;
    hasPending_ = false;
    stats_.delivered++;
    *out = s.frame;
    *slot = static_cast<int>(i);
    *generation = s.generation;
    spaceFreed_.notify_all();
    return TakeResult::kFrame;
  }
  return TakeResult::kLentFull;
}

bool FrameMailbox::Release(int slot, uint32_t generation) {
  NativeFrame frame;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (slot < 0 || slot >= static_cast<int>(slots_.size())) return false;
    Slot& s = slots_[slot];
    if (!s.lent || s.generation != generation) return false;
    s.lent = false;
    frame = std::move(s.frame);
  }
  recycle_(frame);
  return true;
}

bool FrameMailbox::Peek(int slot, uint32_t generation, NativeFrame* out) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (slot < 0 || slot >= static_cast<int>(slots_.size())) return false;
  const Slot& s = slots_[slot];
  if (!s.lent || s.generation != generation) return false;
  *out = s.frame;
  return true;
}

void FrameMailbox::Close() {
  NativeFrame frame;
  bool had = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return;
    closed_ = true;
    if (hasPending_) {
      frame = std::move(pending_);
      hasPending_ = false;
      had = true;
    }
  }
  spaceFreed_.notify_all();
  if (had) recycle_(frame);
}

int FrameMailbox::ReleaseAll() {
  int released = 0;
  for (size_t i = 0; i < slots_.size(); i++) {
    uint32_t generation;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!slots_[i].lent) continue;
      generation = slots_[i].generation;
    }
    if (Release(static_cast<int>(i), generation)) released++;
  }
  return released;
}

std::string FrameMailbox::failure() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return failure_;
}

MailboxStats FrameMailbox::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  MailboxStats s = stats_;
  s.pending = hasPending_;
  s.lent = 0;
  for (const Slot& slot : slots_) s.lent += slot.lent ? 1 : 0;
  return s;
}

}  // namespace vtlink
