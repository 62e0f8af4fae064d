#include "net/ws_session.hpp"

#include <algorithm>
#include <array>
#include <tuple>
#include <exception>
#include <span>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <spdlog/logger.h>

#include "net/async_run_on.hpp"
#include "net/log_fields.hpp"
#include "net/room.hpp"
#include "net/server_core.hpp"

namespace yws::net::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

// The close code we send for each reason we close for (0: no closing handshake of ours).
std::uint16_t close_code_for(close_reason why) noexcept {
  switch (why) {
    case close_reason::server_shutdown:
    case close_reason::room_closed: return websocket::close_code::going_away;
    case close_reason::room_error: return websocket::close_code::internal_error;
    case close_reason::overflow: return websocket::close_code::try_again_later;
    case close_reason::message_too_big: return websocket::close_code::too_big;
    case close_reason::protocol_error: return websocket::close_code::protocol_error;
    case close_reason::unsupported_data: return websocket::close_code::unknown_data;
    case close_reason::client_closed:
    case close_reason::connection_lost:
    case close_reason::idle_timeout: return 0;
  }
  return 0;
}

// Drained closes send what is queued first (the clients lose nothing); the others drop it.
bool drains_queue(close_reason why) noexcept {
  return why == close_reason::server_shutdown || why == close_reason::room_closed;
}

}  // namespace

ws_session::ws_session(server_core& core, websocket_stream ws, std::string room_name, peer_info peer)
    : core_(core),
      ws_(std::move(ws)),
      ex_(ws_.get_executor()),
      room_name_(std::move(room_name)),
      peer_(std::move(peer)),
      queue_(core.opts.max_queued_bytes),
      watchdog_(ex_) {}

ws_session::~ws_session() = default;

void ws_session::launch(server_core& core, websocket_stream ws, std::string room_name, peer_info peer) {
  auto s = std::make_shared<ws_session>(core, std::move(ws), std::move(room_name), std::move(peer));
  auto ex = s->ex_;
  asio::co_spawn(ex, [s]() { return s->run(); }, log_if_failed(core.log(), "session failed"));
}

void ws_session::deliver(const shared_message& m) {
  switch (queue_.push(m)) {
    case outbound_queue::push_result::queued:
    case outbound_queue::push_result::refused: return;
    case outbound_queue::push_result::wake_writer:
      asio::post(ex_, [self = shared_from_this()] { self->pump_writer(); });
      return;
    case outbound_queue::push_result::overflow:
      metrics_counters::add(core_.metrics.queue_overflows);
      asio::post(ex_, [self = shared_from_this()] { self->request_close(close_reason::overflow); });
      return;
  }
}

void ws_session::close(close_reason why) {
  asio::post(ex_, [self = shared_from_this(), why] { self->request_close(why); });
}

asio::awaitable<void> ws_session::run() {
  auto self = shared_from_this();
  auto ticket = core_.connections.add([weak = weak_from_this(), ex = ex_](bool hard) {
    asio::post(ex, [weak, hard] {
      if (auto s = weak.lock()) hard ? s->hard_close() : s->request_close(close_reason::server_shutdown);
    });
  });
  tracker_id_ = ticket.id;
  metrics_counters::add(core_.metrics.connections);
  metrics_counters::add(core_.metrics.connections_total);

  ws_.binary(true);
  ws_.auto_fragment(false);
  ws_.read_message_max(core_.opts.max_message_bytes);
  // Our watchdog does keepalive and closing deadlines; Beast's own timers stay off.
  ws_.set_option(websocket::stream_base::timeout{websocket::stream_base::none(), websocket::stream_base::none(), false});
  ws_.control_callback([this](websocket::frame_type, beast::string_view) { last_received_ = clock::now(); });
  last_received_ = last_ping_ = clock::now();

  room_ = core_.rooms.acquire(room_name_);
  if (!room_ || ticket.closing) request_close(close_reason::server_shutdown);
  core_.log().debug("msg=\"session opened\" room={} peer={} session={}", quoted(room_name_), peer_.remote,
                    peer_.session_id);

  if (room_) co_await async_run_on(room_->strand(), [&] { room_->join(self); }, asio::use_awaitable);
  on_watchdog();
  writer_started_ = true;
  pump_writer();
  try {
    co_await read_loop();
  } catch (...) {
    core_.log().error("msg=\"session reader failed\" session={}", peer_.session_id);
    hard_close();
  }
  reader_done_ = true;
  watchdog_.cancel();
  if (writer_done_) {
    co_await teardown();
  } else if (!write_in_flight_) {
    writer_finished();  // the writer was idle; it starts the teardown
  }
}

asio::awaitable<void> ws_session::teardown() {
  auto self = shared_from_this();
  if (room_) {
    co_await async_run_on(room_->strand(), [&] { room_->leave(*this); }, asio::use_awaitable);
    core_.rooms.release(room_);
  }
  finish();
}

asio::awaitable<void> ws_session::read_loop() {
  // An idle session waits in a read of at most first_read_bytes into a small array: a dynamic
  // buffer would have ~1.5 KB prepared for the whole wait (Beast sizes its first read generously),
  // which is most of an idle connection's memory. A message that does not fit is finished with a
  // whole-message read into `rest`, which is released again afterwards.
  constexpr std::size_t first_read_bytes = 192;
  std::array<std::uint8_t, first_read_bytes> first;
  beast::flat_buffer rest;
  for (;;) {
    auto [ec, n] = co_await ws_.async_read_some(asio::buffer(first), use_nothrow);
    std::span<const std::uint8_t> frame(first.data(), n);
    if (!ec && !ws_.is_message_done()) {
      rest.commit(asio::buffer_copy(rest.prepare(n), asio::buffer(first.data(), n)));
      std::size_t more = 0;
      std::tie(ec, more) = co_await ws_.async_read(rest, use_nothrow);
      n += more;
      frame = {static_cast<const std::uint8_t*>(rest.data().data()), rest.size()};
    }
    if (ec) {
      on_read_error(ec);
      break;
    }
    last_received_ = clock::now();
    metrics_counters::add(core_.metrics.messages_in);
    metrics_counters::add(core_.metrics.bytes_in, n);
    if (close_requested_ || !room_) {
      // Closing: what the client still sends is read and dropped until its close frame.
    } else if (!ws_.got_binary()) {
      core_.log().warn("msg=\"closing session: text frame\" room={} peer={} session={}", quoted(room_name_),
                       peer_.remote, peer_.session_id);
      request_close(close_reason::unsupported_data);
    } else {
      frame_outcome out;
      co_await async_run_on(room_->strand(), [&] { out = room_->on_frame(*this, frame); }, asio::use_awaitable);
      if (out.close) request_close(*out.close);
    }
    if (rest.capacity() != 0) {
      rest.clear();
      rest.shrink_to_fit();
    }
  }
}

void ws_session::on_read_error(const boost::system::error_code& ec) {
  if (ec == websocket::error::closed) {
    // The client closed, or answered our close frame.
    if (!close_requested_) close_code_ = ws_.reason().code;
    note_reason(close_reason::client_closed);
  } else if (ec == websocket::error::message_too_big) {
    // Beast has already sent 1009 and torn the connection down.
    core_.log().warn("msg=\"closing session: message too big\" room={} peer={} session={} limit={}",
                     quoted(room_name_), peer_.remote, peer_.session_id, core_.opts.max_message_bytes);
    note_reason(close_reason::message_too_big);
    close_code_ = websocket::close_code::too_big;
  } else if (ec == websocket::condition::protocol_violation) {
    // A frame-level violation (bad opcode, unmasked frame, ...); Beast sent 1002.
    core_.log().warn("msg=\"closing session: websocket protocol violation\" room={} peer={} session={} error={}",
                     quoted(room_name_), peer_.remote, peer_.session_id, quoted(ec.message()));
    note_reason(close_reason::protocol_error);
    close_code_ = websocket::close_code::protocol_error;
  } else {
    note_reason(close_reason::connection_lost);
  }
}

void ws_session::pump_writer() {
  if (!writer_started_ || write_in_flight_ || writer_done_) return;
  if (reader_done_ || hard_closed_) {
    writer_finished();
    return;
  }
  if (auto m = queue_.pop()) {
    write_in_flight_ = true;
    writing_ = std::move(m);
    ws_.async_write(asio::buffer(*writing_), [self = shared_from_this()](const boost::system::error_code& ec,
                                                                         std::size_t n) { self->on_written(ec, n); });
    return;
  }
  if (close_requested_) {
    close_code_ = close_code_for(*close_requested_);
    const websocket::close_reason cr(static_cast<websocket::close_code>(close_code_), to_string(*close_requested_));
    // Completes when the client answered (or the reader saw its answer first); the watchdog
    // bounds the wait. The close frame is the writer's last write.
    write_in_flight_ = true;
    ws_.async_close(cr, [self = shared_from_this()](const boost::system::error_code&) {
      self->write_in_flight_ = false;
      self->writer_finished();
    });
  }
  // Otherwise idle: pop() marked the writer idle, so the next deliver() posts pump_writer.
}

void ws_session::on_written(const boost::system::error_code& ec, std::size_t n) {
  write_in_flight_ = false;
  writing_.reset();
  if (ec) {
    note_reason(close_reason::connection_lost);
    hard_close();
    writer_finished();
    return;
  }
  metrics_counters::add(core_.metrics.messages_out);
  metrics_counters::add(core_.metrics.bytes_out, n);
  pump_writer();
}

void ws_session::writer_finished() {
  if (writer_done_) return;
  writer_done_ = true;
  watchdog_.cancel();
  if (reader_done_) {
    asio::co_spawn(ex_, teardown(), log_if_failed(core_.log(), "session teardown failed"));
  }
}

void ws_session::on_watchdog() {
  const auto& opts = core_.opts;
  for (;;) {
    if (reader_done_ && writer_done_) return;  // the session is over: let go of it
    const auto now = clock::now();
    const bool ending = close_requested_ || reader_done_ || writer_done_;
    clock::time_point deadline;
    if (hard_closed_) {
      deadline = clock::time_point::max();  // the loops are finishing
    } else if (ending) {
      if (close_deadline_ == clock::time_point{}) close_deadline_ = now + opts.close_timeout;
      deadline = close_deadline_;
    } else {
      deadline = std::min(last_received_ + opts.idle_timeout, std::max(last_received_, last_ping_) + opts.ping_interval);
    }
    if (now < deadline) {
      watchdog_.expires_at(deadline);
      watchdog_.async_wait([self = shared_from_this()](const boost::system::error_code&) { self->on_watchdog(); });
      return;
    }
    if (ending) {
      hard_close();
    } else if (now >= last_received_ + opts.idle_timeout) {
      core_.log().info("msg=\"closing session: idle\" room={} peer={} session={}", quoted(room_name_), peer_.remote,
                       peer_.session_id);
      note_reason(close_reason::idle_timeout);
      hard_close();
    } else {
      last_ping_ = now;
      send_ping();
    }
  }
}

void ws_session::send_ping() {
  if (ping_in_flight_ || close_requested_) return;
  ping_in_flight_ = true;
  ws_.async_ping({}, [self = shared_from_this()](const boost::system::error_code&) { self->ping_in_flight_ = false; });
}

void ws_session::request_close(close_reason why) {
  if (close_requested_ || hard_closed_ || reader_done_) return;
  close_requested_ = why;
  note_reason(why);
  close_deadline_ = clock::now() + core_.opts.close_timeout;
  queue_.shut(!drains_queue(why));
  if (why == close_reason::overflow) {
    core_.log().warn("msg=\"closing session: outbound queue full\" room={} peer={} session={} limit={}",
                     quoted(room_name_), peer_.remote, peer_.session_id, core_.opts.max_queued_bytes);
  }
  pump_writer();
  watchdog_.cancel();
}

void ws_session::hard_close() {
  if (hard_closed_) return;
  hard_closed_ = true;
  queue_.shut(true);
  beast::get_lowest_layer(ws_).close();
  pump_writer();  // an idle writer ends now; a busy one when its write fails
  watchdog_.cancel();
}

void ws_session::finish() {
  const close_reason why = reason_.value_or(close_reason::connection_lost);
  core_.metrics.closed(why);
  metrics_counters::sub(core_.metrics.connections);
  const bool routine = why == close_reason::client_closed || why == close_reason::server_shutdown ||
                       why == close_reason::room_closed;
  const auto level = routine ? spdlog::level::debug : spdlog::level::info;
  core_.log().log(level, "msg=\"session closed\" room={} peer={} session={} reason={} code={}", quoted(room_name_),
                  peer_.remote, peer_.session_id, to_string(why), close_code_);
  if (core_.hooks.on_disconnect) {
    try {
      core_.hooks.on_disconnect(disconnect_info{room_name_, peer_, why, close_code_});
    } catch (const std::exception& e) {
      core_.log().error("msg=\"on_disconnect failed\" session={} error={}", peer_.session_id, quoted(e.what()));
    } catch (...) {
      core_.log().error("msg=\"on_disconnect failed\" session={}", peer_.session_id);
    }
  }
  core_.connections.remove(tracker_id_);
}

}  // namespace yws::net::detail
