#include "net/ws_session.hpp"

#include <algorithm>
#include <array>
#include <exception>
#include <span>
#include <utility>

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
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

// Asio recycles operation memory per thread and hands a recycled block to any operation that
// fits in it, so the read an idle session waits in could hold a block sized for an HTTP write
// (~0.7 KiB measured). Reads get blocks of their exact size from the heap instead (Asio treats
// std::allocator as "no allocator", hence a type of our own).
template <class T>
struct exact_allocator {
  using value_type = T;
  exact_allocator() noexcept = default;
  template <class U>
  exact_allocator(const exact_allocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T))); }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p); }
  template <class U>
  bool operator==(const exact_allocator<U>&) const noexcept {
    return true;
  }
};

template <class Handler>
auto exact_alloc(Handler h) {
  return asio::bind_allocator(exact_allocator<void>(), std::move(h));
}

// Drained closes send what is queued first (the clients lose nothing); the others drop it.
bool drains_queue(close_reason why) noexcept {
  return why == close_reason::server_shutdown || why == close_reason::room_closed;
}

}  // namespace

ws_session::ws_session(server_core& core, websocket_stream ws, std::string room_name, peer_info peer)
    : core_(core),
      ws_(std::move(ws)),
      room_name_(std::move(room_name)),
      peer_(std::move(peer)),
      queue_(core.opts.max_queued_bytes) {}

ws_session::~ws_session() { core_.sessions.remove(*this); }

void ws_session::wake_watchdog(std::shared_ptr<ws_session> s) {
  auto ex = s->executor();
  asio::post(ex, [s = std::move(s)] { s->guarded([&] { s->on_watchdog(); }); });
}

void ws_session::launch(server_core& core, websocket_stream ws, std::string room_name, peer_info peer) {
  auto s = std::make_shared<ws_session>(core, std::move(ws), std::move(room_name), std::move(peer));
  auto ex = s->executor();
  asio::dispatch(ex, [s = std::move(s)] { s->guarded([&] { s->start(); }); });
}

void ws_session::deliver(const shared_message& m) {
  switch (queue_.push(m)) {
    case outbound_queue::push_result::queued:
    case outbound_queue::push_result::refused: return;
    case outbound_queue::push_result::wake_writer:
      asio::post(executor(), [self = shared_from_this()] { self->guarded([&] { self->pump_writer(); }); });
      return;
    case outbound_queue::push_result::overflow:
      metrics_counters::add(core_.metrics.queue_overflows);
      asio::post(executor(), [self = shared_from_this()] {
        self->guarded([&] { self->request_close(close_reason::overflow); });
      });
      return;
  }
}

void ws_session::shutdown(bool hard) {
  asio::post(executor(), [self = shared_from_this(), hard] {
    self->guarded([&] { hard ? self->hard_close() : self->request_close(close_reason::server_shutdown); });
  });
}

void ws_session::close(close_reason why) {
  asio::post(executor(), [self = shared_from_this(), why] { self->guarded([&] { self->request_close(why); }); });
}

void ws_session::start() {
  metrics_counters::add(core_.metrics.connections);
  metrics_counters::add(core_.metrics.connections_total);

  ws_.binary(true);
  ws_.auto_fragment(false);
  ws_.read_message_max(core_.opts.max_message_bytes);
  // Our watchdog does keepalive and closing deadlines; Beast's own timers stay off.
  ws_.set_option(websocket::stream_base::timeout{websocket::stream_base::none(), websocket::stream_base::none(), false});
  ws_.control_callback([this](websocket::frame_type, beast::string_view) { last_received_ = clock::now(); });
  last_received_ = last_ping_ = clock::now();
  const auto admission = core_.sessions.add(*this);

  room_ = core_.rooms.acquire(room_name_);
  if (!room_ || admission != session_registry::admission::open) request_close(close_reason::server_shutdown);
  if (admission == session_registry::admission::close_now) hard_close();
  core_.log().debug("msg=\"session opened\" room={} peer={} session={}", quoted(room_name_), peer_.remote,
                    peer_.session_id);
  if (!room_) {
    started();
    return;
  }
  async_run_on(
      room_->strand(), [self = shared_from_this()] { self->room_->join(self); },
      asio::bind_executor(executor(), [self = shared_from_this()] { self->guarded([&] { self->started(); }); }));
}

void ws_session::started() {
  on_watchdog();
  writer_started_ = true;
  pump_writer();
  read_next();
}

void ws_session::read_next() {
  ws_.async_read_some(asio::buffer(first_), exact_alloc([self = shared_from_this()](const boost::system::error_code& ec,
                                                                                    std::size_t n) {
                        self->on_read_some(ec, n);
                      }));
  read_in_flight_ = true;  // after the call: a throwing initiation leaves no read pending
}

void ws_session::on_read_some(const boost::system::error_code& ec, std::size_t n) {
  read_in_flight_ = false;
  guarded([&] { read_more(ec, n); });
}

void ws_session::read_more(const boost::system::error_code& ec, std::size_t n) {
  if (rest_) {  // the whole-message read into rest_ has ended
    const auto data = rest_->data();
    on_message(ec, std::span<const std::uint8_t>(static_cast<const std::uint8_t*>(data.data()), data.size()), n);
    return;
  }
  if (ec || ws_.is_message_done()) {
    on_message(ec, std::span<const std::uint8_t>(first_.data(), n), n);
    return;
  }
  rest_ = std::make_unique<beast::flat_buffer>();
  rest_->commit(asio::buffer_copy(rest_->prepare(n), asio::buffer(first_.data(), n)));
  ws_.async_read(*rest_, [self = shared_from_this(), n](const boost::system::error_code& ec, std::size_t more) {
    self->on_read_some(ec, n + more);
  });
  read_in_flight_ = true;
}

void ws_session::on_message(const boost::system::error_code& ec, std::span<const std::uint8_t> frame, std::size_t n) {
  if (ec) {
    on_read_error(ec);
    reader_finished();
    return;
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
    // The frame (in first_ or rest_) stays untouched until after_message: no read is pending.
    async_run_on(
        room_->strand(), [self = shared_from_this(), frame] { self->frame_close_ = self->room_->on_frame(*self, frame).close; },
        asio::bind_executor(executor(), [self = shared_from_this()] {
          self->guarded([&] {
            if (auto why = std::exchange(self->frame_close_, std::nullopt)) self->request_close(*why);
            self->after_message();
          });
        }));
    return;
  }
  after_message();
}

void ws_session::after_message() {
  rest_.reset();
  read_next();
}

void ws_session::reader_finished() {
  if (reader_done_) return;
  reader_done_ = true;
  rewatch();
  if (writer_done_) {
    teardown();
  } else if (!write_in_flight_) {
    writer_finished();  // the writer was idle; it starts the teardown
  }
}

void ws_session::teardown() {
  if (!room_) {
    finish();
    return;
  }
  async_run_on(
      room_->strand(), [self = shared_from_this()] { self->room_->leave(*self); },
      asio::bind_executor(executor(), [self = shared_from_this()] {
        self->core_.rooms.release(self->room_);
        self->guarded([&] { self->finish(); });
      }));
}

void ws_session::failed() noexcept {
  // Only a broken invariant (or no memory) gets here. The session ends as if its connection was
  // lost; the server and the room go on.
  try {
    core_.log().error("msg=\"session failed\" room={} session={} error={}", quoted(room_name_), peer_.session_id,
                      quoted(what_of(std::current_exception())));
    note_reason(close_reason::connection_lost);
    hard_close();
    if (!read_in_flight_) reader_finished();
    if (!write_in_flight_) writer_finished();
  } catch (...) {
    // Nothing more can be done for it; its socket is closed if hard_close() got that far.
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
    writing_ = std::move(m);
    ws_.async_write(asio::buffer(*writing_), [self = shared_from_this()](const boost::system::error_code& ec,
                                                                         std::size_t n) {
      self->guarded([&] { self->on_written(ec, n); });
    });
    write_in_flight_ = true;  // after the call: a throwing initiation leaves no write pending
    return;
  }
  if (close_requested_) {
    close_code_ = close_code_for(*close_requested_);
    const websocket::close_reason cr(static_cast<websocket::close_code>(close_code_), to_string(*close_requested_));
    // Completes when the client answered (or the reader saw its answer first); the watchdog
    // bounds the wait. The close frame is the writer's last write.
    ws_.async_close(cr, [self = shared_from_this()](const boost::system::error_code&) {
      self->write_in_flight_ = false;
      self->guarded([&] { self->writer_finished(); });
    });
    write_in_flight_ = true;
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
  rewatch();
  if (reader_done_) teardown();
}

ws_session::clock::time_point ws_session::next_deadline(clock::time_point now) {
  const auto& opts = core_.opts;
  if (reader_done_ && writer_done_) return clock::time_point::max();  // the session is over
  if (hard_closed_) return clock::time_point::max();                   // the loops are finishing
  if (close_requested_ || reader_done_ || writer_done_) {
    if (close_deadline_ == clock::time_point{}) close_deadline_ = now + opts.close_timeout;
    return close_deadline_;
  }
  return std::min(last_received_ + opts.idle_timeout, std::max(last_received_, last_ping_) + opts.ping_interval);
}

void ws_session::rewatch() { registry_hook_.set_due(next_deadline(clock::now())); }

void ws_session::on_watchdog() {
  for (;;) {
    const auto now = clock::now();
    const auto deadline = next_deadline(now);
    if (now < deadline) {
      registry_hook_.set_due(deadline);
      return;
    }
    if (close_requested_ || reader_done_ || writer_done_) {
      hard_close();
    } else if (now >= last_received_ + core_.opts.idle_timeout) {
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
  rewatch();
}

void ws_session::hard_close() {
  if (hard_closed_) return;
  hard_closed_ = true;
  queue_.shut(true);
  boost::system::error_code ignored;
  beast::get_lowest_layer(ws_).close(ignored);
  pump_writer();  // an idle writer ends now; a busy one when its write fails
  rewatch();
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
  core_.sessions.remove(*this);
}

}  // namespace yws::net::detail
