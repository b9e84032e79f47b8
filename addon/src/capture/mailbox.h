// FrameMailbox: the hand-over between a capture thread (producer) and JavaScript (consumer).
//
// It holds at most ONE frame waiting to be taken ("pending") plus the frames JS has taken and not
// released yet ("lent", at most `maxLent`). Two delivery modes:
//  - kLatest (cameras, live pipelines): a new frame replaces a pending one that nobody took; the
//    replaced frame goes straight back to its backend and is counted as dropped. A slow consumer
//    therefore always gets the newest frame and nothing queues up.
//  - kEvery (files): the producer waits while a frame is pending, so every frame is delivered and
//    the source runs at the consumer's pace.
// Frames go back to their backend through `recycle` (exactly once per frame offered), always
// outside the lock. Thread-safe; all methods may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "frame.h"

namespace vtlink {

enum class Delivery { kLatest, kEvery };

struct MailboxStats {
  uint64_t offered = 0;    // frames the producer handed in
  uint64_t delivered = 0;  // frames taken by the consumer
  uint64_t dropped = 0;    // frames replaced before anyone took them (kLatest only)
  int lent = 0;            // taken and not released yet
  bool pending = false;    // a frame is waiting to be taken
};

class FrameMailbox {
 public:
  using Recycle = std::function<void(const NativeFrame&)>;
  using Notify = std::function<void()>;

  FrameMailbox(Delivery delivery, int maxLent, Recycle recycle, Notify notify);
  ~FrameMailbox();

  enum class OfferResult { kAccepted, kReplaced, kWouldBlock, kClosed };
  // Producer: hand in a frame. kEvery blocks while a frame is pending (until taken or Close()).
  // kClosed: the mailbox is closed and the frame was recycled.
  OfferResult Offer(NativeFrame frame);
  // As Offer, but never blocks: kWouldBlock (frame NOT taken, still the caller's) where Offer would.
  OfferResult TryOffer(NativeFrame& frame);
  // Producer: no more frames. Empty `error` means a normal end (EOS). Frames pending are still taken.
  void Finish(const std::string& error);

  enum class TakeResult { kFrame, kEmpty, kLentFull, kEnded, kFailed, kClosed };
  // Consumer: take the pending frame into a lent slot. `slot`/`generation` name it for Release.
  TakeResult Take(NativeFrame* out, int* slot, uint32_t* generation);
  // Consumer: give a lent frame back. False when that slot/generation is not lent (already released).
  bool Release(int slot, uint32_t generation);
  // The frame lent in `slot` with `generation`, or null (for test reads of a lent frame).
  bool Peek(int slot, uint32_t generation, NativeFrame* out);
  // Stop: recycles the pending frame, wakes a blocked producer, later Offers are refused. Lent
  // frames stay valid until released. Idempotent.
  void Close();
  // Release every lent frame (the source is being torn down). Returns how many.
  int ReleaseAll();

  // Choose the delivery mode before the first Offer (a GStreamer source knows whether it is live
  // only once started, on its producer thread; JS may read it meanwhile, hence atomic).
  void SetDelivery(Delivery delivery) { delivery_ = delivery; }
  Delivery delivery() const { return delivery_; }

  std::string failure() const;
  MailboxStats stats() const;
  int maxLent() const { return static_cast<int>(slots_.size()); }

 private:
  struct Slot {
    NativeFrame frame;
    uint32_t generation = 0;
    bool lent = false;
  };

  std::atomic<Delivery> delivery_;
  const Recycle recycle_;
  const Notify notify_;
  mutable std::mutex mutex_;
  std::condition_variable spaceFreed_;
  std::vector<Slot> slots_;
  NativeFrame pending_;
  bool hasPending_ = false;
  bool finished_ = false;
  bool closed_ = false;
  std::string failure_;
  MailboxStats stats_;
};

}  // namespace vtlink
