#include "net/test_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

namespace yws::net::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using clock = std::chrono::steady_clock;

ws_client::ws_client() : ws_(ioc_) {}

ws_client::~ws_client() {
  drop();
  // Let the pending read finish so its handler (which refers to this) is gone.
  run_until([&] { return !reading_; }, 1s);
}

bool ws_client::run_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  while (!pred()) {
    if (ioc_.stopped()) ioc_.restart();
    if (ioc_.run_one_until(deadline) == 0 && clock::now() >= deadline) return pred();
  }
  return true;
}

bool ws_client::complete(const bool& done, std::chrono::milliseconds timeout) {
  if (run_until([&] { return done; }, timeout)) return true;
  timed_out_ = true;
  drop();
  run_until([&] { return done; }, 1s);
  return false;
}

void ws_client::run_for(std::chrono::milliseconds d) {
  if (ioc_.stopped()) ioc_.restart();
  ioc_.run_for(d);
}

void ws_client::read_next() {
  reading_ = true;
  ws_.async_read(buffer_, [this](beast::error_code ec, std::size_t) {
    reading_ = false;
    if (ec) {
      ended_ = true;
      return;
    }
    const auto* p = static_cast<const std::uint8_t*>(buffer_.data().data());
    inbox_.emplace_back(p, p + buffer_.size());
    buffer_.clear();
    read_next();
  });
}

int ws_client::connect(std::uint16_t port, std::string_view target,
                       const std::function<void(tcp::socket&)>& prepare) {
  auto& sock = beast::get_lowest_layer(ws_).socket();
  const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
  beast::error_code ec;
  sock.open(ep.protocol(), ec);
  if (ec) return 0;
  sock.set_option(tcp::no_delay(true), ec);  // small frames must not wait for delayed ACKs
  if (prepare) prepare(sock);
  bool done = false;
  sock.async_connect(ep, [&](beast::error_code e) {
    ec = e;
    done = true;
  });
  if (!complete(done, default_timeout) || ec) return 0;
  websocket::response_type res;
  done = false;
  ws_.async_handshake(res, "127.0.0.1:" + std::to_string(port), std::string(target), [&](beast::error_code e) {
    ec = e;
    done = true;
  });
  if (!complete(done, default_timeout)) return 0;
  if (ec) {
    ended_ = true;
    return static_cast<int>(res.result_int());
  }
  ws_.binary(true);
  read_next();
  return 101;
}

bool ws_client::write(const void* data, std::size_t size) {
  bool done = false;
  beast::error_code ec;
  ws_.async_write(asio::buffer(data, size), [&](beast::error_code e, std::size_t) {
    ec = e;
    done = true;
  });
  return complete(done, default_timeout) && !ec;
}

bool ws_client::send(std::span<const std::uint8_t> message) {
  ws_.binary(true);
  return write(message.data(), message.size());
}

bool ws_client::send_text(std::string_view text) {
  ws_.text(true);
  const bool ok = write(text.data(), text.size());
  ws_.binary(true);
  return ok;
}

bool ws_client::send_raw(std::span<const std::uint8_t> raw) {
  bool done = false;
  beast::error_code ec;
  asio::async_write(beast::get_lowest_layer(ws_).socket(), asio::buffer(raw.data(), raw.size()),
                    [&](beast::error_code e, std::size_t) {
                      ec = e;
                      done = true;
                    });
  return complete(done, default_timeout) && !ec;
}

std::optional<bytes> ws_client::read(std::chrono::milliseconds timeout) {
  timed_out_ = false;
  if (!run_until([&] { return !inbox_.empty() || ended_; }, timeout)) {
    timed_out_ = true;
    return std::nullopt;
  }
  if (inbox_.empty()) return std::nullopt;
  bytes b = std::move(inbox_.front());
  inbox_.pop_front();
  return b;
}

std::optional<std::uint16_t> ws_client::wait_close(std::chrono::milliseconds timeout) {
  if (!run_until([&] { return ended_; }, timeout)) return std::nullopt;
  inbox_.clear();
  return static_cast<std::uint16_t>(ws_.reason().code);
}

bool ws_client::close(std::uint16_t code, std::chrono::milliseconds timeout) {
  bool done = false;
  beast::error_code ec;
  ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(code)), [&](beast::error_code e) {
    ec = e;
    done = true;
  });
  const bool ok = complete(done, timeout) && !ec;
  run_until([&] { return !reading_; }, timeout);
  ended_ = true;
  return ok;
}

void ws_client::drop() {
  beast::error_code ignored;
  auto& sock = beast::get_lowest_layer(ws_).socket();
  if (sock.is_open()) {
    sock.shutdown(tcp::socket::shutdown_both, ignored);
    sock.close(ignored);
  }
}

std::optional<http_response> http_request_to(std::uint16_t port, beast::http::verb method, std::string_view target,
                                             std::chrono::milliseconds timeout) {
  namespace http = beast::http;
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(timeout);
  http::request<http::string_body> req{method, std::string(target), 11};
  req.set(http::field::host, "127.0.0.1");
  req.keep_alive(false);
  http_response res;
  beast::flat_buffer buffer;
  bool ok = false;
  stream.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), [&](beast::error_code ec) {
    if (ec) return;
    http::async_write(stream, req, [&](beast::error_code ec, std::size_t) {
      if (ec) return;
      if (method == http::verb::head) {
        // A HEAD response has no body whatever its Content-Length says.
        auto parser = std::make_shared<http::response_parser<http::string_body>>();
        parser->skip(true);
        http::async_read(stream, buffer, *parser, [&, parser](beast::error_code ec, std::size_t) {
          if (ec) return;
          res = parser->release();
          ok = true;
        });
        return;
      }
      http::async_read(stream, buffer, res, [&](beast::error_code ec, std::size_t) { ok = !ec; });
    });
  });
  ioc.run();  // bounded by the stream's expiry
  if (!ok) return std::nullopt;
  return res;
}

}  // namespace yws::net::test
