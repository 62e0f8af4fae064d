#include "net/outbound_queue.hpp"

namespace yws::net::detail {

outbound_queue::push_result outbound_queue::push(shared_message m) {
  std::lock_guard lock(mu_);
  if (shut_) return push_result::refused;
  if (bytes_ >= max_bytes_) {
    shut_ = true;
    items_.clear();
    head_ = 0;
    bytes_ = 0;
    return push_result::overflow;
  }
  bytes_ += m->size();
  items_.push_back(std::move(m));
  if (writer_idle_) {
    writer_idle_ = false;
    return push_result::wake_writer;
  }
  return push_result::queued;
}

shared_message outbound_queue::pop() {
  std::lock_guard lock(mu_);
  if (head_ == items_.size()) {
    items_.clear();
    if (items_.capacity() > 64) items_.shrink_to_fit();  // an idle session gives back a burst's slots
    head_ = 0;
    writer_idle_ = true;
    return nullptr;
  }
  shared_message m = std::move(items_[head_++]);
  bytes_ -= m->size();
  if (head_ == items_.size()) {
    items_.clear();
    head_ = 0;
  }
  return m;
}

void outbound_queue::shut(bool drop_waiting) {
  std::lock_guard lock(mu_);
  shut_ = true;
  if (drop_waiting) {
    items_.clear();
    head_ = 0;
    bytes_ = 0;
  }
}

std::size_t outbound_queue::waiting_bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

}  // namespace yws::net::detail
