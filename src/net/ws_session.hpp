// One WebSocket client of a room: a reader and a writer (chains of completion handlers) and a
// watchdog timer on the stream's executor, and a bounded outbound queue the room fills.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include <boost/beast/core/flat_buffer.hpp>

#include "net/outbound_queue.hpp"
#include "net/session_registry.hpp"
#include "yws/net/hooks.hpp"
#include "yws/net/server.hpp"

namespace yws::net::detail {

class room;
class server_core;

// The session's life: join the room (which queues sync step 1 and the awareness states), then
// read, write and watch until the connection ends, then leave the room. Reads are handed to the
// room one at a time (the next read starts after the room has handled the message), so a client
// that floods is slowed by TCP flow control. Writes come from the queue only, in order, one
// message per frame. A close is requested at most once; the writer sends the close frame after
// the queue (drained for shutdown, dropped otherwise); the watchdog closes the socket when the
// closing handshake or the peer takes too long, and sends keepalive pings.
//
// Thread safety: deliver() and close() may be called from any thread; everything else runs on
// the stream's executor (a strand).
// Lifetime: shared; kept alive by its pending operations, the room's member list and posted
// handlers.
//
// No coroutines: an idle connection is the memory a server pays for most, and a coroutine frame
// waiting in a read costs more than the session itself; the reader, writer and watchdog are
// handler chains, and an idle session holds one pending read and one timer wait.
class ws_session : public std::enable_shared_from_this<ws_session> {
 public:
  ws_session(server_core& core, websocket_stream ws, std::string room_name, peer_info peer);
  ~ws_session();

  // Starts a session on the stream's executor.
  static void launch(server_core& core, websocket_stream ws, std::string room_name, peer_info peer);

  // Queues a message for the client (never blocks; overflow closes the session with 1013).
  void deliver(const shared_message& m);
  // Asks the session to close for `why` (a no-op when it is already closing).
  void close(close_reason why);
  const peer_info& peer() const noexcept { return peer_; }

  // The session's index in its room's member list, so that the room finds the member of every
  // frame in O(1), not by a search of a list that may hold thousands. Read and written by the
  // room, on its strand only; a stale value is harmless (the room checks the entry it names).
  std::size_t room_slot = SIZE_MAX;

  // Server shutdown: a graceful close (after the queue), or closing the socket when hard.
  void shutdown(bool hard);
  // Posts the watchdog's look to the session's executor (called by the session registry).
  static void wake_watchdog(std::shared_ptr<ws_session> s);

 private:
  using clock = std::chrono::steady_clock;

  // Registers the session, joins the room, then starts the reader, writer and watchdog.
  void start();
  void started();
  // The reader: one message at a time; the next read starts after the room has handled the
  // message, so a client that floods is slowed by TCP flow control.
  void read_next();
  void on_read_some(const boost::system::error_code& ec, std::size_t n);
  void read_more(const boost::system::error_code& ec, std::size_t n);
  void on_message(const boost::system::error_code& ec, std::span<const std::uint8_t> frame, std::size_t n);
  void after_message();
  void reader_finished();
  // The writer: pump_writer() starts the next write (or the closing handshake) unless one is in
  // flight; no timer wakes it and an idle session holds nothing for it.
  void pump_writer();
  void on_written(const boost::system::error_code& ec, std::size_t n);
  void writer_finished();
  // Leaves the room and reports the end; run by whichever of reader and writer ends last.
  void teardown();
  // The watchdog: acts on a passed deadline (ping, idle close, closing-handshake timeout) and
  // tells the wheel when to wake it next. rewatch() only updates that time, for code that moved
  // a deadline (a close request, the end of the reader or writer).
  void on_watchdog();
  void rewatch();
  clock::time_point next_deadline(clock::time_point now);
  session_executor executor() { return ws_.get_executor(); }
  // Runs a handler's body: an exception ends the session (failed()) instead of escaping into the
  // io_context and leaving the session with nothing pending, never torn down.
  template <class F>
  void guarded(F&& f) noexcept {
    try {
      f();
    } catch (...) {
      failed();
    }
  }
  void failed() noexcept;
  void on_read_error(const boost::system::error_code& ec);
  void request_close(close_reason why);
  void hard_close();
  void send_ping();
  void note_reason(close_reason why) {
    if (!reason_) reason_ = why;
  }
  void finish();

  server_core& core_;
  websocket_stream ws_;
  std::string room_name_;
  peer_info peer_;
  std::shared_ptr<room> room_;
  outbound_queue queue_;
  friend class session_registry;
  session_hook registry_hook_;  // the session's place in core_.sessions
  // An idle session waits in a read of at most first_read_bytes into this array: a dynamic buffer
  // would have ~1.5 KB prepared for the whole wait (Beast sizes its first read generously). 64
  // bytes hold a keystroke's update or a sync step 1; a message that does not fit (awareness
  // states with cursors, pastes) is finished with a whole-message read into rest_, which exists
  // only until the message has been handled.
  static constexpr std::size_t first_read_bytes = 64;
  std::array<std::uint8_t, first_read_bytes> first_;
  std::unique_ptr<boost::beast::flat_buffer> rest_;
  std::optional<close_reason> frame_close_;  // the room's verdict on the message being handled

  std::optional<close_reason> close_requested_;
  std::optional<close_reason> reason_;  // the first cause of the end, for metrics and hooks
  std::uint16_t close_code_ = 0;        // sent or received in a closing handshake
  bool reader_done_ = false;
  bool writer_done_ = false;
  bool writer_started_ = false;  // after join: the room's first messages are queued
  bool write_in_flight_ = false;
  bool read_in_flight_ = false;
  shared_message writing_;       // kept alive while it is written
  bool hard_closed_ = false;
  bool ping_in_flight_ = false;
  clock::time_point last_received_;
  clock::time_point last_ping_;
  clock::time_point close_deadline_{};
};

}  // namespace yws::net::detail
