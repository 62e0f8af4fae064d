// The server's live counters: relaxed atomics bumped from any thread, read as a snapshot.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "yws/net/metrics.hpp"

namespace yws::net::detail {

// Thread safety: every member may be used from any thread. Counts are relaxed: a snapshot is
// not atomic across counters.
struct metrics_counters {
  using counter = std::atomic<std::uint64_t>;
  counter connections{0};
  counter connections_total{0};
  counter rooms{0};
  counter bytes_in{0};
  counter bytes_out{0};
  counter messages_in{0};
  counter messages_out{0};
  counter updates_applied{0};
  counter updates_broadcast{0};
  counter http_rejected{0};
  counter queue_overflows{0};
  std::array<counter, close_reason_count> sessions_closed{};

  static void add(counter& c, std::uint64_t n = 1) noexcept { c.fetch_add(n, std::memory_order_relaxed); }
  static void sub(counter& c, std::uint64_t n = 1) noexcept { c.fetch_sub(n, std::memory_order_relaxed); }
  void closed(close_reason r) noexcept { add(sessions_closed[static_cast<std::size_t>(r)]); }

  metrics_snapshot snapshot() const noexcept;
};

}  // namespace yws::net::detail
