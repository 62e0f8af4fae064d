// The server's y-websocket behaviour seen from real clients on loopback sockets: sync,
// convergence, echo, awareness, room isolation and the handshake ordering guarantee.
#include "yws/net/server.hpp"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "net/sync_client.hpp"
#include "net/test_server.hpp"
#include "yws/encoding/json.hpp"
#include "yws/protocol/sync.hpp"

namespace yws::net::test {
namespace {

using protocol::message_type;
using protocol::sync_type;

std::string text_of(crdt::doc& d) { return d.get_text("t").to_string(); }

encoding::any user(std::string_view name) { return encoding::any_object{{"user", std::string(name)}}; }

TEST(ServerSync, TwoClientsConverge) {
  test_server ts;
  sync_client a(1), b(2);
  ASSERT_TRUE(a.join(ts.port(), "doc"));
  ASSERT_TRUE(b.join(ts.port(), "doc"));

  a.doc.get_text("t").insert(0, "hello ");
  b.doc.get_text("t").insert(0, "world");
  ASSERT_TRUE(a.pump_until([&] { return text_of(a.doc).size() == 11; }));
  ASSERT_TRUE(b.pump_until([&] { return text_of(b.doc).size() == 11; }));
  EXPECT_EQ(text_of(a.doc), text_of(b.doc));
  EXPECT_EQ(crdt::encode_state_vector_v1(a.doc), crdt::encode_state_vector_v1(b.doc));

  std::string on_server;
  ASSERT_TRUE(ts.with_room("doc", [&](room_access& r) { on_server = r.doc().get_text("t").to_string(); }));
  EXPECT_EQ(on_server, text_of(a.doc));
}

TEST(ServerSync, LateJoinerGetsTheStateInStep2) {
  test_server ts;
  sync_client a(1);
  ASSERT_TRUE(a.join(ts.port(), "late"));
  a.doc.get_map("m").set("k", 42.0);
  // The echo of our own update tells us the server has it.
  ASSERT_TRUE(a.wait_updates(1));

  sync_client b(2);
  ASSERT_TRUE(b.join(ts.port(), "late"));
  auto v = b.doc.get_map("m").get("k");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(std::get<encoding::any>(*v), encoding::any(42.0));
}

TEST(ServerSync, TheSharedStep2ForNewClientsFollowsEveryChangeOfTheDoc) {
  // Clients with an empty state vector share one encoded step 2 per doc revision; every kind of
  // change must make the next such client get a new one.
  test_server ts;
  sync_client a(1);
  ASSERT_TRUE(a.join(ts.port(), "shared"));  // encodes the step 2 of the empty doc
  sync_client b(2);
  ASSERT_TRUE(b.join(ts.port(), "shared"));  // served from the cache
  EXPECT_EQ(text_of(b.doc), "");

  // An embedder's edit.
  ASSERT_TRUE(ts.with_room("shared", [](room_access& r) { r.doc().get_text("t").insert(0, "e"); }));
  sync_client c(3);
  ASSERT_TRUE(c.join(ts.port(), "shared"));
  EXPECT_EQ(text_of(c.doc), "e");

  // An update that only parks pending data (its dependency is missing): Yjs merges pending data
  // into the state it sends, so the next new client must get it too.
  crdt::doc source(with_client_id(9));
  source.get_text("t").insert(0, "x");
  crdt::state_vector after_first;
  after_first.set(9, 1);
  source.get_text("t").insert(1, "y");
  const auto second_only = crdt::encode_state_as_update_v1(source, after_first);
  ASSERT_TRUE(ts.with_room("shared", [&](room_access& r) {
    ASSERT_TRUE(crdt::apply_update_v1(r.doc(), second_only));
    ASSERT_TRUE(r.doc().has_pending());
  }));
  sync_client d(4);
  ASSERT_TRUE(d.join(ts.port(), "shared"));
  EXPECT_EQ(text_of(d.doc), "e");
  EXPECT_TRUE(d.doc.has_pending());
}

TEST(ServerSync, UpdatesAreEchoedToTheSenderOnce) {
  test_server ts;
  sync_client a(1);
  ASSERT_TRUE(a.join(ts.port(), "echo"));
  a.doc.get_text("t").insert(0, "x");
  ASSERT_TRUE(a.wait_updates(1));
  ASSERT_TRUE(a.round_trip());  // after which a second echo would have arrived
  EXPECT_EQ(a.count(message_type::sync, sync_type::update), 1u);
}

TEST(ServerSync, ServerIsAnAwarenessPeerWithAnEmptyState) {
  test_server ts;
  std::uint64_t server_id = 0;
  ASSERT_TRUE(ts.with_room("peer", [&](room_access& r) { server_id = r.doc().client_id(); }));
  sync_client a(1);
  ASSERT_EQ(a.connect(ts.port(), "peer"), 101);
  ASSERT_TRUE(a.pump_until([&] { return a.awareness.state(server_id) != nullptr; }));
  EXPECT_EQ(*a.awareness.state(server_id), encoding::any(encoding::any_object{}));
}

TEST(ServerSync, NewClientSeesExistingAwarenessAtOnce) {
  test_server ts;
  sync_client a(1);
  ASSERT_EQ(a.connect(ts.port(), "aw"), 101);
  a.set_awareness(user("alice"));
  ASSERT_TRUE(a.pump_until([&] { return a.count(message_type::awareness) >= 2; }));  // greeting + echo

  sync_client b(2);
  ASSERT_EQ(b.connect(ts.port(), "aw"), 101);
  // The greeting is exactly two frames: sync step 1, then every awareness state.
  ASSERT_TRUE(b.pump_one());
  ASSERT_TRUE(b.pump_one());
  ASSERT_NE(b.awareness.state(1), nullptr);
  EXPECT_EQ(*b.awareness.state(1), user("alice"));
  EXPECT_EQ(b.received().at(0).type, message_type::sync);
  EXPECT_EQ(b.received().at(1).type, message_type::awareness);
}

TEST(ServerSync, ClosedClientsAwarenessDisappearsWithinOneSecond) {
  test_server ts;
  sync_client a(1), b(2);
  ASSERT_EQ(a.connect(ts.port(), "bye"), 101);
  ASSERT_EQ(b.connect(ts.port(), "bye"), 101);
  a.set_awareness(user("alice"));
  ASSERT_TRUE(b.pump_until([&] { return b.awareness.state(1) != nullptr; }));
  ASSERT_TRUE(a.ws.close());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(b.pump_until([&] { return b.awareness.state(1) == nullptr; }, 1s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

TEST(ServerSync, DroppedConnectionsAwarenessDisappears) {
  test_server ts;
  sync_client a(1), b(2);
  ASSERT_EQ(a.connect(ts.port(), "drop"), 101);
  ASSERT_EQ(b.connect(ts.port(), "drop"), 101);
  a.set_awareness(user("alice"));
  ASSERT_TRUE(b.pump_until([&] { return b.awareness.state(1) != nullptr; }));
  a.ws.drop();  // no closing handshake: the server notices the TCP close
  ASSERT_TRUE(b.pump_until([&] { return b.awareness.state(1) == nullptr; }, 1s));
}

TEST(ServerSync, RoomsNeverSeeEachOthersUpdatesOrAwareness) {
  test_server ts;
  sync_client a(1), b(2);
  ASSERT_TRUE(a.join(ts.port(), "room-a"));
  ASSERT_TRUE(b.join(ts.port(), "room-b"));
  a.doc.get_text("t").insert(0, "only in a");
  a.set_awareness(user("alice"));
  ASSERT_TRUE(a.wait_updates(1));
  b.doc.get_text("t").insert(0, "only in b");
  b.set_awareness(user("bob"));
  ASSERT_TRUE(b.wait_updates(1));
  // Round trips in each room: everything the room sent before is in.
  ASSERT_TRUE(a.round_trip());
  ASSERT_TRUE(b.round_trip());
  EXPECT_EQ(text_of(a.doc), "only in a");
  EXPECT_EQ(text_of(b.doc), "only in b");
  EXPECT_EQ(a.awareness.state(2), nullptr);
  EXPECT_EQ(b.awareness.state(1), nullptr);
  EXPECT_EQ(a.count(message_type::sync, sync_type::update), 1u);
  EXPECT_EQ(b.count(message_type::sync, sync_type::update), 1u);
}

// pycrdt-websocket #138: no document update may reach a client before the sync step 2 that
// answers its step 1, and none may be lost between the two.
TEST(ServerSync, NoUpdateBeforeStep2AndNoneLost) {
  test_server ts;
  ws_client raw;  // a client that has not sent its sync step 1 yet
  ASSERT_EQ(raw.connect(ts.port(), "/order"), 101);
  sync_client b(2);
  ASSERT_TRUE(b.join(ts.port(), "order"));
  b.doc.get_text("t").insert(0, "before");
  ASSERT_TRUE(b.wait_updates(1));

  // Barrier: the answer to a query-awareness comes after anything the room queued before it.
  ASSERT_TRUE(raw.send(protocol::encode_query_awareness()));
  std::vector<bytes> frames;
  int awareness_frames = 0;
  while (awareness_frames < 2) {  // the greeting's, then the answer to the query
    auto f = raw.read();
    ASSERT_TRUE(f.has_value());
    auto m = protocol::decode_message(*f);
    ASSERT_TRUE(m.has_value());
    EXPECT_FALSE(std::holds_alternative<protocol::sync_update>(*m)) << "update before step 2";
    EXPECT_FALSE(std::holds_alternative<protocol::sync_step2>(*m));
    if (protocol::type_of(*m) == message_type::awareness) ++awareness_frames;
  }

  crdt::doc mine(with_client_id(7));
  ASSERT_TRUE(raw.send(protocol::encode_sync_step1(mine)));
  auto f = raw.read();
  ASSERT_TRUE(f.has_value());
  auto m = protocol::decode_message(*f);
  ASSERT_TRUE(m.has_value());
  auto* step2 = std::get_if<protocol::sync_step2>(&*m);
  ASSERT_NE(step2, nullptr) << "the first document message must be the step 2";
  ASSERT_TRUE(crdt::apply_update_v1(mine, step2->update));
  EXPECT_EQ(text_of(mine), "before");

  b.doc.get_text("t").insert(6, " after");
  f = raw.read();
  ASSERT_TRUE(f.has_value());
  m = protocol::decode_message(*f);
  ASSERT_TRUE(m.has_value());
  auto* update = std::get_if<protocol::sync_update>(&*m);
  ASSERT_NE(update, nullptr);
  ASSERT_TRUE(crdt::apply_update_v1(mine, update->update));
  EXPECT_EQ(text_of(mine), "before after");
}

TEST(ServerSync, ConcatenatedMessagesInOneFrameAreAllHandled) {
  test_server ts;
  crdt::doc mine(with_client_id(9));
  mine.get_text("t").insert(0, "abc");
  auto frame = protocol::encode_sync_step1(mine);
  auto update = protocol::encode_sync_update(crdt::encode_state_as_update_v1(mine));
  frame.insert(frame.end(), update.begin(), update.end());
  auto query = protocol::encode_query_awareness();
  frame.insert(frame.end(), query.begin(), query.end());

  ws_client raw;
  ASSERT_EQ(raw.connect(ts.port(), "/concat"), 101);
  ASSERT_TRUE(raw.send(frame));
  bool got_step2 = false, got_update = false;
  int awareness = 0;
  while (!(got_step2 && got_update && awareness == 2)) {
    auto f = raw.read();
    ASSERT_TRUE(f.has_value());
    auto m = protocol::decode_message(*f);
    ASSERT_TRUE(m.has_value());
    got_step2 |= std::holds_alternative<protocol::sync_step2>(*m);
    got_update |= std::holds_alternative<protocol::sync_update>(*m);
    awareness += protocol::type_of(*m) == message_type::awareness;
  }
  std::string on_server;
  ASSERT_TRUE(ts.with_room("concat", [&](room_access& r) { on_server = r.doc().get_text("t").to_string(); }));
  EXPECT_EQ(on_server, "abc");
}

TEST(ServerSync, EmbedderEditsAreBroadcastLikeClientEdits) {
  test_server ts;
  sync_client a(1);
  ASSERT_TRUE(a.join(ts.port(), "embed"));
  ASSERT_TRUE(ts.with_room("embed", [](room_access& r) { r.doc().get_map("m").set("from", std::string("server")); }));
  ASSERT_TRUE(a.pump_until([&] { return a.doc.get_map("m").contains("from"); }));
  a.doc.get_map("m").set("from", std::string("client"));
  ASSERT_TRUE(eventually([&] {
    encoding::any v;
    ts.with_room("embed", [&](room_access& r) { v = r.doc().get_map("m").to_json(); });
    return v == encoding::any(encoding::any_object{{"from", std::string("client")}});
  }));
}

TEST(ServerSync, RoomNamesArePercentDecodedPathsWithoutQuery) {
  test_server ts;
  ws_client raw;
  ASSERT_EQ(raw.connect(ts.port(), "/notes/a%20b?token=x"), 101);
  ASSERT_TRUE(raw.read().has_value());  // the greeting: the room exists
  EXPECT_EQ(ts.srv.room_names(), std::vector<std::string>{"notes/a b"});
}

// The room finds a frame's member by an index kept in the session: members that leave from the
// middle, the end and the front must leave every other member found (its updates applied and
// relayed, its awareness removed when it goes).
TEST(ServerSync, MembersAreFoundAfterOthersLeaveFromAnyPlace) {
  test_server ts;
  std::vector<std::unique_ptr<sync_client>> c;
  for (std::uint64_t id = 1; id <= 5; ++id) {
    c.push_back(std::make_unique<sync_client>(id));
    ASSERT_TRUE(c.back()->join(ts.port(), "slots"));
  }
  ASSERT_TRUE(c[2]->ws.close());  // the middle
  ASSERT_TRUE(c[4]->ws.close());  // the end
  ASSERT_TRUE(c[0]->ws.close());  // the front
  ASSERT_TRUE(eventually([&] { return ts.srv.metrics().connections == 2; }));  // they have left
  for (auto i : {1, 3}) c[i]->set_awareness(user("stays " + std::to_string(i)));
  c[1]->doc.get_text("t").insert(0, "b");
  c[3]->doc.get_text("t").insert(0, "d");
  for (auto i : {1, 3}) {
    ASSERT_TRUE(c[i]->pump_until([&] { return text_of(c[i]->doc).size() == 2; }));
    ASSERT_TRUE(c[i]->pump_until([&] { return c[i]->awareness.state(2) && c[i]->awareness.state(4); }));
  }
  sync_client late(6);
  ASSERT_TRUE(late.join(ts.port(), "slots"));
  late.doc.get_text("t").insert(0, "f");
  ASSERT_TRUE(c[1]->pump_until([&] { return text_of(c[1]->doc).size() == 3; }));
  ASSERT_TRUE(c[3]->ws.close());
  ASSERT_TRUE(c[1]->pump_until([&] { return c[1]->awareness.state(4) == nullptr; }, 1s));
  std::string on_server;
  ASSERT_TRUE(ts.with_room("slots", [&](room_access& r) { on_server = r.doc().get_text("t").to_string(); }));
  EXPECT_EQ(on_server, text_of(c[1]->doc));
}

}  // namespace
}  // namespace yws::net::test
