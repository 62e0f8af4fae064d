#include "net/listener.hpp"

#include <chrono>
#include <exception>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/logger.h>

#include "net/http_session.hpp"
#include "net/log_fields.hpp"
#include "net/server_core.hpp"

namespace yws::net::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
}

listener::listener(server_core& core)
    : core_(core), strand_(asio::make_strand(asio::any_io_executor(core.ioc.get_executor()))), acceptor_(strand_) {}

result<std::uint16_t> listener::open(const std::string& host, std::uint16_t port) {
  boost::system::error_code ec;
  tcp::endpoint endpoint;
  auto address = asio::ip::make_address(host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, port);
  } else {
    tcp::resolver resolver(core_.ioc);
    auto results = resolver.resolve(host, std::to_string(port), tcp::resolver::passive, ec);
    if (ec) return std::error_code(ec);
    if (results.empty()) return errc::invalid_argument;
    endpoint = results.begin()->endpoint();
  }
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) return std::error_code(ec);
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  acceptor_.bind(endpoint, ec);
  if (ec) return std::error_code(ec);
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return std::error_code(ec);
  auto bound = acceptor_.local_endpoint(ec);
  if (ec) return std::error_code(ec);
  return bound.port();
}

void listener::start() {
  asio::co_spawn(strand_, accept_loop(), log_if_failed(core_.log(), "listener failed"));
}

void listener::close() {
  asio::post(strand_, [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });
}

asio::awaitable<void> listener::accept_loop() {
  asio::steady_timer backoff(strand_);
  for (;;) {
    // Each connection on a strand of its own, of the concrete type sessions run on.
    auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(core_.ioc), use_nothrow);
    if (!acceptor_.is_open()) co_return;
    if (ec) {
      // Out of file descriptors and the like: wait a little instead of spinning.
      core_.log().warn("msg=\"accept failed\" error={}", quoted(ec.message()));
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(use_nothrow);
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);  // y-websocket messages are small: no Nagle delay
    launch_http_connection(core_, std::move(socket));
  }
}

}  // namespace yws::net::detail
