#include "ws_client.hpp"

#include <variant>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "yws/crdt/doc.hpp"
#include "yws/protocol/message.hpp"
#include "yws/protocol/sync.hpp"

namespace yws::bench::ws_load {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

ws_client::ws_client(asio::io_context& ioc) : ws_(ioc) {
  websocket::stream_base::timeout opt{};
  opt.handshake_timeout = std::chrono::seconds(10);
  opt.idle_timeout = websocket::stream_base::none();
  opt.keep_alive_pings = false;
  ws_.set_option(opt);
  ws_.binary(true);
  ws_.auto_fragment(false);
  ws_.read_message_max(64u << 20);
}

asio::awaitable<beast::error_code> ws_client::connect(const target& t, const std::string& room,
                                                      std::chrono::milliseconds timeout) {
  beast::error_code ec;
  const auto address = asio::ip::make_address(t.host, ec);
  if (ec) co_return ec;
  const tcp::endpoint ep(address, t.port);
  auto& sock = ws_.next_layer();
  asio::steady_timer deadline(ws_.get_executor(), timeout);
  auto connected = co_await (sock.async_connect(ep, use_nothrow) || deadline.async_wait(use_nothrow));
  if (connected.index() == 1) co_return beast::error_code(asio::error::timed_out);
  if (auto [e] = std::get<0>(connected); e) co_return e;
  sock.set_option(tcp::no_delay(true), ec);  // small frames must not wait for delayed ACKs
  const std::string host = t.host + ":" + std::to_string(t.port);
  const std::string path = t.path_prefix + room;
  auto [hs] = co_await ws_.async_handshake(host, path, use_nothrow);
  co_return hs;
}

asio::awaitable<beast::error_code> ws_client::sync(std::vector<std::uint8_t>* step2_update) {
  if (auto [ec, n] = co_await ws_.async_write(asio::buffer(empty_doc_sync_step1()), use_nothrow); ec) co_return ec;
  for (;;) {
    auto [ec, n] = co_await ws_.async_read(buffer_, use_nothrow);
    if (ec) co_return ec;
    const std::span<const std::uint8_t> frame(static_cast<const std::uint8_t*>(buffer_.data().data()), n);
    bool got_step1 = false;
    bool got_step2 = false;
    protocol::message_reader reader(frame);
    while (!reader.at_end()) {
      auto msg = reader.next();
      if (!msg) co_return beast::error_code(websocket::error::bad_data_frame);
      if (std::holds_alternative<protocol::sync_step1>(*msg)) got_step1 = true;
      if (auto* s2 = std::get_if<protocol::sync_step2>(&*msg)) {
        got_step2 = true;
        if (step2_update) step2_update->assign(s2->update.begin(), s2->update.end());
      }
    }
    buffer_.consume(n);
    if (got_step1) {
      if (auto [e, m] = co_await ws_.async_write(asio::buffer(empty_doc_sync_step2()), use_nothrow); e) co_return e;
    }
    if (got_step2) co_return beast::error_code{};
  }
}

asio::awaitable<beast::error_code> ws_client::send(std::span<const std::uint8_t> message) {
  auto [ec, n] = co_await ws_.async_write(asio::buffer(message.data(), message.size()), use_nothrow);
  co_return ec;
}

asio::awaitable<void> ws_client::close() {
  if (!ws_.is_open()) co_return;
  co_await ws_.async_close(websocket::close_code::normal, use_nothrow);
}

void ws_client::abort() {
  beast::error_code ignored;
  ws_.next_layer().close(ignored);
}

const std::vector<std::uint8_t>& empty_doc_sync_step1() {
  static const std::vector<std::uint8_t> message = [] {
    crdt::doc empty;
    return protocol::encode_sync_step1(empty);
  }();
  return message;
}

const std::vector<std::uint8_t>& empty_doc_sync_step2() {
  static const std::vector<std::uint8_t> message = [] {
    crdt::doc empty;
    // An empty doc lacks nothing any peer could ask for, so its answer is the same for every
    // state vector.
    auto step2 = protocol::encode_sync_step2(empty, crdt::encode_state_vector_v1(empty));
    return step2 ? std::move(*step2) : std::vector<std::uint8_t>{};
  }();
  return message;
}

}  // namespace yws::bench::ws_load
