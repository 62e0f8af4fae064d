// yws/net/metrics.hpp: the server's counters, as served on GET /metrics.
//
//   auto m = server.metrics();
//   if (m.closed(yws::net::close_reason::overflow) > 0) alert();
//   std::string text = yws::net::to_prometheus(m);   // the /metrics body
//
// Thread safety: a value type (a snapshot; the live counters are atomics inside the server).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "yws/net/hooks.hpp"

namespace yws::net {

struct metrics_snapshot {
  std::uint64_t connections = 0;        // open WebSocket sessions (gauge)
  std::uint64_t connections_total = 0;  // sessions ever opened
  std::uint64_t rooms = 0;              // loaded rooms (gauge)
  std::uint64_t bytes_in = 0;           // WebSocket message payload bytes received
  std::uint64_t bytes_out = 0;          // ... and sent
  std::uint64_t messages_in = 0;        // WebSocket messages received (frames, not y-messages)
  std::uint64_t messages_out = 0;       // ... and sent
  std::uint64_t updates_applied = 0;    // client sync step 2 / update messages applied to a doc
  std::uint64_t updates_broadcast = 0;  // doc updates captured and broadcast (encoded once each)
  std::uint64_t http_rejected = 0;      // upgrade requests answered with an HTTP error
  std::uint64_t queue_overflows = 0;    // sessions whose outbound queue hit its limit (counted
                                        // at once; the session ends later, as `overflow`)
  std::array<std::uint64_t, close_reason_count> sessions_closed{};  // by close_reason

  std::uint64_t closed(close_reason r) const noexcept { return sessions_closed[static_cast<std::size_t>(r)]; }
};

// Prometheus text exposition format 0.0.4; metric names start with `yws_`.
std::string to_prometheus(const metrics_snapshot& m);

}  // namespace yws::net
