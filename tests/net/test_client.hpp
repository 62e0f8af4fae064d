// A WebSocket test client over Beast, driven from the test thread: every call runs the client's
// own io_context until its condition holds or a deadline passes, so no test can hang. After
// connect() a read is always pending; received messages queue up in an inbox that read() takes
// from. While the test does not call into a client, nothing runs for it: its socket buffers fill
// up as a client that stopped reading would.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

namespace yws::net::test {

using bytes = std::vector<std::uint8_t>;
using namespace std::chrono_literals;

inline constexpr std::chrono::milliseconds default_timeout = 5s;

// Thread safety: none (one test thread). Lifetime: owns its io_context and socket.
class ws_client {
 public:
  ws_client();
  ~ws_client();
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  // Connects to 127.0.0.1:port and upgrades with `target`. Returns the HTTP status of the
  // server's answer (101 = upgraded), or 0 when the connection failed. `prepare` runs on the
  // socket before it connects (e.g. to shrink its receive buffer).
  int connect(std::uint16_t port, std::string_view target,
              const std::function<void(boost::asio::ip::tcp::socket&)>& prepare = {});

  bool send(std::span<const std::uint8_t> message);
  bool send_text(std::string_view text);
  // Writes raw bytes on the TCP connection, under the WebSocket layer.
  bool send_raw(std::span<const std::uint8_t> raw);
  // The next message; nullopt when none arrived in time (timed_out()) or the connection is over.
  std::optional<bytes> read(std::chrono::milliseconds timeout = default_timeout);
  // Reads (and drops) messages until the connection is over. The close code the server sent, 0
  // when it ended without a close frame, nullopt on timeout.
  std::optional<std::uint16_t> wait_close(std::chrono::milliseconds timeout = default_timeout);
  // Our closing handshake with `code`; true when it completed.
  bool close(std::uint16_t code = 1000, std::chrono::milliseconds timeout = default_timeout);
  // Closes the socket without a closing handshake.
  void drop();
  // Runs the client (reads into the inbox) for `d`, without waiting for anything in particular.
  void run_for(std::chrono::milliseconds d);

  bool is_open() const { return !ended_; }
  bool ended() const { return ended_; }
  bool timed_out() const { return timed_out_; }
  std::size_t inbox_size() const { return inbox_.size(); }
  boost::beast::websocket::stream<boost::beast::tcp_stream>& stream() { return ws_; }

 private:
  void read_next();
  bool write(const void* data, std::size_t size);
  // Runs the io_context until pred() holds or the deadline passes; returns pred().
  bool run_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout);
  // For operations whose handler refers to the caller's stack: on timeout the socket is closed
  // and the handler run before returning false.
  bool complete(const bool& done, std::chrono::milliseconds timeout);

  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  std::deque<bytes> inbox_;
  bool reading_ = false;
  bool ended_ = false;
  bool timed_out_ = false;
};

using http_response = boost::beast::http::response<boost::beast::http::string_body>;

// One HTTP/1.1 request to 127.0.0.1:port (Connection: close); nullopt on failure or timeout.
std::optional<http_response> http_request_to(std::uint16_t port, boost::beast::http::verb method,
                                             std::string_view target,
                                             std::chrono::milliseconds timeout = default_timeout);

}  // namespace yws::net::test
