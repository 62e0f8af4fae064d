// The state behind a net::provider: its connection loop, queue and protocol handling. Shared by
// the provider and its running coroutine, so that a close can finish after the provider is gone.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "yws/crdt/doc.hpp"
#include "yws/net/provider.hpp"
#include "yws/protocol/awareness.hpp"
#include "yws/protocol/peer.hpp"

namespace yws::net::detail {

// Thread safety: every member runs on `executor` (see provider.hpp).
// Lifetime: shared by the provider and run(); the doc is referenced until detach().
class provider_state : public std::enable_shared_from_this<provider_state> {
 public:
  using stream_type = boost::beast::websocket::stream<boost::beast::tcp_stream>;

  provider_state(boost::asio::any_io_executor ex, crdt::doc& doc, std::string url, provider_options opts);
  ~provider_state();

  result<void> start();
  void close(std::function<void()> done);
  void abort();
  void flush(std::function<void(bool)> done);

  provider_status status() const noexcept { return status_; }
  bool synced() const noexcept { return synced_; }
  unsigned failures() const noexcept { return failures_; }
  protocol::awareness& awareness() noexcept { return awareness_; }
  bool closing() const noexcept { return closing_; }

  std::function<void(bool)> on_synced;
  std::function<void(provider_status)> on_status;

 private:
  struct flush_waiter {
    std::uint64_t step1;  // answered once this many step 2 arrived on the connection
    std::function<void(bool)> done;
  };

  static boost::asio::awaitable<void> run(std::shared_ptr<provider_state> self);
  // One connection attempt and, when it opens, the session until it ends.
  boost::asio::awaitable<void> connect_and_serve();
  boost::asio::awaitable<void> read_loop();
  boost::asio::awaitable<void> write_loop();
  boost::asio::awaitable<void> tick_loop();
  // False when the connection must be dropped (a message that does not decode or apply).
  bool handle_frame(std::span<const std::uint8_t> frame);
  void session_began();
  void session_ended();
  void enqueue(std::vector<std::uint8_t> message, bool bounded = true);
  void wake_writer();
  void cut_connection();
  void set_status(provider_status s);
  void set_synced(bool s);
  void fail_flushes();
  void finish_close();
  // Stops observing and touching the doc (and user callbacks on the awareness).
  void detach();
  std::chrono::milliseconds next_backoff();
  void on_doc_update(std::span<const std::uint8_t> update, crdt::origin o);
  void on_awareness_update(const protocol::awareness_changes& changes, protocol::origin o);
  spdlog::logger& log() const;

  boost::asio::any_io_executor ex_;
  crdt::doc* doc_;
  std::string url_;
  provider_endpoint endpoint_;
  provider_options opts_;
  protocol::awareness awareness_;
  std::mt19937_64 rng_;

  provider_status status_ = provider_status::disconnected;
  bool started_ = false;
  bool closing_ = false;   // close() or abort(): no new connection
  bool open_ = false;      // the WebSocket is open: updates are queued
  bool synced_ = false;
  unsigned failures_ = 0;
  std::optional<stream_type> ws_;
  std::optional<protocol::peer> peer_;  // the protocol side of the open connection

  std::deque<std::vector<std::uint8_t>> queue_;
  std::size_t queued_bytes_ = 0;
  bool goodbye_ = false;   // the writer sends the closing handshake once the queue is empty
  boost::asio::steady_timer wake_;
  boost::asio::steady_timer backoff_timer_;
  boost::asio::steady_timer close_deadline_;

  std::uint64_t step1_sent_ = 0;
  std::uint64_t step2_received_ = 0;
  std::vector<flush_waiter> flushes_;
  std::vector<std::function<void()>> close_waiters_;
  bool finished_ = false;

  crdt::subscription doc_sub_;
  crdt::subscription awareness_sub_;
};

}  // namespace yws::net::detail
