// The built-in listener: accepts TCP connections, each onto its own strand.
#pragma once

#include <cstdint>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>

#include "yws/error.hpp"

namespace yws::net::detail {

class server_core;

// Thread safety: open() before the io_context runs; close() from any thread.
// Lifetime: owned by the server; outlives its accept loop (stop() closes it and joins the
// threads before destroying it).
class listener {
 public:
  explicit listener(server_core& core);

  // Binds and listens. `host` is an IP address or a name to resolve. Returns the bound port.
  // Errors: the operating system's (address in use, cannot resolve, ...).
  [[nodiscard]] result<std::uint16_t> open(const std::string& host, std::uint16_t port);
  void start();
  void close();

 private:
  boost::asio::awaitable<void> accept_loop();

  server_core& core_;
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace yws::net::detail
