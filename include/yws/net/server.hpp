// yws/net/server.hpp: the y-websocket sync server (the C++ counterpart of pycrdt-websocket's
// WebsocketServer + YRoom + ASGIServer).
//
// Any HTTP path upgrades to a WebSocket whose room is the percent-decoded path without its
// leading '/' and query (ws://host:1234/notes/a%20b?x=1 joins room "notes/a b"); GET /healthz
// answers "ok", GET /metrics answers Prometheus text. Each room holds a doc, an awareness and its
// sessions on one strand; see docs/architecture.md for the threading model, the queue bounds,
// the close codes, the handshake ordering guarantee and shutdown.
//
//   yws::net::server srv({.port = 0, .threads = 2});
//   if (auto ok = srv.start(); !ok) return fail(ok.error());
//   std::printf("port %u\n", srv.local_port());
//   srv.post_to_room("notes", [](yws::net::room_access& r) { r.doc().get_text("t").insert(0, "hi"); });
//   ...
//   srv.stop();  // 1001 to every client, waits for the closing handshakes, joins the threads
//
// Thread safety: every member may be called from any thread, except that start() and stop() must
// not be called from one of the server's own threads (stop() waits for them) nor concurrently
// with each other.
// Lifetime: the destructor stops the server. Hooks and the logger must stay valid until stop()
// returns; the store (server_options::storage) is shared and kept until the server is destroyed.
// A server is started at most once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "yws/error.hpp"
#include "yws/net/hooks.hpp"
#include "yws/net/metrics.hpp"
#include "yws/net/room_access.hpp"
#include "yws/net/server_options.hpp"

namespace yws::net {

namespace detail {
class server_core;
}

// The executor every WebSocket session runs on: a strand of an io_context. A concrete type, not
// any_io_executor: every pending operation of a connection carries copies of its executor
// (16 bytes each instead of 56), which is a tenth of an idle connection's memory.
using session_executor = boost::asio::strand<boost::asio::io_context::executor_type>;
using websocket_socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, session_executor>;
// The WebSocket stream type the server serves: over a plain socket rather than beast::tcp_stream,
// whose timers cost every idle connection ~0.5 KiB (the session keeps its own deadlines), and
// without permessage-deflate support (yws does not negotiate it; its state would be in every
// connection). A socket accepted with `acceptor.async_accept(asio::make_strand(ioc), ...)` has
// the socket type.
using websocket_stream = boost::beast::websocket::stream<websocket_socket, false>;
using http_request = boost::beast::http::request<boost::beast::http::string_body>;

class server {
 public:
  explicit server(server_options opts, server_hooks hooks = {});
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Validates the options, binds the listener (unless opts.listen is false) and starts the I/O
  // threads. Errors: errc::invalid_argument for bad options or a second start; the operating
  // system's error when the address cannot be bound (e.g. address in use).
  [[nodiscard]] result<void> start();
  // Graceful shutdown, blocking: stops accepting, sends close 1001 to every session after its
  // queued messages, waits up to shutdown_timeout for the closing handshakes, then closes what is
  // left, unloads every room (on_room_unload), waits (up to shutdown_timeout) for the store to
  // append every captured update, flushes it and joins the threads. Idempotent.
  void stop();
  bool running() const noexcept;

  // The bound port (after start(); 0 when not listening).
  std::uint16_t local_port() const noexcept;
  // The server's io_context, e.g. for an embedder's own listener or timers. Run by the server's
  // threads between start() and stop().
  boost::asio::io_context& io_context() noexcept;

  // Embedding: takes over a WebSocket whose opening handshake the caller completed, and serves
  // it as a client of the room named by `target` (an HTTP request target such as
  // "/notes?token=x"). The caller's listener is its own gatekeeper: on_connect is not run.
  // Requires: the stream's executor is a strand (or its io_context runs on one thread), as Beast
  // requires; its io_context keeps running until stop() returns. Errors: errc::invalid_argument
  // for a target that names no valid room, errc::rejected when the server is not running; on
  // error `ws` is not moved from (it is still the caller's, still open).
  [[nodiscard]] result<void> serve_websocket(websocket_stream&& ws, std::string_view target);
  // Embedding: takes over a connection whose HTTP upgrade request the caller has read, and does
  // what the built-in listener does with it (room name check, on_connect, handshake, session).
  // Errors are answered over HTTP (400, on_connect's status, 503 when not running). Requires: as
  // serve_websocket.
  void handle_upgrade(boost::beast::tcp_stream stream, http_request request);

  // Runs `fn` on the room's executor, creating (loading) the room first if it is not loaded, as a
  // connection would; the room counts as in use until fn returns. Errors: errc::invalid_argument
  // for an invalid room name, errc::rejected when the server is not running (fn is not run).
  [[nodiscard]] result<void> post_to_room(std::string_view room, std::function<void(room_access&)> fn);
  // The loaded room of that name, if any.
  std::optional<room_handle> find_room(std::string_view room) const;
  std::vector<std::string> room_names() const;
  // Gives a loaded room another name; its clients stay connected. With a store the room goes on
  // appending under the name it was loaded with (stored history is not moved). Errors:
  // errc::not_found, errc::invalid_argument when `to` is invalid or already taken.
  [[nodiscard]] result<void> rename_room(std::string_view from, std::string_view to);
  // Unloads a room now: its sessions are closed with 1001 (they reconnect to a fresh room) and
  // on_room_unload runs. Stored history stays (the next load reads it; store::remove deletes it).
  // Errors: errc::not_found.
  [[nodiscard]] result<void> delete_room(std::string_view room);

  metrics_snapshot metrics() const;

 private:
  struct state;
  std::unique_ptr<detail::server_core> core_;
  std::unique_ptr<state> state_;
};

}  // namespace yws::net
