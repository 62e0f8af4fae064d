// bench/ws_load/ws_client.hpp: one y-websocket client connection of the load generator, as a
// y-websocket provider behaves on the wire: it upgrades on /<room>, sends sync step 1, answers
// the server's step 1 with its step 2, and from then on reads updates. Frames are binary, one
// message each; no permessage-deflate (neither side is asked to compress).
//
//   auto c = std::make_shared<ws_client>(ioc);
//   if (auto ec = co_await c->connect(server, "room-1", 10s); ec) co_return fail(ec);
//   if (auto ec = co_await c->sync(nullptr); ec) co_return fail(ec);
//   co_await c->read_loop([&](std::span<const std::uint8_t> frame) { count(frame); });
//
// Thread safety: none; every call on the client's executor (the io_context it was built on).
// Lifetime: shared; the coroutines that use it hold a shared_ptr. At most one read and one write
// may be in progress, as Beast requires: sync() reads and writes, so it must finish before
// read_loop() and send() run concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "common.hpp"

namespace yws::bench::ws_load {

class ws_client {
 public:
  explicit ws_client(asio::io_context& ioc);

  asio::any_io_executor get_executor() { return ws_.get_executor(); }

  // TCP connect to the target (bounded by `timeout`) and the WebSocket upgrade on
  // <path_prefix><room> (bounded by the stream's handshake timeout, 10 s).
  asio::awaitable<boost::beast::error_code> connect(const target& t, const std::string& room,
                                                    std::chrono::milliseconds timeout);
  // The client half of the sync handshake for an empty document: sends sync step 1, answers the
  // server's step 1 (if it comes first, as y-websocket servers send it on connect) with an empty
  // step 2, and returns once the server's step 2 arrived; its update is copied to `step2_update`
  // when that is not null. Other messages (awareness) are read and ignored.
  asio::awaitable<boost::beast::error_code> sync(std::vector<std::uint8_t>* step2_update);
  asio::awaitable<boost::beast::error_code> send(std::span<const std::uint8_t> message);
  // Reads until the connection ends (the error says how), handing each message to
  // on_frame(std::span<const std::uint8_t>). The span is valid during the call only.
  template <class OnFrame>
  asio::awaitable<boost::beast::error_code> read_loop(OnFrame on_frame) {
    for (;;) {
      auto [ec, n] = co_await ws_.async_read(buffer_, use_nothrow);
      if (ec) co_return ec;
      on_frame(std::span<const std::uint8_t>(static_cast<const std::uint8_t*>(buffer_.data().data()), n));
      buffer_.consume(n);
    }
  }
  // The closing handshake (code 1000), bounded by the handshake timeout; a read_loop in progress
  // ends with error::closed.
  asio::awaitable<void> close();
  // Closes the socket at once: every pending operation ends with an error.
  void abort();

 private:
  boost::beast::websocket::stream<asio::ip::tcp::socket> ws_;
  boost::beast::flat_buffer buffer_;
};

// The messages of an empty document's sync exchange (computed once with yws::protocol).
const std::vector<std::uint8_t>& empty_doc_sync_step1();
const std::vector<std::uint8_t>& empty_doc_sync_step2();

}  // namespace yws::bench::ws_load
