// yws/net/provider.hpp: a y-websocket client provider for a crdt::doc (the C++ counterpart of
// y-websocket's WebsocketProvider and pycrdt-websocket's WebsocketProvider).
//
// It connects a doc to ws://host:port/<room>, runs the sync handshake (our step 1; the server's
// step 1 answered with step 2), sends every local update (never the ones it applied itself),
// applies remote ones with the provider as origin, and carries an awareness. When the connection
// fails it reconnects with jittered exponential backoff and resyncs: the handshake sends whatever
// the server lacks, so edits made offline arrive. Its outbound queue is bounded in bytes: over
// the bound it drops the connection and resyncs on reconnect rather than losing an update (the
// doc has them all).
//
//   boost::asio::io_context ioc;
//   auto strand = boost::asio::make_strand(ioc);
//   yws::crdt::doc doc;
//   yws::net::provider p(strand, doc, "ws://127.0.0.1:1234/notes");
//   p.set_on_synced([](bool synced) { ... });
//   p.start();
//   p.post([&] { doc.get_text("t").insert(0, "hi"); });   // edits run on the strand
//   ...
//   p.post([&] { p.close(); });                           // awareness goodbye, close 1000
//   ioc.run();
//
// Thread safety: the doc, the awareness and every member except get_executor() and post() must
// be used only on the executor given to the constructor (a strand, or the executor of an
// io_context run by one thread): the provider's I/O runs there too. Callbacks run there.
// Lifetime: the doc must outlive the provider, or close()/abort() must have been called; after
// either the provider no longer touches the doc. Destroy it on its executor (or once that
// io_context no longer runs); the destructor aborts unless a close is under way, which then
// finishes on its own within close_timeout. The io_context must outlive the provider's work.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>

#include "yws/crdt/doc.hpp"
#include "yws/error.hpp"
#include "yws/protocol/awareness.hpp"

namespace spdlog {
class logger;
}

namespace yws::net {

struct provider_options {
  // Reconnection delay after the n-th consecutive failure: min_backoff * 2^n capped at
  // max_backoff, then a random jitter takes it down to half of that at most (y-websocket: 100 ms
  // doubling up to 2.5 s).
  std::chrono::milliseconds min_backoff{100};
  std::chrono::milliseconds max_backoff{2500};
  bool reconnect = true;
  // TCP connect plus the WebSocket opening handshake; also bounds the closing handshake.
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  // With nothing received for this long (Beast pings at half of it) the connection is dropped.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(30)};
  // close(): how long the goodbye may take before the connection is cut.
  std::chrono::milliseconds close_timeout{std::chrono::seconds(2)};
  // Bytes waiting to be written; over this the connection is dropped and resynced on reconnect.
  std::size_t max_queued_bytes = 8u << 20;
  // Largest message accepted from the server.
  std::size_t max_message_bytes = 64u << 20;
  // Seed of the backoff jitter (tests); nullopt = random.
  std::optional<std::uint64_t> jitter_seed;
  // Extra HTTP headers of the upgrade request (e.g. Authorization).
  std::vector<std::pair<std::string, std::string>> headers;
  // Diagnostics (connection failures at info, protocol errors at warn); nullptr = spdlog's default.
  std::shared_ptr<spdlog::logger> logger;
};

enum class provider_status : std::uint8_t {
  disconnected,  // not started, or waiting to reconnect
  connecting,    // resolving, connecting, WebSocket handshake
  connected,     // the WebSocket is open (synced() says whether the handshake completed)
  closed,        // close() or abort() finished; final
};
std::string_view to_string(provider_status s) noexcept;

// Where a provider connects: the parts of a ws:// URL.
struct provider_endpoint {
  std::string host;         // to resolve (an IPv6 address without brackets)
  std::string port;         // "80" when the URL has none
  std::string host_header;  // the Host header: host[:port] as written
  std::string target;  // path and query, "/" at least
};
// Parses "ws://host[:port]/path[?query]". Errors: errc::invalid_argument (not a ws URL: wss is
// not supported, nor user info or fragments).
[[nodiscard]] result<provider_endpoint> parse_ws_url(std::string_view url);
// `base` (ws://host:port[/prefix]) joined with a percent-encoded room name, as y-websocket
// builds `${serverUrl}/${roomname}`.
std::string room_url(std::string_view base, std::string_view room);

namespace detail {
class provider_state;
}

class provider {
 public:
  // Does not connect yet (see start()). Errors in `url` surface when start() is called.
  provider(boost::asio::any_io_executor executor, crdt::doc& doc, std::string url, provider_options opts = {});
  ~provider();
  provider(const provider&) = delete;
  provider& operator=(const provider&) = delete;

  // Connects, and keeps reconnecting until close(). Errors: errc::invalid_argument for a bad URL,
  // errc::rejected when already started or closed.
  [[nodiscard]] result<void> start();
  // Clean close: stops touching the doc at once, sends what is queued and the removal of our
  // awareness state, then the closing handshake (1000), all within close_timeout. `done` runs
  // on the executor once the provider is closed. Idempotent (a later `done` runs once closed).
  void close(std::function<void()> done = {});
  // Immediate stop: cuts the connection without a goodbye, cancels timers. Idempotent.
  void abort();

  provider_status status() const noexcept;
  // The server answered our sync step 1 on the current connection.
  bool synced() const noexcept;
  // Consecutive failed connection attempts (0 once synced).
  unsigned failures() const noexcept;

  // Called with true when a connection completes its handshake, false when it is lost.
  void set_on_synced(std::function<void(bool)> fn);
  void set_on_status(std::function<void(provider_status)> fn);

  // Asks the server to confirm it has everything sent so far: `done(true)` once it answered a
  // sync step 1 sent now (servers handle a connection's messages in order), `done(false)` when
  // not connected or the connection is lost first. The callback runs on the executor.
  void flush(std::function<void(bool)> done);

  // Our awareness (client id = the doc's). Set the local state through it; changes with
  // local_origin are sent, peers' states arrive with this provider as origin and are removed
  // when the connection is lost.
  protocol::awareness& awareness() noexcept;
  // The origin of the transactions and awareness changes the provider applies.
  crdt::origin origin() const noexcept;

  // Any thread.
  const boost::asio::any_io_executor& get_executor() const noexcept { return executor_; }
  // Any thread: runs fn on the executor (the place to edit the doc).
  template <class Fn>
  void post(Fn&& fn) const {
    boost::asio::post(executor_, std::forward<Fn>(fn));
  }

 private:
  boost::asio::any_io_executor executor_;
  std::shared_ptr<detail::provider_state> state_;
};

}  // namespace yws::net
