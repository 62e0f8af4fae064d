// The state every part of one server shares: options, hooks, counters, the room registry, the
// store pool, the connection tracker and the io_context. Sessions and rooms hold a reference to it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <spdlog/logger.h>

#include "net/connection_tracker.hpp"
#include "net/session_registry.hpp"
#include "net/metrics_counters.hpp"
#include "net/room_registry.hpp"
#include "net/room_store.hpp"
#include "yws/net/hooks.hpp"
#include "yws/net/server_options.hpp"
#include "yws/protocol/awareness.hpp"

namespace yws::net::detail {

// Thread safety: the members are thread-safe themselves (or immutable after construction).
// Lifetime: owned by net::server; outlives every room, session and thread of the server.
class server_core {
 public:
  server_core(server_options options, server_hooks hooks);

  // Before the io_context, so destroyed after it: the sessions that handlers the context destroys
  // release still leave the registry.
  session_registry sessions;  // WebSocket sessions
  // Next, so it is destroyed almost last: handlers it destroys may own rooms and sessions, whose
  // timers need its services.
  boost::asio::io_context ioc;
  const server_options opts;
  const server_hooks hooks;
  std::shared_ptr<spdlog::logger> logger;
  metrics_counters metrics;
  connection_tracker connections;  // connections in their HTTP phase
  room_registry rooms;
  // The store's thread pool and channels; null without a store. After `rooms`: destroyed first,
  // dropping tasks that still hold rooms while the io_context and counters exist.
  std::unique_ptr<store_pool> store;
  // True between start() and the beginning of stop(): new connections and rooms are accepted.
  std::atomic<bool> accepting{false};

  spdlog::logger& log() const noexcept { return *logger; }
  // The server's monotonic clock in milliseconds (awareness time).
  static protocol::millis now() noexcept {
    return std::chrono::duration_cast<protocol::millis>(std::chrono::steady_clock::now().time_since_epoch());
  }
  std::uint64_t next_session_id() noexcept { return next_session_id_.fetch_add(1, std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> next_session_id_{1};
};

}  // namespace yws::net::detail
