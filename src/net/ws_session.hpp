// One WebSocket client of a room: a reader coroutine, a writer handler chain and a watchdog timer on the
// stream's executor, and a bounded outbound queue the room fills.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/outbound_queue.hpp"
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
// Lifetime: shared; kept alive by its coroutines, the room's member list and posted handlers.
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

 private:
  using clock = std::chrono::steady_clock;

  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> read_loop();
  // The writer is a chain of completion handlers rather than a coroutine: one write per message,
  // no timer to wake it, and an idle session holds no writer frame. pump_writer() starts the next
  // write (or the closing handshake) unless one is in flight.
  void pump_writer();
  void on_written(const boost::system::error_code& ec, std::size_t n);
  void writer_finished();
  // Leaves the room and reports the end; run by whichever of reader and writer ends last.
  boost::asio::awaitable<void> teardown();
  // The watchdog is a plain timer handler rather than a coroutine (an idle session then holds
  // two coroutine frames, not five). It re-arms itself; other code makes it look again with
  // watchdog_.cancel(), never by calling this (which would cancel the pending wait).
  void on_watchdog();
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
  boost::asio::any_io_executor ex_;
  std::string room_name_;
  peer_info peer_;
  std::shared_ptr<room> room_;
  outbound_queue queue_;
  boost::asio::steady_timer watchdog_;  // the watchdog's next deadline; cancel() makes it look again
  std::uint64_t tracker_id_ = 0;

  std::optional<close_reason> close_requested_;
  std::optional<close_reason> reason_;  // the first cause of the end, for metrics and hooks
  std::uint16_t close_code_ = 0;        // sent or received in a closing handshake
  bool reader_done_ = false;
  bool writer_done_ = false;
  bool writer_started_ = false;  // after join: the room's first messages are queued
  bool write_in_flight_ = false;
  shared_message writing_;       // kept alive while it is written
  bool hard_closed_ = false;
  bool ping_in_flight_ = false;
  clock::time_point last_received_;
  clock::time_point last_ping_;
  clock::time_point close_deadline_{};
};

}  // namespace yws::net::detail
