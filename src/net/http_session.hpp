// The HTTP side of a connection: health and metrics endpoints, and the WebSocket upgrade.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "yws/error.hpp"
#include "yws/net/hooks.hpp"
#include "yws/net/server.hpp"

namespace yws::net::detail {

class server_core;

// A connection in its HTTP phase: Beast's stream with timeouts, over a socket typed for sessions
// (see session_executor), so that the upgrade hands the very socket to the WebSocket session.
using http_stream = boost::beast::basic_stream<boost::asio::ip::tcp, session_executor>;

// Serves one accepted connection on the socket's executor: HTTP/1.1 requests (keep-alive) until
// an upgrade request, which goes to upgrade_to_websocket(). Tracked, so stop() closes it.
void launch_http_connection(server_core& core, websocket_socket socket);

// Checks the room name (400), asks on_connect (its status; 500 when it throws), refuses when the
// server is stopping (503), then completes the WebSocket handshake and starts the session.
boost::asio::awaitable<void> upgrade_to_websocket(server_core& core, http_stream stream,
                                                  http_request request, peer_info peer);

// The connection of a socket on any executor (an embedder's) on a socket typed for sessions, on
// the same strand when it is one of that type, else on a new strand of the server's context. The
// descriptor moves (Asio sockets of different executor types cannot be moved into each other).
[[nodiscard]] result<websocket_socket> to_session_socket(server_core& core, boost::asio::ip::tcp::socket socket);

// "address:port" of the socket's peer, or "unknown".
std::string remote_of(const boost::asio::ip::tcp::socket& socket);
std::string remote_of(const websocket_socket& socket);

}  // namespace yws::net::detail
