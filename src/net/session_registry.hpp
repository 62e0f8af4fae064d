// Every WebSocket session of a server, in one intrusive list: one timer watches their deadlines
// (keepalive pings, the idle timeout, closing handshakes), and stop() asks them all to close and
// waits until they have.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace yws::net::detail {

class ws_session;

// A session's place in the registry: the moment its watchdog wants to look, and its list links.
// The session sets the due time on its own executor; the registry reads it on every tick.
struct session_hook {
  using clock = std::chrono::steady_clock;
  static constexpr std::int64_t never = INT64_MAX;

  void set_due(clock::time_point t) noexcept {
    due.store(t == clock::time_point::max() ? never : t.time_since_epoch().count(), std::memory_order_relaxed);
  }

  std::atomic<std::int64_t> due{never};  // clock ticks since the clock's epoch
  ws_session* prev = nullptr;            // the links are guarded by the registry's mutex
  ws_session* next = nullptr;
  bool linked = false;
};

// Why one list and one timer: an idle connection is what a server holds most of, and a timer per
// session (its object and its pending wait) plus an entry in a hash map of closers cost ~0.4 KiB
// of the 4 KiB an idle connection may use. The registry ticks at a fixed interval, reads each
// session's due time (one atomic load) and posts a wake-up to those that are due, so a deadline
// is kept to within one tick: a quarter of the shortest configured timeout, at most 1 s.
//
// Thread safety: every member may be called from any thread; the tick runs on any thread of the
// io_context. Wake-ups and close requests are posted to each session's own executor.
// Lifetime: owned by the server core, and destroyed after its io_context: a session that the
// context's destructor releases still removes itself from the list. start() before the first
// session, stop() after the last has finished. A session removes itself when it is destroyed, so
// the list never holds a dangling session, and only sessions that still have an owner are woken
// or closed.
class session_registry {
 public:
  using clock = std::chrono::steady_clock;

  session_registry() = default;
  session_registry(const session_registry&) = delete;
  session_registry& operator=(const session_registry&) = delete;

  // Starts the tick on `ioc`. stop() must run before `ioc` is destroyed (the timer is its).
  void start(boost::asio::io_context& ioc, clock::duration tick);
  // Stops the tick and destroys its timer; sessions added from now on are told to close at once.
  void stop();

  // How an added session must begin.
  enum class admission {
    open,            // as usual
    close,           // close_all(false) has run: close gracefully at once
    close_now,       // close_all(true) or stop() has run: close the socket at once
  };
  // Adds a session (idempotent).
  [[nodiscard]] admission add(ws_session& s);
  void remove(ws_session& s) noexcept;

  // Asks every session to end: gracefully (hard = false: close handshake after its queue) or at
  // once (hard = true). Sessions added later are told so by add().
  void close_all(bool hard);
  // Waits until no session is left, or until `deadline`. True when none is left.
  bool wait_empty(clock::time_point deadline);
  std::size_t size() const;

  // A quarter of the shortest of the timeouts, within [5 ms, 1 s].
  static clock::duration tick_for(clock::duration shortest) noexcept;

 private:
  void arm();
  void on_tick();

  mutable std::mutex mu_;
  std::condition_variable empty_;
  ws_session* head_ = nullptr;
  std::size_t size_ = 0;
  admission admission_ = admission::open;
  clock::duration tick_{};
  std::optional<boost::asio::steady_timer> timer_;  // while started
};

}  // namespace yws::net::detail
