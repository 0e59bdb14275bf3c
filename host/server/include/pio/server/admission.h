// Admission — bounds how many generations run at once and how many wait for a turn.
//
// `max_active` requests hold a slot (a model session each); up to `max_queued` more wait for one;
// beyond that enter() answers kQueueFull at once, and a waiter whose timeout passes gets
// kTimedOut. The HTTP layer answers both with 503 and an OpenAI-style error.
//
// Thread-safety: every member may be called from any thread. A Ticket is released (its slot
// handed to the next waiter) by its destructor, on whichever thread drops it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>

namespace pio::server {

class Admission {
 public:
  // A held slot; movable, releases on destruction.
  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
    Ticket& operator=(Ticket&& other) noexcept;
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    ~Ticket() { release(); }
    bool held() const { return owner_ != nullptr; }
    void release();

   private:
    friend class Admission;
    explicit Ticket(Admission* owner) : owner_(owner) {}
    Admission* owner_ = nullptr;
  };

  enum class Result { kAdmitted, kQueueFull, kTimedOut };

  // max_active >= 1. The Admission must outlive every Ticket it issued.
  Admission(size_t max_active, size_t max_queued);

  // Takes a slot, waiting up to `timeout` in the queue. `ticket` is set when kAdmitted.
  Result enter(std::chrono::milliseconds timeout, Ticket& ticket);

  // Wakes every waiter (they get kTimedOut) and refuses later enter()s; for shutdown.
  void close();

  size_t active() const;
  size_t queued() const;
  size_t max_active() const { return max_active_; }
  size_t max_queued() const { return max_queued_; }

 private:
  void leave();

  const size_t max_active_;
  const size_t max_queued_;
  mutable std::mutex mutex_;
  std::condition_variable slot_freed_;
  size_t active_ = 0;
  size_t queued_ = 0;
  bool closed_ = false;
};

}  // namespace pio::server
