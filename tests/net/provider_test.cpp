// net::provider against the in-process server: handshake, convergence, no echo, awareness,
// reconnection with offline edits, the bounded outbound queue, and upstream rooms.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "net/test_server.hpp"
#include "yws/crdt/doc.hpp"
#include "yws/encoding/json.hpp"
#include "yws/net/provider.hpp"
#include "yws/net/provider_blocking.hpp"
#include "yws/net/upstream.hpp"

namespace yws::net::test {
namespace {

using namespace std::chrono_literals;
constexpr auto wait = 10s;

std::string url_of(std::uint16_t port, std::string_view room) {
  return "ws://127.0.0.1:" + std::to_string(port) + "/" + std::string(room);
}

provider_options fast_options(std::uint64_t seed = 1) {
  provider_options o;
  o.min_backoff = 10ms;
  o.max_backoff = 100ms;
  o.jitter_seed = seed;
  o.logger = test_logger();
  return o;
}

crdt::doc::options client(std::uint64_t id) {
  crdt::doc::options o;
  o.client_id = id;
  return o;
}

// A started provider that synced with the room (nullptr, and a test failure, otherwise).
std::unique_ptr<blocking_provider> joined(std::uint16_t port, std::string_view room, std::uint64_t id) {
  auto p = std::make_unique<blocking_provider>(url_of(port, room), fast_options(id), client(id));
  if (!p->start() || !p->wait_synced(wait)) {
    ADD_FAILURE() << "provider " << id << " did not sync with " << room;
    return nullptr;
  }
  return p;
}

struct joined_pair {
  std::unique_ptr<blocking_provider> a, b;
  explicit operator bool() const { return a && b; }
};
joined_pair join_two(std::uint16_t port, std::string_view room, std::uint64_t id_a, std::uint64_t id_b) {
  return {joined(port, room, id_a), joined(port, room, id_b)};
}

// The text "t" and the map "m" with sorted keys (a map's key order depends on arrival order).
std::string state_of(crdt::doc& d) {
  auto m = d.get_map("m");
  auto keys = m.keys();
  std::sort(keys.begin(), keys.end());
  std::string out = d.get_text("t").to_string();
  for (const auto& k : keys) {
    auto v = m.get(k);
    const auto* any = v ? std::get_if<encoding::any>(&*v) : nullptr;
    out += "|" + k + "=" + (any ? encoding::to_json(*any) : std::string("?"));
  }
  return out;
}

std::string server_text(test_server& s, std::string_view room, std::string_view root = "t") {
  std::string out;
  EXPECT_TRUE(s.with_room(room, [&](room_access& r) { out = r.doc().get_text(root).to_string(); }));
  return out;
}

std::string text_of(blocking_provider& p, std::string_view root = "t") {
  return p.call([&](provider&, crdt::doc& d) { return d.get_text(root).to_string(); });
}

TEST(ProviderUrl, ParsesWsUrls) {
  auto ep = parse_ws_url("ws://127.0.0.1:1234/notes/a%20b?x=1");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->host, "127.0.0.1");
  EXPECT_EQ(ep->port, "1234");
  EXPECT_EQ(ep->target, "/notes/a%20b?x=1");
  EXPECT_EQ(ep->host_header, "127.0.0.1:1234");
  auto v6 = parse_ws_url("ws://[::1]/r");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, "80");
  EXPECT_FALSE(parse_ws_url("http://h/r"));
  EXPECT_FALSE(parse_ws_url("wss://h/r"));
  EXPECT_FALSE(parse_ws_url("not a url"));
  EXPECT_EQ(room_url("ws://h:1/", "a b/c?"), "ws://h:1/a%20b%2Fc%3F");
}

TEST(Provider, BadUrlFailsToStart) {
  blocking_provider p("http://127.0.0.1:1/r");
  auto ok = p.start();
  ASSERT_FALSE(ok);
  EXPECT_EQ(ok.error(), errc::invalid_argument);
}

TEST(Provider, SyncsBothWaysWithTheServer) {
  test_server s;
  ASSERT_TRUE(s.with_room("r", [](room_access& r) { r.doc().get_text("t").insert(0, "server"); }));
  auto pp = joined(s.port(), "r", 11);
  ASSERT_TRUE(pp);
  auto& p = *pp;
  EXPECT_EQ(text_of(p), "server");
  p.transact([](crdt::doc& d) { d.get_text("t").insert(0, "client "); });
  ASSERT_TRUE(p.flush(wait));
  EXPECT_EQ(server_text(s, "r"), "client server");
  // A server-side edit arrives as an update.
  ASSERT_TRUE(s.with_room("r", [](room_access& r) { r.doc().get_text("t").insert(0, ">"); }));
  EXPECT_TRUE(p.wait_for([](crdt::doc& d) { return d.get_text("t").to_string() == ">client server"; }, wait));
  EXPECT_TRUE(p.close(5s));
  EXPECT_EQ(p.status(), provider_status::closed);
}

TEST(Provider, TwoProvidersConvergeOnRandomEdits) {
  test_server s;
  auto pair = join_two(s.port(), "conv", 101, 202);
  ASSERT_TRUE(pair);
  auto& a = *pair.a;
  auto& b = *pair.b;
  std::mt19937 rng(42);
  for (int round = 0; round < 40; ++round) {
    auto& p = (rng() % 2) ? a : b;
    const auto pick = rng();
    const auto n = rng();
    p.transact([&](crdt::doc& d) {
      auto t = d.get_text("t");
      if (pick % 3 == 0 && t.length() > 0) {
        const auto at = n % t.length();
        t.erase(at, std::min<std::uint32_t>(2, t.length() - at));
      } else if (pick % 3 == 1) {
        d.get_map("m").set("k" + std::to_string(n % 5), encoding::any(static_cast<double>(n % 100)));
      } else {
        t.insert(t.length() ? n % (t.length() + 1) : 0, std::string(1 + n % 3, static_cast<char>('a' + n % 26)));
      }
    });
  }
  ASSERT_TRUE(a.flush(wait));
  ASSERT_TRUE(b.flush(wait));
  const auto target = a.call([](provider&, crdt::doc& d) { return state_of(d); });
  EXPECT_TRUE(b.wait_for([&](crdt::doc& d) { return state_of(d) == target; }, wait))
      << target << "\n" << b.call([](provider&, crdt::doc& d) { return state_of(d); });
}

TEST(Provider, DoesNotEchoRemoteUpdates) {
  test_server s;
  auto pair = join_two(s.port(), "echo", 1, 2);
  ASSERT_TRUE(pair);
  auto& a = *pair.a;
  auto& b = *pair.b;
  ASSERT_TRUE(a.flush(wait));
  ASSERT_TRUE(b.flush(wait));
  const auto before = s.srv.metrics().updates_applied;  // the two step 2 answers (at least)
  constexpr int edits = 5;
  for (int i = 0; i < edits; ++i) a.transact([&](crdt::doc& d) { d.get_text("t").insert(0, "x"); });
  ASSERT_TRUE(b.wait_for([](crdt::doc& d) { return d.get_text("t").length() == edits; }, wait));
  // Anything b would have echoed was sent before its flush's step 1, so the server handled it.
  ASSERT_TRUE(b.flush(wait));
  ASSERT_TRUE(a.flush(wait));
  EXPECT_EQ(s.srv.metrics().updates_applied - before, static_cast<std::uint64_t>(edits));
}

TEST(Provider, AwarenessAppearsAndDisappears) {
  test_server s;
  auto pair = join_two(s.port(), "aw", 31, 32);
  ASSERT_TRUE(pair);
  auto& a = *pair.a;
  auto& b = *pair.b;
  a.set_awareness(encoding::any(encoding::any_object{{"user", encoding::any("alice")}}));
  auto has_alice = [](const protocol::awareness& aw) {
    const auto* st = aw.state(31);
    return st && encoding::to_json(*st) == R"({"user":"alice"})";
  };
  ASSERT_TRUE(b.wait_for_awareness(has_alice, wait));
  ASSERT_TRUE(a.close(5s));
  EXPECT_TRUE(b.wait_for_awareness([](const protocol::awareness& aw) { return aw.state(31) == nullptr; }, wait));
}

TEST(Provider, ReconnectsAndSendsOfflineEdits) {
  auto opts = test_options();
  auto first = std::make_unique<test_server>(opts);
  const auto port = first->port();
  ASSERT_NE(port, 0);
  blocking_provider p(url_of(port, "re"), fast_options(), client(7));
  ASSERT_TRUE(p.start());
  ASSERT_TRUE(p.wait_synced(wait));
  p.transact([](crdt::doc& d) { d.get_text("t").insert(0, "online."); });
  ASSERT_TRUE(p.flush(wait));
  first.reset();  // the server goes away with the room (memory only)
  ASSERT_TRUE(p.wait_for([&](crdt::doc&) { return !p.synced(); }, wait));
  p.transact([](crdt::doc& d) { d.get_text("t").insert(7, "offline."); });
  opts.port = port;
  test_server second(opts);
  ASSERT_EQ(second.port(), port);
  ASSERT_TRUE(p.wait_synced(wait));
  ASSERT_TRUE(p.flush(wait));
  EXPECT_EQ(server_text(second, "re"), "online.offline.");
}

TEST(Provider, OverflowingQueueReconnectsAndLosesNothing) {
  test_server s;
  auto opts = fast_options();
  opts.max_queued_bytes = 256;
  blocking_provider p(url_of(s.port(), "q"), opts, client(9));
  ASSERT_TRUE(p.start());
  ASSERT_TRUE(p.wait_synced(wait));
  const auto sessions_before = s.srv.metrics().connections_total;
  // One strand task: the writer cannot drain between these transactions, so the queue overflows.
  p.call([](provider&, crdt::doc& d) {
    for (int i = 0; i < 200; ++i) d.get_text("t").insert(0, "0123456789");
  });
  ASSERT_TRUE(p.flush(wait));
  EXPECT_GT(s.srv.metrics().connections_total, sessions_before);
  EXPECT_EQ(server_text(s, "q").size(), 2000u);
}

// A WebSocket server that misbehaves in a different way on each connection, as a broken or
// hostile endpoint would, then closes it: a sync update that does not decode, a text frame, a
// message over the provider's limit, permission denied, an immediate close with 1011.
class rogue_server {
 public:
  enum class kind { garbage_update, text_frame, oversized, permission_denied, close_1011, count };

  rogue_server() : acceptor_(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    boost::asio::co_spawn(ioc_, accept_loop(), boost::asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~rogue_server() {
    ioc_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::size_t connections() const { return connections_.load(); }

 private:
  using stream = boost::beast::websocket::stream<boost::beast::tcp_stream>;

  boost::asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(boost::asio::as_tuple(boost::asio::use_awaitable));
      if (ec) co_return;
      const auto k = static_cast<kind>(connections_.fetch_add(1) % static_cast<std::size_t>(kind::count));
      co_await misbehave(stream(std::move(socket)), k);  // one at a time: the provider has one connection
    }
  }

  boost::asio::awaitable<void> misbehave(stream ws, kind k) {
    namespace websocket = boost::beast::websocket;
    constexpr auto nothrow = boost::asio::as_tuple(boost::asio::use_awaitable);
    boost::beast::get_lowest_layer(ws).expires_after(2s);  // every step below is bounded
    if (auto [ec] = co_await ws.async_accept(nothrow); ec) co_return;
    ws.binary(true);
    std::vector<std::uint8_t> frame;
    switch (k) {
      case kind::garbage_update: frame = {0x00, 0x02, 0x05, 0x01, 0x02}; break;  // update: 5 bytes announced, 2 sent
      case kind::text_frame: ws.text(true); frame = {'h', 'i'}; break;
      case kind::oversized: frame.assign(4096, 0x01); break;
      case kind::permission_denied: frame = {0x02, 0x00, 0x02, 'n', 'o'}; break;
      case kind::close_1011: break;
      case kind::count: break;
    }
    if (!frame.empty()) (void)co_await ws.async_write(boost::asio::buffer(frame), nothrow);
    if (k == kind::close_1011 || k == kind::permission_denied) {
      (void)co_await ws.async_close(websocket::close_code::internal_error, nothrow);
      co_return;
    }
    // Reads what the client sends until it goes, at most half a second, then closes.
    boost::beast::get_lowest_layer(ws).expires_after(500ms);
    boost::beast::flat_buffer buffer;
    for (;;) {
      auto [ec, n] = co_await ws.async_read(buffer, nothrow);
      if (ec) break;
      buffer.consume(n);
    }
  }

  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::atomic<std::size_t> connections_{0};
  std::thread thread_;
};

// The provider meets every kind of misbehaviour twice: it neither crashes nor applies anything,
// never reports synced, keeps reconnecting with its backoff, and still closes cleanly.
TEST(Provider, SurvivesAMisbehavingServerAndKeepsReconnecting) {
  rogue_server rogue;
  auto opts = fast_options();
  opts.max_message_bytes = 1024;
  opts.close_timeout = 500ms;
  blocking_provider p(url_of(rogue.port(), "rogue"), opts, client(11));
  ASSERT_TRUE(p.start());
  const std::size_t rounds = 2 * static_cast<std::size_t>(rogue_server::kind::count);
  EXPECT_TRUE(p.wait_for([&](crdt::doc&) { return rogue.connections() > rounds; }, 30s))
      << rogue.connections() << " connections";
  EXPECT_FALSE(p.synced());
  p.transact([](crdt::doc& d) { EXPECT_EQ(crdt::encode_state_vector_v1(d), std::vector<std::uint8_t>{0}); });
  (void)p.close(2s);
  EXPECT_EQ(p.status(), provider_status::closed);
}

TEST(Provider, AsyncProviderOnTheCallersIoContext) {
  test_server s;
  boost::asio::io_context ioc;
  auto strand = boost::asio::make_strand(ioc);
  crdt::doc d(client(5));
  provider p(strand, d, url_of(s.port(), "async"), fast_options());
  bool saw_sync = false;
  p.set_on_synced([&](bool synced) {
    if (!synced || saw_sync) return;
    saw_sync = true;
    d.get_text("t").insert(0, "async");
    p.flush([&](bool ok) {
      EXPECT_TRUE(ok);
      p.close();
    });
  });
  ASSERT_TRUE(p.start());
  ioc.run_for(wait);
  EXPECT_TRUE(saw_sync);
  EXPECT_EQ(p.status(), provider_status::closed);
  EXPECT_EQ(server_text(s, "async"), "async");
}

TEST(Upstream, RoomsOfTwoServersReplicateThroughAThird) {
  test_server hub;
  server_hooks hooks_a;
  hooks_a.upstream_provider_factory = make_upstream_factory(url_of(hub.port(), ""), fast_options(1));
  server_hooks hooks_b;
  hooks_b.upstream_provider_factory = make_upstream_factory(url_of(hub.port(), ""), fast_options(2));
  test_server a(test_options(), std::move(hooks_a));
  test_server b(test_options(), std::move(hooks_b));
  auto pa = joined(a.port(), "shared", 301);
  auto pb = joined(b.port(), "shared", 302);
  ASSERT_TRUE(pa && pb);
  auto& on_a = *pa;
  auto& on_b = *pb;
  on_a.transact([](crdt::doc& d) { d.get_text("t").insert(0, "from a;"); });
  on_b.transact([](crdt::doc& d) { d.get_text("t").insert(0, "from b;"); });
  auto both = [](crdt::doc& d) {
    const auto t = d.get_text("t").to_string();
    return t.find("from a;") != std::string::npos && t.find("from b;") != std::string::npos;
  };
  EXPECT_TRUE(on_a.wait_for(both, wait));
  EXPECT_TRUE(on_b.wait_for(both, wait));
  EXPECT_EQ(text_of(on_a), text_of(on_b));
  EXPECT_EQ(server_text(hub, "shared"), text_of(on_a));
}

}  // namespace
}  // namespace yws::net::test
