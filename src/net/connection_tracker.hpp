// Every connection of a server in its HTTP phase (WebSocket sessions are in the session_registry),
// so that stop() can ask them all to close and wait until they have.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>

namespace yws::net::detail {

// Thread safety: every member may be called from any thread. Closers run outside the lock.
// Lifetime: owned by the server core; outlives every connection.
class connection_tracker {
 public:
  // Asks a connection to end: gracefully (hard = false: close handshake after its queue) or at
  // once (hard = true: close the socket). Must be thread-safe (post to the connection's executor)
  // and must not block.
  using closer = std::function<void(bool hard)>;

  struct ticket {
    std::uint64_t id = 0;
    bool closing = false;  // stop() already began: end gracefully right away
  };
  ticket add(closer c);
  void remove(std::uint64_t id);

  // Marks the tracker closing (later add()s report closing) and runs every closer.
  void close_all(bool hard);
  // Waits until no connection is left, or until `deadline`. True when none is left.
  bool wait_empty(std::chrono::steady_clock::time_point deadline);
  std::size_t size() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable empty_;
  std::unordered_map<std::uint64_t, closer> live_;
  std::uint64_t next_id_ = 1;
  bool closing_ = false;
};

}  // namespace yws::net::detail
