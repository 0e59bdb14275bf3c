#include "pio/server/admission.h"

#include <algorithm>

namespace pio::server {

Admission::Ticket& Admission::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = other.owner_;
    other.owner_ = nullptr;
  }
  return *this;
}

void Admission::Ticket::release() {
  if (owner_) owner_->leave();
  owner_ = nullptr;
}

Admission::Admission(size_t max_active, size_t max_queued)
    : max_active_(std::max<size_t>(1, max_active)), max_queued_(max_queued) {}

Admission::Result Admission::enter(std::chrono::milliseconds timeout, Ticket& ticket) {
  {
    std::unique_lock lock(mutex_);
    if (closed_) return Result::kTimedOut;
    if (active_ >= max_active_ || queued_ > 0) {  // queued requests go first
      if (queued_ >= max_queued_) return Result::kQueueFull;
      ++queued_;
      const bool got = slot_freed_.wait_for(lock, timeout, [this] { return active_ < max_active_ || closed_; });
      --queued_;
      if (!got || closed_) return Result::kTimedOut;
    }
    ++active_;
  }
  ticket = Ticket(this);  // outside the lock: assigning releases a ticket `ticket` held before
  return Result::kAdmitted;
}

void Admission::leave() {
  {
    std::lock_guard lock(mutex_);
    --active_;
  }
  slot_freed_.notify_one();
}

void Admission::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  slot_freed_.notify_all();
}

size_t Admission::active() const {
  std::lock_guard lock(mutex_);
  return active_;
}

size_t Admission::queued() const {
  std::lock_guard lock(mutex_);
  return queued_;
}

}  // namespace pio::server
