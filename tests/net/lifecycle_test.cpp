// Room lifecycle and the embedder hooks: grace periods, rooms_ready, rename/delete, on_connect,
// on_disconnect, on_message, on_message_error, exception isolation, the room factory, the
// upstream provider, and graceful stop.
#include "yws/net/server.hpp"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "net/sync_client.hpp"
#include "net/test_server.hpp"
#include "yws/protocol/sync.hpp"

namespace yws::net::test {
namespace {

using protocol::message_type;
using protocol::sync_type;
namespace http = boost::beast::http;

TEST(RoomLifecycle, GraceZeroUnloadsTheRoomWhenTheLastClientLeaves) {
  auto opts = test_options();
  opts.room_grace = 0ms;
  test_server ts(opts);
  sync_client a(1);
  ASSERT_TRUE(a.join(ts.port(), "gone"));
  EXPECT_EQ(ts.srv.room_names(), std::vector<std::string>{"gone"});
  ASSERT_TRUE(a.ws.close());
  EXPECT_TRUE(eventually([&] { return ts.srv.room_names().empty() && ts.srv.metrics().rooms == 0; }));
}

TEST(RoomLifecycle, NeverUnloadKeepsTheStateForLaterClients) {
  auto opts = test_options();
  opts.room_grace = std::nullopt;
  test_server ts(opts);
  {
    sync_client a(1);
    ASSERT_TRUE(a.join(ts.port(), "kept"));
    a.doc.get_text("t").insert(0, "remember me");
    ASSERT_TRUE(a.wait_updates(1));
    ASSERT_TRUE(a.ws.close());
  }
  EXPECT_TRUE(eventually([&] { return ts.srv.metrics().connections == 0; }));
  sync_client b(2);
  ASSERT_TRUE(b.join(ts.port(), "kept"));
  EXPECT_EQ(b.doc.get_text("t").to_string(), "remember me");
}

TEST(RoomLifecycle, GracePeriodKeepsTheRoomForAReconnectThenUnloadsIt) {
  auto opts = test_options();
  opts.room_grace = 300ms;
  test_server ts(opts);
  {
    sync_client a(1);
    ASSERT_TRUE(a.join(ts.port(), "grace"));
    a.doc.get_text("t").insert(0, "x");
    ASSERT_TRUE(a.wait_updates(1));
  }  // dropped
  sync_client b(2);
  ASSERT_EQ(b.connect(ts.port(), "grace"), 101);  // within the grace period
  ASSERT_TRUE(b.wait_synced());
  EXPECT_EQ(b.doc.get_text("t").to_string(), "x");
  ASSERT_TRUE(b.ws.close());
  const auto left = std::chrono::steady_clock::now();
  EXPECT_TRUE(eventually([&] { return ts.srv.room_names().empty(); }, 3s));
  EXPECT_GE(std::chrono::steady_clock::now() - left, 250ms);
}

TEST(RoomLifecycle, RoomThatIsNotReadyHoldsSyncMessagesUntilSetReady) {
  auto opts = test_options();
  opts.rooms_ready = false;
  std::atomic<int> captured{0};
  server_hooks hooks;
  hooks.on_room_update = [&](room_access&, std::span<const std::uint8_t>) { ++captured; };
  test_server ts(opts, hooks);

  // Loading: an edit made before the room is ready is part of its initial state, not an update.
  ASSERT_TRUE(ts.with_room("slow", [](room_access& r) { r.doc().get_text("t").insert(0, "loaded "); }));
  sync_client a(1);
  ASSERT_EQ(a.connect(ts.port(), "slow"), 101);
  a.doc.get_text("t").insert(0, "client");  // sent as an update, held by the room
  a.set_awareness(encoding::any_object{{"user", "a"}});
  // Awareness is served while the room is not ready; the sync step 1 waits.
  ASSERT_TRUE(a.pump_until([&] { return a.count(message_type::awareness) >= 2; }));
  ASSERT_TRUE(a.round_trip());
  EXPECT_FALSE(a.synced());
  std::string on_server;
  ASSERT_TRUE(ts.with_room("slow", [&](room_access& r) { on_server = r.doc().get_text("t").to_string(); }));
  EXPECT_EQ(on_server, "loaded ");
  EXPECT_EQ(captured.load(), 0);

  ASSERT_TRUE(ts.with_room("slow", [](room_access& r) { r.set_ready(); }));
  ASSERT_TRUE(a.wait_synced());
  ASSERT_TRUE(a.wait_updates(1));  // echo
  EXPECT_EQ(a.doc.get_text("t").to_string().size(), std::string("loaded client").size());
  EXPECT_EQ(captured.load(), 1);
}

TEST(RoomLifecycle, RenameKeepsClientsAndDeleteClosesThemWith1001) {
  test_server ts;
  sync_client a(1);
  ASSERT_TRUE(a.join(ts.port(), "old"));
  ASSERT_TRUE(ts.srv.rename_room("old", "new"));
  EXPECT_EQ(ts.srv.room_names(), std::vector<std::string>{"new"});
  EXPECT_EQ(ts.srv.rename_room("missing", "x").error(), make_error_code(errc::not_found));
  a.doc.get_text("t").insert(0, "renamed");
  ASSERT_TRUE(a.wait_updates(1));
  std::string name, text;
  ASSERT_TRUE(ts.with_room("new", [&](room_access& r) {
    name = r.name();
    text = r.doc().get_text("t").to_string();
  }));
  EXPECT_EQ(name, "new");
  EXPECT_EQ(text, "renamed");

  ASSERT_TRUE(ts.srv.delete_room("new"));
  auto code = a.ws.wait_close();
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1001);
  EXPECT_FALSE(ts.srv.find_room("new").has_value());
  sync_client b(2);
  ASSERT_TRUE(b.join(ts.port(), "new"));
  EXPECT_EQ(b.doc.get_text("t").to_string(), "");  // a fresh room
}

TEST(RoomLifecycle, HandleOfAnUnloadedRoomDropsWork) {
  test_server ts;
  ASSERT_TRUE(ts.with_room("h", [](room_access&) {}));
  auto handle = ts.srv.find_room("h");
  ASSERT_TRUE(handle.has_value());
  ASSERT_TRUE(ts.srv.delete_room("h"));
  EXPECT_TRUE(eventually([&] { return !handle->post([](room_access&) {}); }));
}

TEST(RoomLifecycle, PostToRoomChecksNames) {
  test_server ts;
  EXPECT_EQ(ts.srv.post_to_room("", [](room_access&) {}).error(), make_error_code(errc::invalid_argument));
  EXPECT_EQ(ts.srv.post_to_room(std::string("a\nb"), [](room_access&) {}).error(),
            make_error_code(errc::invalid_argument));
}

TEST(Hooks, OnConnectRejectsWithAnHttpStatus) {
  server_hooks hooks;
  hooks.on_connect = [](const connect_request& req) {
    if (req.room == "secret") return connect_decision::reject(http::status::forbidden, "no\n");
    if (req.http[http::field::host].empty()) return connect_decision::reject(http::status::bad_request);
    return connect_decision::accept();
  };
  test_server ts(test_options(), hooks);
  ws_client denied;
  EXPECT_EQ(denied.connect(ts.port(), "/secret"), 403);
  ws_client allowed;
  EXPECT_EQ(allowed.connect(ts.port(), "/public"), 101);
  EXPECT_TRUE(allowed.read().has_value());  // the greeting: the session has joined its room
  EXPECT_GE(ts.srv.metrics().http_rejected, 1u);
  EXPECT_EQ(ts.srv.room_names(), std::vector<std::string>{"public"});
}

TEST(Hooks, OnDisconnectReportsReasonAndCode) {
  std::mutex mu;
  std::vector<std::pair<close_reason, std::uint16_t>> seen;
  server_hooks hooks;
  hooks.on_disconnect = [&](const disconnect_info& d) {
    std::lock_guard lock(mu);
    seen.emplace_back(d.reason, d.close_code);
  };
  test_server ts(test_options(), hooks);
  ws_client a;
  ASSERT_EQ(a.connect(ts.port(), "/d"), 101);
  ASSERT_TRUE(a.close(1000));
  ws_client b;
  ASSERT_EQ(b.connect(ts.port(), "/d"), 101);
  ASSERT_TRUE(b.send(bytes{0x09}));
  ASSERT_EQ(b.wait_close(), std::optional<std::uint16_t>(1003));
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    return seen.size() == 2;
  }));
  std::lock_guard lock(mu);
  EXPECT_EQ(seen[0], std::make_pair(close_reason::client_closed, std::uint16_t{1000}));
  EXPECT_EQ(seen[1], std::make_pair(close_reason::unsupported_data, std::uint16_t{1003}));
}

TEST(Hooks, OnMessageFiltersAndOnMessageErrorCanKeepTheSession) {
  server_hooks hooks;
  // Drop awareness from everyone (a read-only presence policy, say).
  hooks.on_message = [](room_access&, const peer_info&, std::span<const std::uint8_t> frame) {
    return !frame.empty() && frame[0] == 1;
  };
  hooks.on_message_error = [](room_access&, const peer_info&, std::error_code, std::span<const std::uint8_t>) {
    return true;
  };
  test_server ts(test_options(), hooks);
  sync_client a(1), b(2);
  ASSERT_TRUE(a.join(ts.port(), "f"));
  ASSERT_TRUE(b.join(ts.port(), "f"));
  a.set_awareness(encoding::any_object{{"user", "a"}});
  ASSERT_TRUE(a.ws.send(protocol::encode_sync_update(bytes{0x05, 0xff})));  // invalid, ignored
  a.doc.get_text("t").insert(0, "ok");
  ASSERT_TRUE(b.pump_until([&] { return b.doc.get_text("t").to_string() == "ok"; }));
  EXPECT_EQ(b.awareness.state(1), nullptr);  // filtered
  EXPECT_TRUE(a.ws.is_open());
}

TEST(Hooks, ExceptionsStayInTheirRoom) {
  std::atomic<int> handled{0};
  server_hooks hooks;
  hooks.on_message = [](room_access& r, const peer_info&, std::span<const std::uint8_t> frame) -> bool {
    if (r.name() == "bad" && !frame.empty() && frame[0] == 3) throw std::runtime_error("hook bug");
    return false;
  };
  hooks.exception_handler = [&](std::exception_ptr, std::string_view room) {
    ++handled;
    return room != "bad";  // give up on "bad": close it
  };
  test_server ts(test_options(), hooks);
  sync_client good(1), bad(2);
  ASSERT_TRUE(good.join(ts.port(), "good"));
  ASSERT_TRUE(bad.join(ts.port(), "bad"));
  ASSERT_TRUE(bad.ws.send(protocol::encode_query_awareness()));
  auto code = bad.ws.wait_close();
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1011);
  EXPECT_EQ(handled.load(), 1);
  good.doc.get_text("t").insert(0, "fine");
  ASSERT_TRUE(good.wait_updates(1));
  EXPECT_FALSE(ts.srv.find_room("bad").has_value());
}

TEST(Hooks, DefaultExceptionHandlingLogsAndTheRoomGoesOn) {
  server_hooks hooks;
  hooks.on_message = [](room_access&, const peer_info&, std::span<const std::uint8_t> frame) -> bool {
    if (!frame.empty() && frame[0] == 3) throw std::runtime_error("hook bug");
    return false;
  };
  test_server ts(test_options(), hooks);
  sync_client a(1);
  ASSERT_TRUE(a.join(ts.port(), "r"));
  ASSERT_TRUE(a.ws.send(protocol::encode_query_awareness()));
  a.doc.get_text("t").insert(0, "still here");
  ASSERT_TRUE(a.wait_updates(1));
}

TEST(Hooks, RoomFactoryProvidesTheDocAndItsFailureCloses1011) {
  std::atomic<int> calls{0};
  server_hooks hooks;
  hooks.room_factory = [&](std::string_view room) -> result<std::unique_ptr<crdt::doc>> {
    ++calls;
    if (room == "broken") return errc::io_error;
    auto d = std::make_unique<crdt::doc>(with_client_id(424242));
    d->get_text("t").insert(0, "preloaded");
    return d;
  };
  test_server ts(test_options(), hooks);
  sync_client a(1);
  ASSERT_TRUE(a.join(ts.port(), "ok"));
  EXPECT_EQ(a.doc.get_text("t").to_string(), "preloaded");
  ws_client b;
  ASSERT_EQ(b.connect(ts.port(), "/broken"), 101);
  EXPECT_EQ(b.wait_close(), std::optional<std::uint16_t>(1011));
  ws_client c;  // a later connection tries again
  ASSERT_EQ(c.connect(ts.port(), "/broken"), 101);
  EXPECT_EQ(c.wait_close(), std::optional<std::uint16_t>(1011));
  EXPECT_EQ(calls.load(), 3);
}

class recording_provider : public upstream_provider {
 public:
  explicit recording_provider(std::atomic<int>& events) : events_(events) {}
  void start() override { events_ += 1; }
  void stop() override { events_ += 100; }

 private:
  std::atomic<int>& events_;
};

TEST(Hooks, UpstreamProviderLivesAsLongAsTheRoom) {
  std::atomic<int> events{0};
  std::atomic<int> unloads{0};
  server_hooks hooks;
  hooks.upstream_provider_factory = [&](room_access&) { return std::make_unique<recording_provider>(events); };
  hooks.on_room_unload = [&](room_access&) { ++unloads; };
  test_server ts(test_options(), hooks);
  ASSERT_TRUE(ts.with_room("up", [](room_access&) {}));
  EXPECT_EQ(events.load(), 1);
  ASSERT_TRUE(ts.srv.delete_room("up"));
  EXPECT_TRUE(eventually([&] { return events.load() == 101 && unloads.load() == 1; }));
}

TEST(Server, GracefulStopDrainsQueuesAndSends1001) {
  auto ts = std::make_unique<test_server>();
  sync_client a(1);
  ASSERT_TRUE(a.join(ts->port(), "s"));
  ASSERT_TRUE(ts->with_room("s", [](room_access& r) { r.doc().get_text("t").insert(0, "last words"); }));
  std::thread stopper([&] { ts->srv.stop(); });
  // Everything queued before the stop arrives, then the close frame.
  EXPECT_TRUE(a.pump_until([&] { return a.doc.get_text("t").to_string() == "last words"; }));
  auto code = a.ws.wait_close();
  stopper.join();
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1001);
  EXPECT_FALSE(ts->srv.running());
  EXPECT_EQ(ts->srv.post_to_room("s", [](room_access&) {}).error(), make_error_code(errc::rejected));
  EXPECT_EQ(ts->srv.metrics().closed(close_reason::server_shutdown), 1u);
}

TEST(Server, StartFailsWhenThePortIsTaken) {
  test_server first;
  auto opts = test_options();
  opts.port = first.port();
  server second(opts);
  auto ok = second.start();
  EXPECT_FALSE(ok);
  EXPECT_FALSE(second.running());
}

TEST(Server, InvalidOptionsAreRejected) {
  auto opts = test_options();
  opts.ping_interval = opts.idle_timeout;
  server s(opts);
  EXPECT_EQ(s.start().error(), make_error_code(errc::invalid_argument));
}

// The closing handshake is bounded by close_timeout (kept by the session registry's tick): a
// client that never answers our close frame loses its socket then, not at the idle timeout.
TEST(Server, AClientThatNeverAnswersTheCloseIsCutAfterTheCloseTimeout) {
  auto opts = test_options();
  opts.close_timeout = 300ms;
  opts.ping_interval = 10s;
  opts.idle_timeout = 30s;
  test_server ts(opts);
  ws_client silent;  // upgrades, then never reads: it never sees, let alone answers, a close frame
  ASSERT_EQ(silent.connect(ts.port(), "/cut"), 101);
  ASSERT_TRUE(silent.read().has_value());  // sync step 1: the session has joined the room
  ASSERT_TRUE(ts.srv.delete_room("cut"));
  EXPECT_TRUE(eventually([&] { return ts.srv.metrics().connections == 0; }, 3s));
  EXPECT_EQ(ts.srv.metrics().closed(close_reason::room_closed), 1u);
}

TEST(Server, StopIsBoundedByTheCloseTimeoutWhenAClientNeverAnswers) {
  auto opts = test_options();
  opts.close_timeout = 300ms;
  opts.shutdown_timeout = 5s;
  server srv(opts);
  ASSERT_TRUE(srv.start());
  ws_client silent;
  ASSERT_EQ(silent.connect(srv.local_port(), "/stop"), 101);
  ASSERT_TRUE(eventually([&] { return srv.metrics().connections == 1; }));
  const auto start = std::chrono::steady_clock::now();
  srv.stop();
  // The graceful wait (shutdown_timeout, 5 s) is not what ended it: the close deadline was.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_EQ(srv.metrics().closed(close_reason::server_shutdown), 1u);
}

}  // namespace
}  // namespace yws::net::test
