#include "net/session_registry.hpp"

#include <algorithm>
#include <memory>
#include <vector>

#include "net/ws_session.hpp"

namespace yws::net::detail {

session_registry::clock::duration session_registry::tick_for(clock::duration shortest) noexcept {
  return std::clamp<clock::duration>(shortest / 4, std::chrono::milliseconds(5), std::chrono::seconds(1));
}

void session_registry::start(boost::asio::io_context& ioc, clock::duration tick) {
  std::lock_guard lock(mu_);
  tick_ = tick;
  timer_.emplace(ioc);
  arm();
}

void session_registry::stop() {
  std::lock_guard lock(mu_);
  admission_ = admission::close_now;
  // The pending wait completes (aborted) and finds the registry stopped.
  timer_.reset();
}

session_registry::admission session_registry::add(ws_session& s) {
  std::lock_guard lock(mu_);
  auto& h = s.registry_hook_;
  if (!h.linked) {
    h.linked = true;
    h.prev = nullptr;
    h.next = head_;
    if (head_) head_->registry_hook_.prev = &s;
    head_ = &s;
    ++size_;
  }
  return admission_;
}

void session_registry::remove(ws_session& s) noexcept {
  std::lock_guard lock(mu_);
  auto& h = s.registry_hook_;
  if (!h.linked) return;
  h.linked = false;
  (h.prev ? h.prev->registry_hook_.next : head_) = h.next;
  if (h.next) h.next->registry_hook_.prev = h.prev;
  h.prev = h.next = nullptr;
  if (--size_ == 0) empty_.notify_all();
}

void session_registry::close_all(bool hard) {
  std::vector<std::shared_ptr<ws_session>> sessions;
  {
    std::lock_guard lock(mu_);
    if (admission_ != admission::close_now) admission_ = hard ? admission::close_now : admission::close;
    sessions.reserve(size_);
    for (ws_session* s = head_; s; s = s->registry_hook_.next) {
      if (auto alive = s->weak_from_this().lock()) sessions.push_back(std::move(alive));
    }
  }
  // Outside the lock: a session that ends drops its last reference here, and its destructor
  // removes it from the list.
  for (auto& s : sessions) s->shutdown(hard);
}

bool session_registry::wait_empty(clock::time_point deadline) {
  std::unique_lock lock(mu_);
  return empty_.wait_until(lock, deadline, [&] { return size_ == 0; });
}

std::size_t session_registry::size() const {
  std::lock_guard lock(mu_);
  return size_;
}

// Requires: mu_ held, timer_ set.
void session_registry::arm() {
  timer_->expires_after(tick_);
  timer_->async_wait([this](const boost::system::error_code&) { on_tick(); });
}

void session_registry::on_tick() {
  std::vector<std::shared_ptr<ws_session>> due_now;
  {
    std::lock_guard lock(mu_);
    if (!timer_) return;  // stopped
    const std::int64_t now = clock::now().time_since_epoch().count();
    for (ws_session* s = head_; s; s = s->registry_hook_.next) {
      auto& due = s->registry_hook_.due;
      if (due.load(std::memory_order_relaxed) > now) continue;
      // Not again until the session has looked and set its next due time. A session whose last
      // owner is gone (being destroyed, waiting for the lock to leave the list) is skipped.
      due.store(session_hook::never, std::memory_order_relaxed);
      if (auto alive = s->weak_from_this().lock()) due_now.push_back(std::move(alive));
    }
    arm();
  }
  for (auto& s : due_now) ws_session::wake_watchdog(std::move(s));
}

}  // namespace yws::net::detail
