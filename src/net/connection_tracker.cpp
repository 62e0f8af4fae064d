#include "net/connection_tracker.hpp"

#include <vector>

namespace yws::net::detail {

connection_tracker::ticket connection_tracker::add(closer c) {
  std::lock_guard lock(mu_);
  const std::uint64_t id = next_id_++;
  live_.emplace(id, std::move(c));
  return {id, closing_};
}

void connection_tracker::remove(std::uint64_t id) {
  std::lock_guard lock(mu_);
  live_.erase(id);
  if (live_.empty()) empty_.notify_all();
}

void connection_tracker::close_all(bool hard) {
  std::vector<closer> closers;
  {
    std::lock_guard lock(mu_);
    closing_ = true;
    closers.reserve(live_.size());
    for (auto& [id, c] : live_) closers.push_back(c);
  }
  for (auto& c : closers) c(hard);
}

bool connection_tracker::wait_empty(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  return empty_.wait_until(lock, deadline, [&] { return live_.empty(); });
}

std::size_t connection_tracker::size() const {
  std::lock_guard lock(mu_);
  return live_.size();
}

}  // namespace yws::net::detail
