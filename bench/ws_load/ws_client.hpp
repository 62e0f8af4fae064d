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
  // The same without a timer of its own (the TCP connect unbounded, the upgrade too): for a phase
  // that bounds all its clients by one deadline, after which it abort()s those still connecting.
  // With a thousand clients connecting at once, two timers per client are a measurable part of
  // the generator's CPU.
  asio::awaitable<boost::beast::error_code> connect_unbounded(const target& t, const std::string& room);
  // The client half of the sync handshake for an empty document: sends sync step 1, answers the
  // server's step 1 (if it comes first, as y-websocket servers send it on connect) with an empty
  // step 2, and returns once the server's step 2 arrived whole (every byte its length prefix
  // announces); its update is stored in `step2_update` when that is not null, else read and
  // dropped. Other messages (awareness) are read and ignored. Frames that are not y-websocket
  // messages end it with websocket::error::bad_data_frame.
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
  // Reads and drops every message until the connection ends (the error says how): a client that
  // only has to stay connected, at no memory cost per client.
  asio::awaitable<boost::beast::error_code> drain();
  // The closing handshake (code 1000), bounded by the handshake timeout; a read_loop in progress
  // ends with error::closed.
  asio::awaitable<void> close();
  // Closes the socket at once: every pending operation ends with an error.
  void abort();

 private:
  // The target's address (numeric hosts only: the generator does no name lookups).
  static boost::beast::error_code endpoint_of(const target& t, asio::ip::tcp::endpoint& ep);
  // TCP_NODELAY and the WebSocket upgrade on <path_prefix><room>, once TCP is connected.
  asio::awaitable<boost::beast::error_code> upgrade(const target& t, const std::string& room);

  // On the io_context's executor type, not the type-erased any_io_executor: Beast copies and
  // destroys the stream's executor in every operation, and type-erased that was a few per cent
  // of the generator's CPU in phase (b) (perf).
  boost::beast::websocket::stream<asio::basic_stream_socket<asio::ip::tcp, asio::io_context::executor_type>> ws_;
  boost::beast::flat_buffer buffer_;
};

// The messages of an empty document's sync exchange (computed once with yws::protocol).
const std::vector<std::uint8_t>& empty_doc_sync_step1();
const std::vector<std::uint8_t>& empty_doc_sync_step2();

}  // namespace yws::bench::ws_load
