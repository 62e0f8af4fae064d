#include "ws_client.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <variant>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "yws/crdt/doc.hpp"
#include "yws/encoding/decoder.hpp"
#include "yws/error.hpp"
#include "yws/protocol/message.hpp"
#include "yws/protocol/sync.hpp"

namespace yws::bench::ws_load {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

namespace {

// The stream's timers: the opening and closing handshakes bounded by 10 s, unless `bounded` is
// false (connect_unbounded()); no idle timeout, no pings (the servers ping, the client answers).
websocket::stream_base::timeout client_timeouts(bool bounded) {
  websocket::stream_base::timeout opt{};
  opt.handshake_timeout = bounded ? std::chrono::seconds(10) : websocket::stream_base::none();
  opt.idle_timeout = websocket::stream_base::none();
  opt.keep_alive_pings = false;
  return opt;
}

}  // namespace

ws_client::ws_client(asio::io_context& ioc) : ws_(ioc) {
  ws_.set_option(client_timeouts(true));
  ws_.binary(true);
  ws_.auto_fragment(false);
  ws_.read_message_max(64u << 20);
}

beast::error_code ws_client::endpoint_of(const target& t, tcp::endpoint& ep) {
  beast::error_code ec;
  const auto address = asio::ip::make_address(t.host, ec);
  if (!ec) ep = tcp::endpoint(address, t.port);
  return ec;
}

asio::awaitable<beast::error_code> ws_client::connect(const target& t, const std::string& room,
                                                      std::chrono::milliseconds timeout) {
  tcp::endpoint ep;
  if (auto ec = endpoint_of(t, ep)) co_return ec;
  asio::steady_timer deadline(ws_.get_executor(), timeout);
  auto connected = co_await (ws_.next_layer().async_connect(ep, use_nothrow) || deadline.async_wait(use_nothrow));
  if (connected.index() == 1) co_return beast::error_code(asio::error::timed_out);
  if (auto [e] = std::get<0>(connected); e) co_return e;
  co_return co_await upgrade(t, room);
}

asio::awaitable<beast::error_code> ws_client::connect_unbounded(const target& t, const std::string& room) {
  tcp::endpoint ep;
  if (auto ec = endpoint_of(t, ep)) co_return ec;
  if (auto [e] = co_await ws_.next_layer().async_connect(ep, use_nothrow); e) co_return e;
  ws_.set_option(client_timeouts(false));
  const auto upgraded = co_await upgrade(t, room);
  ws_.set_option(client_timeouts(true));  // the closing handshake is bounded again
  co_return upgraded;
}

asio::awaitable<beast::error_code> ws_client::upgrade(const target& t, const std::string& room) {
  beast::error_code ec;
  ws_.next_layer().set_option(tcp::no_delay(true), ec);  // small frames must not wait for delayed ACKs
  const std::string host = t.host + ":" + std::to_string(t.port);
  const std::string path = t.path_prefix + room;
  auto [hs] = co_await ws_.async_handshake(host, path, use_nothrow);
  co_return hs;
}

namespace {

// Where a message's first bytes are read: at least Beast's read buffer (1,536 bytes), which the
// first read of a frame fills, so that one read takes all of it.
constexpr std::size_t head_buffer_size = 2048;
constexpr std::size_t discard_size = 256 * 1024;

// Where the payload bytes nobody looks at go (a step 2 the caller does not keep, awareness,
// anything after sync): one buffer per thread, shared by all of the thread's clients and never
// read back, so overlapping reads into it do not matter. The bytes are still copied out of the
// kernel, as any client's read does; what this saves is a message-sized buffer per client
// (1,000 clients x a 70 KB step 2 were 70 MB of fresh pages, the largest cost of phase (b)).
std::span<std::uint8_t> discard_buffer() {
  thread_local const std::unique_ptr<std::uint8_t[]> buffer(new std::uint8_t[discard_size]);
  return {buffer.get(), discard_size};
}

// The header of one y-websocket message (the grammar is in yws/protocol/message.hpp): how long
// it is, how many payload bytes follow it, and whether it is a sync step 1 or 2.
struct message_head {
  std::size_t size = 0;
  std::uint64_t payload = 0;
  protocol::message_type type = protocol::message_type::sync;
  std::uint64_t sync_type = 0;  // for type sync
};

// The header at the start of `bytes`; errc::unexpected_end_of_buffer while `bytes` ends inside
// it, errc::unknown_message_type for a type protocol::message_reader rejects too.
result<message_head> read_head(std::span<const std::uint8_t> bytes) {
  encoding::decoder dec(bytes);
  message_head head;
  YWS_TRY(type, dec.read_var_uint());
  switch (type) {
    case static_cast<std::uint64_t>(protocol::message_type::sync): {
      YWS_TRY(sync_type, dec.read_var_uint());
      if (sync_type > static_cast<std::uint64_t>(protocol::sync_type::update)) return errc::unknown_message_type;
      YWS_TRY(length, dec.read_var_uint());
      head.sync_type = sync_type;
      head.payload = length;
      break;
    }
    case static_cast<std::uint64_t>(protocol::message_type::awareness): {
      YWS_TRY(length, dec.read_var_uint());
      head.payload = length;
      break;
    }
    case static_cast<std::uint64_t>(protocol::message_type::auth): {
      YWS_TRY(auth_type, dec.read_var_uint());
      if (auth_type == static_cast<std::uint64_t>(protocol::auth_type::permission_denied)) {
        YWS_TRY(length, dec.read_var_uint());  // the reason
        head.payload = length;
      } else if (auth_type != static_cast<std::uint64_t>(protocol::auth_type::permission_granted)) {
        return errc::unknown_message_type;
      }
      break;
    }
    case static_cast<std::uint64_t>(protocol::message_type::query_awareness): break;
    default: return errc::unknown_message_type;
  }
  head.type = static_cast<protocol::message_type>(type);
  head.size = dec.position();
  return head;
}

bool is_sync(const message_head& h, protocol::sync_type t) {
  return h.type == protocol::message_type::sync && h.sync_type == static_cast<std::uint64_t>(t);
}

}  // namespace

// The server's messages are read as a stream, never held whole: headers go into a small array,
// payloads into the thread's discard buffer (or `step2_update`), so a client costs the same
// whatever the document's size. A message counts once its last payload byte is read, and a
// WebSocket message must end exactly where its last y-websocket message does.
asio::awaitable<beast::error_code> ws_client::sync(std::vector<std::uint8_t>* step2_update) {
  const beast::error_code malformed(websocket::error::bad_data_frame);
  if (auto [ec, n] = co_await ws_.async_write(asio::buffer(empty_doc_sync_step1()), use_nothrow); ec) co_return ec;
  std::array<std::uint8_t, head_buffer_size> head_bytes;
  for (;;) {  // one WebSocket message
    bool got_step1 = false;
    bool got_step2 = false;
    bool done = false;      // the WebSocket message has been read to its end
    std::size_t held = 0;   // bytes in head_bytes not consumed yet
    for (;;) {
      if (held > 0) {
        auto head = read_head(std::span<const std::uint8_t>(head_bytes.data(), held));
        if (head) {
          const bool keep = step2_update && is_sync(*head, protocol::sync_type::step2);
          if (head->payload > ws_.read_message_max()) co_return malformed;
          // The payload bytes already held, then the rest read straight to where they go.
          const std::size_t in_head = static_cast<std::size_t>(std::min<std::uint64_t>(head->payload, held - head->size));
          if (keep) {
            step2_update->resize(static_cast<std::size_t>(head->payload));
            std::copy_n(head_bytes.begin() + static_cast<std::ptrdiff_t>(head->size), in_head, step2_update->begin());
          }
          const std::size_t used = head->size + in_head;
          std::copy(head_bytes.begin() + static_cast<std::ptrdiff_t>(used),
                    head_bytes.begin() + static_cast<std::ptrdiff_t>(held), head_bytes.begin());
          held -= used;
          std::size_t have = in_head;
          while (have < head->payload) {
            if (done) co_return malformed;  // the WebSocket message ended inside the payload
            const std::size_t want = static_cast<std::size_t>(head->payload - have);
            const auto to = keep ? asio::buffer(step2_update->data() + have, want)
                                 : asio::buffer(discard_buffer().data(), std::min(want, discard_size));
            auto [ec, n] = co_await ws_.async_read_some(to, use_nothrow);
            if (ec) co_return ec;
            have += n;
            done = ws_.is_message_done();
          }
          got_step1 = got_step1 || is_sync(*head, protocol::sync_type::step1);
          got_step2 = got_step2 || is_sync(*head, protocol::sync_type::step2);
          continue;
        }
        if (head.error() != errc::unexpected_end_of_buffer || done) co_return malformed;
      }
      if (done) break;
      // (A header is at most 30 bytes: a full buffer that does not hold one is not a header.)
      if (held == head_bytes.size()) co_return malformed;
      auto [ec, n] = co_await ws_.async_read_some(asio::buffer(head_bytes.data() + held, head_bytes.size() - held), use_nothrow);
      if (ec) co_return ec;
      held += n;
      done = ws_.is_message_done();
    }
    if (got_step1) {
      if (auto [e, m] = co_await ws_.async_write(asio::buffer(empty_doc_sync_step2()), use_nothrow); e) co_return e;
    }
    if (got_step2) co_return beast::error_code{};
  }
}

asio::awaitable<beast::error_code> ws_client::drain() {
  for (;;) {
    const auto to = discard_buffer();
    auto [ec, n] = co_await ws_.async_read_some(asio::buffer(to.data(), to.size()), use_nothrow);
    if (ec) co_return ec;
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
