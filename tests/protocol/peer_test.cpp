#include "yws/protocol/peer.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <vector>

#include "protocol/test_util.hpp"
#include "yws/protocol/sync.hpp"

namespace yws::protocol {
namespace {

using bytes = std::vector<std::uint8_t>;
using ids = std::vector<std::uint64_t>;
using encoding::any;
using encoding::any_object;
using namespace std::chrono_literals;

bytes concat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

bytes awareness_frame(std::vector<awareness_entry> entries) {
  return encode_awareness_message(encode_awareness_update(entries));
}

struct server_room {
  crdt::doc doc{test::with_client(100)};
  awareness aw{100, 0ms};
};

TEST(Peer, GreetingIsStepOneThenAwareness) {
  server_room room;
  const char conn = 0;
  peer p(room.doc, room.aw, {.origin = &conn});
  auto frames = p.greeting();
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0], encode_sync_step1(room.doc));
  EXPECT_EQ(frames[1], encode_awareness_message(*room.aw.encode_all()));
  // y-websocket's server has no state of its own: then only step 1.
  (void)room.aw.set_local_state(std::nullopt, 0ms);
  EXPECT_EQ(p.greeting().size(), 1u);
}

TEST(Peer, HandlesConcatenatedMessagesInOrder) {
  server_room room;
  room.doc.get_text("t").insert(0, "server");
  (void)room.aw.set_local_state(std::nullopt, 0ms);
  const char conn = 0;
  peer p(room.doc, room.aw, {.origin = &conn});

  crdt::doc client(test::with_client(7));
  // yrs' Protocol::start: step 1 and awareness in one frame; then a query-awareness.
  auto frame = concat({encode_sync_step1(client), awareness_frame({{7, 1, R"({"user":"c"})"}}), encode_query_awareness()});
  auto r = p.handle(frame, 5ms);
  EXPECT_FALSE(r.error) << r.error.message();
  EXPECT_EQ(r.handled, 3u);
  EXPECT_EQ(r.blocked, 0u);
  ASSERT_EQ(r.replies.size(), 2u);
  auto step2 = encode_sync_step2(room.doc, crdt::encode_state_vector_v1(client));
  ASSERT_TRUE(step2);
  EXPECT_EQ(r.replies[0], *step2);
  EXPECT_EQ(r.replies[1], awareness_frame({{7, 1, R"({"user":"c"})"}}));
  EXPECT_EQ(r.awareness.added, ids{7});
  EXPECT_EQ(p.controlled().ids(), ids{7});
  EXPECT_EQ(r.step2s, 0u);

  // The client's side: the server's step 2 (twice in one frame) is counted.
  crdt::doc other(test::with_client(8));
  awareness other_aw(8, 0ms);
  peer client_peer(other, other_aw, {});
  auto answered = client_peer.handle(concat({*step2, *step2}), 6ms);
  EXPECT_FALSE(answered.error);
  EXPECT_EQ(answered.step2s, 2u);
  EXPECT_EQ(other.get_text("t").to_string(), "server");
}

TEST(Peer, QueryAwarenessWithoutStatesHasNoReply) {
  server_room room;
  (void)room.aw.set_local_state(std::nullopt, 0ms);
  peer p(room.doc, room.aw, {});
  auto r = p.handle(encode_query_awareness(), 0ms);
  EXPECT_FALSE(r.error);
  EXPECT_TRUE(r.replies.empty());
}

TEST(Peer, CloseRemovesTheStatesTheConnectionControlled) {
  server_room room;
  const char conn_a = 'a';
  const char conn_b = 'b';
  peer a(room.doc, room.aw, {.origin = &conn_a});
  peer b(room.doc, room.aw, {.origin = &conn_b});
  std::vector<std::pair<awareness_changes, origin>> updates;
  auto sub = room.aw.on_update([&](const awareness_changes& c, origin o) { updates.emplace_back(c, o); });

  ASSERT_FALSE(a.handle(awareness_frame({{11, 1, "{}"}, {12, 1, "{}"}}), 1ms).error);
  ASSERT_FALSE(b.handle(awareness_frame({{21, 1, "{}"}}), 1ms).error);
  // Client 12 says goodbye itself; later it comes back (an update, not an addition).
  ASSERT_FALSE(a.handle(awareness_frame({{12, 2, "null"}}), 2ms).error);
  EXPECT_EQ(a.controlled().ids(), ids{11});
  ASSERT_FALSE(a.handle(awareness_frame({{12, 3, R"({"back":1})"}}), 3ms).error);
  EXPECT_EQ(a.controlled().ids(), (ids{11, 12}));

  updates.clear();
  auto removed = a.close(4ms);
  EXPECT_EQ(removed.removed, (ids{11, 12}));
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].second, &conn_a);
  EXPECT_EQ(room.aw.state(11), nullptr);
  EXPECT_EQ(room.aw.state(12), nullptr);
  EXPECT_NE(room.aw.state(21), nullptr);
  EXPECT_NE(room.aw.local_state(), nullptr);
  EXPECT_TRUE(a.controlled().empty());
  EXPECT_TRUE(a.close(5ms).empty());  // idempotent
}

TEST(Peer, ReadOnlyPeersAreBlocked) {
  server_room room;
  room.doc.get_text("t").insert(0, "x");
  const auto before = crdt::encode_state_as_update_v1(room.doc);
  peer viewer(room.doc, room.aw, {.read_only = true, .accept_awareness = false});

  crdt::doc other(test::with_client(9));
  other.get_text("t").insert(0, "write");
  auto frame = concat({encode_sync_update(crdt::encode_state_as_update_v1(other)), awareness_frame({{9, 1, "{}"}}),
                       encode_sync_step1(other)});
  auto r = viewer.handle(frame, 0ms);
  EXPECT_FALSE(r.error);
  EXPECT_EQ(r.handled, 3u);
  EXPECT_EQ(r.blocked, 2u);
  ASSERT_EQ(r.replies.size(), 1u);  // the step 2 answering its step 1
  EXPECT_EQ(crdt::encode_state_as_update_v1(room.doc), before);
  EXPECT_EQ(room.aw.state(9), nullptr);
}

TEST(Peer, AnErrorStopsTheFrameAfterWhatWasAlreadyApplied) {
  server_room room;
  peer p(room.doc, room.aw, {});
  auto frame = concat({awareness_frame({{5, 1, "{}"}}), awareness_frame({{6, 1, "{bad"}}), awareness_frame({{7, 1, "{}"}})});
  auto r = p.handle(frame, 0ms);
  EXPECT_EQ(r.error, errc::invalid_json);
  EXPECT_EQ(r.handled, 1u);
  EXPECT_NE(room.aw.state(5), nullptr);
  EXPECT_EQ(room.aw.state(6), nullptr);
  EXPECT_EQ(room.aw.state(7), nullptr);

  EXPECT_EQ(p.handle(bytes{}, 0ms).error, errc::malformed_message);
  EXPECT_EQ(p.handle(bytes{0x07}, 0ms).error, errc::unknown_message_type);
  EXPECT_EQ(p.handle(bytes{0x00, 0x02, 0x03, 0x00}, 0ms).error, errc::unexpected_end_of_buffer);
}

TEST(Peer, BadUpdateIsReportedAndLeavesTheDocUnchanged) {
  server_room room;
  room.doc.get_text("t").insert(0, "x");
  const auto before = crdt::encode_state_as_update_v1(room.doc);
  peer p(room.doc, room.aw, {});
  auto r = p.handle(encode_sync_update(bytes{0x01, 0x01, 0x05, 0x00, 0x0f, 0x01}), 0ms);
  EXPECT_TRUE(r.error);
  EXPECT_EQ(crdt::encode_state_as_update_v1(room.doc), before);
}

TEST(Peer, PermissionDeniedIsReported) {
  server_room room;
  peer p(room.doc, room.aw, {});
  auto r = p.handle(concat({encode_permission_granted(), encode_permission_denied("read-only room")}), 0ms);
  EXPECT_FALSE(r.error);
  ASSERT_TRUE(r.permission_denied.has_value());
  EXPECT_EQ(*r.permission_denied, "read-only room");
}

// A server and three clients exchanging frames through queues, as y-websocket does: each side
// greets, answers, and broadcasts its doc and awareness updates. Everything converges.
TEST(Peer, ClientsConvergeThroughAServer) {
  struct endpoint {
    crdt::doc doc;
    awareness aw;
    std::unique_ptr<peer> link;  // this side of the connection
    std::deque<bytes> inbox;     // frames sent to this side
    crdt::subscription doc_sub, aw_sub;
    explicit endpoint(std::uint64_t id) : doc(test::with_client(id)), aw(id, 0ms) {}
  };
  server_room room;
  (void)room.aw.set_local_state(std::nullopt, 0ms);
  std::vector<std::unique_ptr<endpoint>> clients;
  std::vector<std::unique_ptr<peer>> server_links;
  std::vector<std::deque<bytes>> server_inbox(3);

  auto broadcast = [&](const bytes& f, origin except) {
    for (std::size_t i = 0; i < server_links.size(); ++i) {
      if (server_links[i]->options().origin != except) clients[i]->inbox.push_back(f);
    }
  };
  auto room_doc_sub = room.doc.on_update([&](std::span<const std::uint8_t> u, crdt::origin o) { broadcast(encode_sync_update(u), o); });
  auto room_aw_sub = room.aw.on_update([&](const awareness_changes& c, origin) {
    broadcast(encode_awareness_message(room.aw.encode_update(c.changed_clients())), nullptr);
  });

  for (std::uint64_t i = 0; i < 3; ++i) {
    auto c = std::make_unique<endpoint>(i + 1);
    c->link = std::make_unique<peer>(c->doc, c->aw, peer_options{.origin = c.get()});
    auto* raw = c.get();
    c->doc_sub = c->doc.on_update([raw, &server_inbox, i](std::span<const std::uint8_t> u, crdt::origin o) {
      if (o != raw) server_inbox[i].push_back(encode_sync_update(u));
    });
    c->aw_sub = c->aw.on_update([raw, &server_inbox, i](const awareness_changes& ch, origin o) {
      if (o == local_origin) server_inbox[i].push_back(encode_awareness_message(raw->aw.encode_update(ch.changed_clients())));
    });
    server_links.push_back(std::make_unique<peer>(room.doc, room.aw, peer_options{.origin = c.get()}));
    clients.push_back(std::move(c));
  }
  // Connect: both sides greet.
  for (std::size_t i = 0; i < 3; ++i) {
    for (auto& f : server_links[i]->greeting()) clients[i]->inbox.push_back(f);
    for (auto& f : clients[i]->link->greeting()) server_inbox[i].push_back(f);
  }
  // Concurrent edits before any delivery.
  clients[0]->doc.get_text("t").insert(0, "one ");
  clients[1]->doc.get_text("t").insert(0, "two ");
  clients[2]->doc.get_map("m").set("k", any("three"));
  (void)clients[1]->aw.set_local_state(any_object{{"name", "two"}}, 1ms);

  // Deliver until quiet (bounded).
  for (int round = 0; round < 100; ++round) {
    bool moved = false;
    for (std::size_t i = 0; i < 3; ++i) {
      while (!server_inbox[i].empty()) {
        auto f = std::move(server_inbox[i].front());
        server_inbox[i].pop_front();
        auto r = server_links[i]->handle(f, 2ms);
        ASSERT_FALSE(r.error) << r.error.message();
        for (auto& reply : r.replies) clients[i]->inbox.push_back(std::move(reply));
        moved = true;
      }
      while (!clients[i]->inbox.empty()) {
        auto f = std::move(clients[i]->inbox.front());
        clients[i]->inbox.pop_front();
        auto r = clients[i]->link->handle(f, 2ms);
        ASSERT_FALSE(r.error) << r.error.message();
        for (auto& reply : r.replies) server_inbox[i].push_back(std::move(reply));
        moved = true;
      }
    }
    if (!moved) break;
  }
  // Roots appear in to_json() once opened, as in Yjs.
  (void)room.doc.get_text("t");
  (void)room.doc.get_map("m");
  for (const auto& c : clients) {
    EXPECT_EQ(c->doc.state(), room.doc.state());
    (void)c->doc.get_text("t");
    (void)c->doc.get_map("m");
    EXPECT_EQ(c->doc.to_json(), room.doc.to_json());
  }
  EXPECT_EQ(room.doc.get_text("t").to_string().size(), 8u);
  // Client 2's named state (clock 1) reached the server and the others; the clock-0 states of
  // the others did not (y-protocols ignores a first state at clock 0).
  ASSERT_NE(room.aw.state(2), nullptr);
  EXPECT_EQ(*room.aw.state(2), any(any_object{{"name", "two"}}));
  ASSERT_NE(clients[0]->aw.state(2), nullptr);
  EXPECT_EQ(server_links[1]->controlled().ids(), ids{2});
  // Client 2 leaves: the others see it go.
  (void)server_links[1]->close(3ms);
  for (std::size_t i : {0u, 2u}) {
    while (!clients[i]->inbox.empty()) {
      auto f = std::move(clients[i]->inbox.front());
      clients[i]->inbox.pop_front();
      ASSERT_FALSE(clients[i]->link->handle(f, 3ms).error);
    }
    EXPECT_EQ(clients[i]->aw.state(2), nullptr);
  }
}

}  // namespace
}  // namespace yws::protocol
