#include "net/http_session.hpp"

#include <exception>
#include <memory>
#include <string>

#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/logger.h>

#include "net/log_fields.hpp"
#include "net/room_name.hpp"
#include "net/server_core.hpp"
#include "net/ws_session.hpp"

namespace yws::net::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t max_header_bytes = 16 * 1024;
constexpr std::size_t max_body_bytes = 64 * 1024;

using http_response = http::response<http::string_body>;

http_response make_response(const server_core& core, const http_request& req, http::status status,
                            std::string body, std::string_view content_type = "text/plain; charset=utf-8") {
  http_response res{status, req.version()};
  res.set(http::field::server, core.opts.server_name);
  res.set(http::field::content_type, content_type);
  res.keep_alive(req.keep_alive());
  if (req.method() != http::verb::head) res.body() = std::move(body);
  res.prepare_payload();
  if (req.method() == http::verb::head) res.content_length(body.size());
  return res;
}

// The answer to a request that is not an upgrade.
http_response route(server_core& core, const http_request& req) {
  const std::string_view target = req.target();
  const std::string_view path = target.substr(0, target.find('?'));
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    auto res = make_response(core, req, http::status::method_not_allowed, "method not allowed\n");
    res.set(http::field::allow, "GET, HEAD");
    return res;
  }
  if (path == "/healthz") return make_response(core, req, http::status::ok, "ok\n");
  if (path == "/metrics") {
    return make_response(core, req, http::status::ok, to_prometheus(core.metrics.snapshot()),
                         "text/plain; version=0.0.4; charset=utf-8");
  }
  auto res = make_response(core, req, http::status::upgrade_required,
                           "yws: connect with a y-websocket client to ws://<host>/<room>\n");
  res.set(http::field::upgrade, "websocket");
  return res;
}

// Answers an upgrade request with an error and ends the connection.
asio::awaitable<void> reject(server_core& core, http_stream& stream, const http_request& req,
                             http::status status, std::string body) {
  metrics_counters::add(core.metrics.http_rejected);
  auto res = make_response(core, req, status, std::move(body));
  res.keep_alive(false);
  stream.expires_after(core.opts.handshake_timeout);
  co_await http::async_write(stream, res, use_nothrow);
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

// One accepted connection in its HTTP phase.
struct http_connection {
  http_connection(server_core& c, websocket_socket socket)
      : core(c), stream(std::move(socket)), peer{c.next_session_id(), remote_of(stream.socket())} {}

  server_core& core;
  http_stream stream;
  beast::flat_buffer buffer;
  peer_info peer;
  bool handed_over = false;  // the stream now belongs to a WebSocket session
};

asio::awaitable<void> serve_http(std::shared_ptr<http_connection> c) {
  auto& core = c->core;
  auto ticket = core.connections.add([weak = std::weak_ptr(c), ex = c->stream.get_executor()](bool) {
    asio::post(ex, [weak] {
      if (auto conn = weak.lock(); conn && !conn->handed_over) conn->stream.close();
    });
  });
  // ticket.closing: stop() had begun when this connection was added. A stop() that begins later
  // closes the stream (the closer above), which ends the read; accepting covers the request that
  // was being answered meanwhile.
  while (!ticket.closing && core.accepting.load()) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(max_header_bytes);
    parser.body_limit(max_body_bytes);
    c->stream.expires_after(core.opts.handshake_timeout);
    auto [ec, n] = co_await http::async_read(c->stream, c->buffer, parser, use_nothrow);
    if (ec) {
      const bool malformed = ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
                             ec != http::error::end_of_stream;
      if (malformed) {
        metrics_counters::add(core.metrics.http_rejected);
        http_request dummy;
        auto res = make_response(core, dummy, http::status::bad_request, "bad request\n");
        res.keep_alive(false);
        co_await http::async_write(c->stream, res, use_nothrow);
      }
      break;
    }
    http_request req = parser.release();
    if (websocket::is_upgrade(req)) {
      c->handed_over = true;
      co_await upgrade_to_websocket(core, std::move(c->stream), std::move(req), c->peer);
      break;
    }
    auto res = route(core, req);
    const bool keep_alive = res.keep_alive();
    auto [wec, wn] = co_await http::async_write(c->stream, res, use_nothrow);
    if (wec || !keep_alive) break;
  }
  if (!c->handed_over) {
    beast::error_code ignored;
    c->stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    c->stream.close();
  }
  core.connections.remove(ticket.id);
}

template <class Socket>
std::string remote_of_socket(const Socket& socket) {
  beast::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

}  // namespace

result<websocket_socket> to_session_socket(server_core& core, asio::ip::tcp::socket socket) {
  const auto* strand = socket.get_executor().target<session_executor>();
  websocket_socket out(strand ? *strand : asio::make_strand(core.ioc));
  beast::error_code ec;
  const auto protocol = socket.local_endpoint(ec).protocol();
  if (ec) return std::error_code(ec);
  const auto fd = socket.release(ec);
  if (ec) return std::error_code(ec);
  out.assign(protocol, fd, ec);
  if (ec) {
    ::close(fd);
    return std::error_code(ec);
  }
  return out;
}

std::string remote_of(const asio::ip::tcp::socket& socket) { return remote_of_socket(socket); }
std::string remote_of(const websocket_socket& socket) { return remote_of_socket(socket); }

void launch_http_connection(server_core& core, websocket_socket socket) {
  auto c = std::make_shared<http_connection>(core, std::move(socket));
  auto ex = c->stream.get_executor();
  asio::co_spawn(ex, serve_http(std::move(c)), log_if_failed(core.log(), "http connection failed"));
}

asio::awaitable<void> upgrade_to_websocket(server_core& core, http_stream stream, http_request req,
                                           peer_info peer) {
  auto name = room_name_from_target(req.target(), core.opts.max_room_name_bytes);
  if (!name) {
    core.log().info("msg=\"upgrade rejected: invalid room name\" peer={} target={}", peer.remote,
                    quoted(std::string_view(req.target()).substr(0, 200)));
    co_await reject(core, stream, req, http::status::bad_request,
                    "invalid room name: the URL path must be 1.." + std::to_string(core.opts.max_room_name_bytes) +
                        " bytes of UTF-8 without control characters, percent-encoded\n");
    co_return;
  }
  if (!core.accepting.load()) {
    co_await reject(core, stream, req, http::status::service_unavailable, "server is shutting down\n");
    co_return;
  }
  if (core.hooks.on_connect) {
    connect_decision decision;
    try {
      decision = core.hooks.on_connect(connect_request{req, *name, peer});
    } catch (const std::exception& e) {
      core.log().error("msg=\"on_connect failed\" room={} peer={} error={}", quoted(*name), peer.remote,
                       quoted(e.what()));
      decision = connect_decision::reject(http::status::internal_server_error, "internal error\n");
    }
    if (decision.reject_status) {
      core.log().info("msg=\"upgrade rejected by on_connect\" room={} peer={} status={}", quoted(*name), peer.remote,
                      static_cast<unsigned>(*decision.reject_status));
      co_await reject(core, stream, req, *decision.reject_status, std::move(decision.reject_body));
      co_return;
    }
  }

  // The session runs over the plain socket (see websocket_stream); Beast's own handshake timer
  // bounds the handshake instead of the stream's.
  stream.expires_never();
  websocket_stream ws(stream.release_socket());
  ws.set_option(websocket::stream_base::timeout{core.opts.handshake_timeout, websocket::stream_base::none(), false});
  // Browsers fail a handshake that offered subprotocols (e.g. a token) if none is echoed, so the
  // first offered one is accepted; yws itself gives them no meaning.
  std::string subprotocol;
  if (auto offered = req[http::field::sec_websocket_protocol]; !offered.empty()) {
    subprotocol = std::string(offered.substr(0, offered.find(',')));
    while (!subprotocol.empty() && subprotocol.back() == ' ') subprotocol.pop_back();
  }
  ws.set_option(websocket::stream_base::decorator(
      [server = core.opts.server_name, subprotocol](websocket::response_type& res) {
        res.set(http::field::server, server);
        if (!subprotocol.empty()) res.set(http::field::sec_websocket_protocol, subprotocol);
      }));
  auto [ec] = co_await ws.async_accept(req, use_nothrow);
  if (ec) {
    core.log().debug("msg=\"websocket handshake failed\" peer={} error={}", peer.remote, quoted(ec.message()));
    co_return;
  }
  // The decorator's captures would stay allocated for the connection's life.
  ws.set_option(websocket::stream_base::decorator([](websocket::response_type&) {}));
  ws_session::launch(core, std::move(ws), std::move(*name), std::move(peer));
}

}  // namespace yws::net::detail
