#include "store/sync_scheduler.hpp"

namespace yws::store::detail {

sync_scheduler::sync_scheduler(std::chrono::milliseconds window, std::function<void()> flush)
    : window_(window), flush_(std::move(flush)), thread_([this] { run(); }) {}

sync_scheduler::~sync_scheduler() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void sync_scheduler::notify() {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    wake = !pending_;
    pending_ = true;
  }
  if (wake) cv_.notify_all();
}

void sync_scheduler::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return pending_ || stop_; });
    if (!pending_) return;  // stopping with nothing to sync
    // Let the window fill up with more appends, unless stopping.
    cv_.wait_for(lock, window_, [this] { return stop_; });
    pending_ = false;
    lock.unlock();
    flush_();
    lock.lock();
    if (stop_ && !pending_) return;
  }
}

}  // namespace yws::store::detail
