#include "net/provider_state.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/error.hpp>
#include <spdlog/logger.h>
#include <spdlog/spdlog.h>

#include "yws/protocol/message.hpp"
#include "yws/protocol/sync.hpp"

namespace yws::net::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

protocol::millis now() {
  return std::chrono::duration_cast<protocol::millis>(std::chrono::steady_clock::now().time_since_epoch());
}

std::uint64_t seed_of(const provider_options& opts) {
  if (opts.jitter_seed) return *opts.jitter_seed;
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

}  // namespace

provider_state::provider_state(asio::any_io_executor ex, crdt::doc& doc, std::string url, provider_options opts)
    : ex_(std::move(ex)),
      doc_(&doc),
      url_(std::move(url)),
      opts_(std::move(opts)),
      awareness_(doc.client_id(), now()),
      rng_(seed_of(opts_)),
      wake_(ex_),
      backoff_timer_(ex_),
      close_deadline_(ex_) {
  doc_sub_ = doc.on_update([this](std::span<const std::uint8_t> u, crdt::origin o) { on_doc_update(u, o); });
  awareness_sub_ = awareness_.on_update(
      [this](const protocol::awareness_changes& c, protocol::origin o) { on_awareness_update(c, o); });
}

provider_state::~provider_state() = default;

spdlog::logger& provider_state::log() const {
  return opts_.logger ? *opts_.logger : *spdlog::default_logger_raw();
}

result<void> provider_state::start() {
  if (started_ || closing_) return errc::rejected;
  YWS_TRY(ep, parse_ws_url(url_));
  endpoint_ = std::move(ep);
  started_ = true;
  auto self = shared_from_this();
  auto on_done = [self](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      self->log().error("msg=\"provider stopped by an exception\" url={} error=\"{}\"", self->url_, ex.what());
    } catch (...) {
    }
    self->finish_close();
  };
  asio::co_spawn(ex_, run(self), std::move(on_done));
  return {};
}

asio::awaitable<void> provider_state::run(std::shared_ptr<provider_state> self) {
  while (!self->closing_) {
    co_await self->connect_and_serve();
    if (self->closing_ || !self->opts_.reconnect) break;
    self->set_status(provider_status::disconnected);
    self->backoff_timer_.expires_after(self->next_backoff());
    co_await self->backoff_timer_.async_wait(use_nothrow);
  }
  self->finish_close();
}

asio::awaitable<void> provider_state::connect_and_serve() {
  set_status(provider_status::connecting);
  bool reached_sync = false;
  auto failed = [&](std::string_view what, const boost::system::error_code& ec) {
    if (!closing_) log().info("msg=\"provider cannot connect\" url={} step={} error=\"{}\"", url_, what, ec.message());
  };
  asio::ip::tcp::resolver resolver(ex_);
  auto [rec, endpoints] = co_await resolver.async_resolve(endpoint_.host, endpoint_.port, use_nothrow);
  if (rec || closing_) {
    failed("resolve", rec);
    ++failures_;
    co_return;
  }
  ws_.emplace(ex_);
  auto& tcp = beast::get_lowest_layer(*ws_);
  tcp.expires_after(opts_.connect_timeout);
  auto [cec, ep] = co_await tcp.async_connect(endpoints, use_nothrow);
  if (!cec && !closing_) {
    auto headers = opts_.headers;
    ws_->set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
      req.set(beast::http::field::user_agent, "yws-provider");
      for (const auto& [name, value] : headers) req.set(name, value);
    }));
    auto [hec] = co_await ws_->async_handshake(endpoint_.host_header, endpoint_.target, use_nothrow);
    cec = hec;
  }
  if (cec || closing_) {
    failed("connect", cec);
    ++failures_;
    ws_.reset();
    co_return;
  }
  tcp.expires_never();
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = opts_.connect_timeout;
  timeouts.idle_timeout = opts_.idle_timeout;
  timeouts.keep_alive_pings = true;
  ws_->set_option(timeouts);
  ws_->binary(true);
  ws_->read_message_max(opts_.max_message_bytes);

  session_began();
  co_await (read_loop() || write_loop() || tick_loop());
  reached_sync = synced_;
  session_ended();
  ws_.reset();
  if (!reached_sync) ++failures_;
}

void provider_state::session_began() {
  // Our state is set once more (clock + 1): the server forgot it when we left but kept its
  // clock, and y-protocols ignores an entry whose clock did not move.
  if (const auto* state = awareness_.local_state()) awareness_.set_local_state(*state, now());
  queue_.clear();
  queued_bytes_ = 0;
  goodbye_ = false;
  step1_sent_ = 1;  // the greeting's
  step2_received_ = 0;
  peer_.emplace(*doc_, awareness_, protocol::peer_options{.origin = this});
  open_ = true;
  for (auto& frame : peer_->greeting()) enqueue(std::move(frame), false);
  set_status(provider_status::connected);
}

void provider_state::session_ended() {
  open_ = false;
  queue_.clear();
  queued_bytes_ = 0;
  peer_.reset();
  set_synced(false);
  fail_flushes();
  // Peers' states are unknown once disconnected (y-websocket removes them too).
  if (doc_) {
    auto ids = awareness_.client_ids();
    std::erase(ids, awareness_.client_id());
    if (!ids.empty()) (void)awareness_.remove_states(ids, this, now());
  }
}

asio::awaitable<void> provider_state::read_loop() {
  beast::flat_buffer buffer;
  for (;;) {
    auto [ec, n] = co_await ws_->async_read(buffer, use_nothrow);
    if (ec) {
      if (ec != websocket::error::closed && !closing_)
        log().info("msg=\"provider connection lost\" url={} error=\"{}\"", url_, ec.message());
      co_return;
    }
    const auto data = buffer.cdata();
    const std::span<const std::uint8_t> frame(static_cast<const std::uint8_t*>(data.data()), data.size());
    const bool ok = (doc_ && peer_) ? handle_frame(frame) : true;
    buffer.consume(buffer.size());
    if (!ok) co_return;
  }
}

bool provider_state::handle_frame(std::span<const std::uint8_t> frame) {
  auto r = peer_->handle(frame, now());
  const std::uint64_t step2s = r.step2s;
  if (r.permission_denied) log().warn("msg=\"provider: permission denied\" url={} reason=\"{}\"", url_, *r.permission_denied);
  for (auto& reply : r.replies) enqueue(std::move(reply), false);
  if (r.error) {
    log().warn("msg=\"provider: bad message from the server\" url={} error=\"{}\"", url_, r.error.message());
    return false;
  }
  if (step2s > 0 && open_) {
    step2_received_ += step2s;
    failures_ = 0;
    auto answered = std::stable_partition(flushes_.begin(), flushes_.end(),
                                          [&](const flush_waiter& w) { return w.step1 > step2_received_; });
    std::vector<flush_waiter> done(std::make_move_iterator(answered), std::make_move_iterator(flushes_.end()));
    flushes_.erase(answered, flushes_.end());
    for (auto& w : done) asio::post(ex_, [fn = std::move(w.done)] { fn(true); });
    set_synced(true);
  }
  return true;
}

asio::awaitable<void> provider_state::write_loop() {
  for (;;) {
    if (queue_.empty()) {
      if (goodbye_) {
        co_await ws_->async_close(websocket::close_code::normal, use_nothrow);
        co_return;
      }
      wake_.expires_at(asio::steady_timer::time_point::max());
      co_await wake_.async_wait(use_nothrow);
      auto cs = co_await asio::this_coro::cancellation_state;
      if (cs.cancelled() != asio::cancellation_type::none || !open_) co_return;
      continue;
    }
    auto message = std::move(queue_.front());
    queue_.pop_front();
    queued_bytes_ -= message.size();
    auto [ec, n] = co_await ws_->async_write(asio::buffer(message), use_nothrow);
    if (ec) co_return;
  }
}

asio::awaitable<void> provider_state::tick_loop() {
  asio::steady_timer timer(ex_);
  for (;;) {
    timer.expires_after(protocol::awareness::check_interval);
    auto [ec] = co_await timer.async_wait(use_nothrow);
    if (ec) co_return;
    if (!closing_) (void)awareness_.tick(now());
  }
}

void provider_state::enqueue(std::vector<std::uint8_t> message, bool bounded) {
  if (!open_) return;
  // Handshake messages (greeting, answers) are not bounded, or a document larger than the bound
  // could never resync; nor is one message when nothing else waits.
  if (bounded && !queue_.empty() && queued_bytes_ + message.size() > opts_.max_queued_bytes) {
    log().warn("msg=\"provider: outbound queue over its bound, reconnecting to resync\" url={} queued_bytes={}", url_,
               queued_bytes_);
    open_ = false;
    queue_.clear();
    queued_bytes_ = 0;
    cut_connection();
    return;
  }
  queued_bytes_ += message.size();
  queue_.push_back(std::move(message));
  wake_writer();
}

void provider_state::wake_writer() { wake_.cancel(); }

void provider_state::cut_connection() {
  if (!ws_) return;
  boost::system::error_code ignored;
  beast::get_lowest_layer(*ws_).socket().close(ignored);
  wake_.cancel();
}

void provider_state::on_doc_update(std::span<const std::uint8_t> update, crdt::origin o) {
  if (o == this || !open_) return;  // close() detaches before the goodbye: no update after it
  enqueue(protocol::encode_sync_update(update));
}

void provider_state::on_awareness_update(const protocol::awareness_changes& changes, protocol::origin o) {
  if (!open_ || o == protocol::timeout_origin) return;
  const auto self_id = awareness_.client_id();
  std::vector<std::uint64_t> ids;
  if (o == this) {
    // The server removed our state: our entry (clock moved past the removal) goes back.
    if (std::find(changes.removed.begin(), changes.removed.end(), self_id) != changes.removed.end())
      ids.push_back(self_id);
  } else {
    ids = changes.changed_clients();
  }
  if (!ids.empty()) enqueue(protocol::encode_awareness_message(awareness_.encode_update(ids)));
}

void provider_state::set_status(provider_status s) {
  if (status_ == s || status_ == provider_status::closed) return;
  status_ = s;
  if (on_status) on_status(s);
}

void provider_state::set_synced(bool s) {
  if (synced_ == s) return;
  synced_ = s;
  if (on_synced) on_synced(s);
}

void provider_state::fail_flushes() {
  auto waiting = std::move(flushes_);
  flushes_.clear();
  for (auto& w : waiting) asio::post(ex_, [fn = std::move(w.done)] { fn(false); });
}

std::chrono::milliseconds provider_state::next_backoff() {
  const unsigned doublings = std::min(failures_, 20u);
  auto delay = opts_.min_backoff * (std::int64_t{1} << doublings);
  delay = std::min(delay, opts_.max_backoff);
  if (delay.count() < 2) return delay;
  std::uniform_int_distribution<std::int64_t> jitter(delay.count() / 2, delay.count());
  return std::chrono::milliseconds(jitter(rng_));
}

void provider_state::flush(std::function<void(bool)> done) {
  if (!done) return;
  if (!open_ || closing_ || !doc_) {
    asio::post(ex_, [fn = std::move(done)] { fn(false); });
    return;
  }
  enqueue(protocol::encode_sync_step1(*doc_));
  if (!open_) {  // the step 1 overflowed the queue
    asio::post(ex_, [fn = std::move(done)] { fn(false); });
    return;
  }
  flushes_.push_back({++step1_sent_, std::move(done)});
}

void provider_state::detach() {
  doc_sub_.reset();
  awareness_sub_.reset();
  doc_ = nullptr;
}

void provider_state::close(std::function<void()> done) {
  if (done) {
    if (finished_) {
      asio::post(ex_, std::move(done));
      return;
    }
    close_waiters_.push_back(std::move(done));
  }
  if (closing_) return;
  closing_ = true;
  backoff_timer_.cancel();
  if (!started_) {
    finish_close();
    return;
  }
  if (!open_) {
    detach();
    cut_connection();
    return;
  }
  // The goodbye: our awareness state removed (queued by our handler), then a closing handshake.
  if (awareness_.local_state()) (void)awareness_.set_local_state(std::nullopt, now());
  detach();
  goodbye_ = true;
  wake_writer();
  close_deadline_.expires_after(opts_.close_timeout);
  close_deadline_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec && !self->finished_) self->cut_connection();
  });
}

void provider_state::abort() {
  if (finished_) return;
  closing_ = true;
  detach();
  backoff_timer_.cancel();
  cut_connection();
  if (!started_) finish_close();
}

void provider_state::finish_close() {
  if (finished_) return;
  finished_ = true;
  closing_ = true;
  detach();
  close_deadline_.cancel();
  fail_flushes();
  set_synced(false);
  set_status(provider_status::closed);
  auto waiters = std::move(close_waiters_);
  close_waiters_.clear();
  for (auto& w : waiters) asio::post(ex_, std::move(w));
}

}  // namespace yws::net::detail
