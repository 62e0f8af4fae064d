// Hostile and broken input: every case gets its documented close code (or is ignored), while the
// server, the room and the other clients of the room go on, and nothing that fails to apply
// changes the room's doc. The close codes are those of docs/architecture.md.
#include "yws/net/server.hpp"

#include <random>

#include <gtest/gtest.h>

#include "net/sync_client.hpp"
#include "net/test_server.hpp"
#include "yws/encoding/encoder.hpp"
#include "yws/protocol/sync.hpp"

namespace yws::net::test {
namespace {

constexpr std::uint16_t ignored = 0;  // expected "close code" of input that is ignored
constexpr std::size_t max_message = 64 * 1024;

enum class send_as { binary, text, raw_tcp };

struct bad_case {
  std::string name;
  bytes frame;
  std::uint16_t expected_close;
  send_as how = send_as::binary;
};

bytes cat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

bytes awareness_with_json(std::string_view json) {
  encoding::encoder inner;
  inner.write_var_uint(1);
  inner.write_var_uint(77);  // client id
  inner.write_var_uint(1);   // clock
  inner.write_var_string(json);
  return protocol::encode_awareness_message(inner.data());
}

// A real update, cut short.
bytes truncated_update() {
  crdt::doc d(with_client_id(5));
  d.get_text("t").insert(0, "a string long enough to be cut");
  auto u = crdt::encode_state_as_update_v1(d);
  return bytes(u.begin(), u.begin() + static_cast<std::ptrdiff_t>(u.size() / 2));
}

bytes hocuspocus_frame() {
  // varString(documentName) then the Hocuspocus message type (0 = sync) and a sync step 1.
  encoding::encoder enc;
  enc.write_var_string("my-document");
  enc.write_var_uint(0);
  enc.write_var_uint(0);
  enc.write_var_bytes(bytes{0});
  return bytes(enc.data().begin(), enc.data().end());
}

bytes hocuspocus_auth_frame() {
  encoding::encoder enc;
  enc.write_var_string("doc");
  enc.write_var_uint(2);  // auth
  enc.write_var_uint(0);  // token
  enc.write_var_string("secret-token");
  enc.write_var_string("4.5.0");
  return bytes(enc.data().begin(), enc.data().end());
}

std::vector<bad_case> cases() {
  const bytes garbage_update = {0x03, 0x99, 0xff, 0x01};
  return {
      {"truncated_var_uint", {0x80}, 1002},
      {"truncated_var_uint_in_sync_type", {0x00, 0xff}, 1002},
      {"unknown_message_type", {0x04}, 1003},
      {"unknown_large_message_type", {0xff, 0xff, 0x03}, 1003},
      {"unknown_sync_type", {0x00, 0x03, 0x00}, 1003},
      {"step1_truncated_payload", {0x00, 0x00, 0x05, 0x01}, 1002},
      {"step1_garbage_state_vector", {0x00, 0x00, 0x02, 0xff, 0xff}, 1002},
      {"update_garbage", protocol::encode_sync_update(garbage_update), 1002},
      {"step2_garbage", cat({{0x00, 0x01}, {static_cast<std::uint8_t>(garbage_update.size())}, garbage_update}), 1002},
      {"update_truncated", protocol::encode_sync_update(truncated_update()), 1002},
      {"awareness_invalid_json", awareness_with_json("{\"user\": nope}"), 1002},
      {"awareness_truncated", {0x01, 0x05, 0x01, 0x4d}, 1002},
      {"hocuspocus_sync_frame", hocuspocus_frame(), 1003},
      {"hocuspocus_auth_frame", hocuspocus_auth_frame(), 1003},
      {"query_awareness_then_garbage", {0x03, 0xff}, 1002},
      {"text_frame", {'h', 'e', 'l', 'l', 'o'}, 1003, send_as::text},
      {"oversized_frame", bytes(max_message + 1, 0x00), 1009},
      // Frame-level violations, written under Beast: an unmasked client frame, a reserved opcode.
      {"unmasked_client_frame", {0x82, 0x01, 0x00}, 1002, send_as::raw_tcp},
      {"reserved_opcode", {0x83, 0x80, 1, 2, 3, 4}, 1002, send_as::raw_tcp},
      // Accepted and ignored.
      {"empty_frame", {}, ignored},
      {"auth_from_client", protocol::encode_permission_denied("no"), ignored},
      {"empty_update", protocol::encode_sync_update(bytes{0x00, 0x00}), ignored},
  };
}

// Sends an awareness entry no random frame can produce and reads until it comes back: true when
// it did (the server handled everything sent before it), false when the connection ended first.
bool barrier(ws_client& c) {
  constexpr std::uint64_t barrier_client = 999999999;
  static std::uint64_t clock = std::uint64_t{1} << 50;  // newer each time, so always accepted
  encoding::encoder enc;
  enc.write_var_uint(1);
  enc.write_var_uint(barrier_client);
  enc.write_var_uint(++clock);
  enc.write_var_string("{\"barrier\":true}");
  if (!c.send(protocol::encode_awareness_message(enc.data()))) return false;
  for (;;) {
    auto f = c.read();
    if (!f) return false;
    auto m = protocol::decode_message(*f);
    if (!m) continue;
    auto* a = std::get_if<protocol::awareness_message>(&*m);
    if (!a) continue;
    auto entries = protocol::decode_awareness_update(a->update);
    if (!entries) continue;
    for (const auto& e : *entries) {
      // Our entry exactly: the removal of an earlier connection's barrier also names the client.
      if (e.client_id == barrier_client && e.clock == clock) return true;
    }
  }
}

class BadInput : public ::testing::TestWithParam<bad_case> {};

std::string doc_state(test_server& ts, std::string_view room) {
  bytes state;
  EXPECT_TRUE(ts.with_room(room, [&](room_access& r) { state = crdt::encode_state_as_update_v1(r.doc()); }));
  return std::string(state.begin(), state.end());
}

TEST_P(BadInput, GetsTheDocumentedCloseAndTheRoomGoesOn) {
  const bad_case& c = GetParam();
  auto opts = test_options();
  opts.max_message_bytes = max_message;
  test_server ts(opts);

  sync_client peer(1);  // a well-behaved client of the same room
  ASSERT_TRUE(peer.join(ts.port(), "r"));
  peer.doc.get_text("t").insert(0, "stable");
  ASSERT_TRUE(peer.wait_updates(1));
  const std::string before = doc_state(ts, "r");

  ws_client bad;
  ASSERT_EQ(bad.connect(ts.port(), "/r"), 101);
  switch (c.how) {
    case send_as::binary: ASSERT_TRUE(bad.send(c.frame)); break;
    case send_as::text: ASSERT_TRUE(bad.send_text(std::string(c.frame.begin(), c.frame.end()))); break;
    case send_as::raw_tcp: ASSERT_TRUE(bad.send_raw(c.frame)); break;
  }
  if (c.expected_close == ignored) {
    // Still served: a query-awareness gets its answer after the greeting's frames.
    ASSERT_TRUE(bad.send(protocol::encode_query_awareness()));
    int awareness = 0;
    while (awareness < 2) {
      auto f = bad.read();
      ASSERT_TRUE(f.has_value()) << "connection ended";
      if (!f->empty() && (*f)[0] == 1) ++awareness;
    }
    EXPECT_TRUE(bad.is_open());
  } else {
    auto code = bad.wait_close();
    ASSERT_TRUE(code.has_value()) << "not closed in time";
    EXPECT_EQ(*code, c.expected_close);
  }

  // The room goes on: the peer still edits and gets its echo; failed input changed nothing.
  EXPECT_EQ(doc_state(ts, "r"), before);
  peer.doc.get_text("t").insert(6, "!");
  ASSERT_TRUE(peer.wait_updates(2));
  sync_client late(3);
  ASSERT_TRUE(late.join(ts.port(), "r"));
  EXPECT_EQ(late.doc.get_text("t").to_string(), "stable!");
}

INSTANTIATE_TEST_SUITE_P(Cases, BadInput, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<bad_case>& info) { return info.param.name; });

// Random frames, biased towards the message and sync types so that they reach deep into the
// decoders. The connection's on_message_error keeps it open, so one connection takes them all.
bytes random_frame(std::mt19937& rng) {
  std::uniform_int_distribution<int> len(0, 48), byte(0, 255), pick(0, 9);
  bytes f(static_cast<std::size_t>(len(rng)));
  for (auto& b : f) b = static_cast<std::uint8_t>(byte(rng));
  if (!f.empty() && pick(rng) < 8) f[0] = static_cast<std::uint8_t>(pick(rng) % 4);
  if (f.size() > 1 && f[0] == 0 && pick(rng) < 8) f[1] = static_cast<std::uint8_t>(pick(rng) % 3);
  if (f.size() > 2 && pick(rng) < 5) f[2] = static_cast<std::uint8_t>(f.size() - 3);  // a plausible length
  return f;
}

TEST(BadInputFuzz, TenThousandRandomFramesLeaveTheRoomIntact) {
  std::size_t errors = 0;
  server_hooks hooks;
  hooks.on_message_error = [&errors](room_access&, const peer_info&, std::error_code, std::span<const std::uint8_t>) {
    ++errors;  // on the room's strand: no race
    return true;
  };
  test_server ts(test_options(), hooks);
  sync_client peer(1);
  ASSERT_TRUE(peer.join(ts.port(), "fuzz"));
  peer.doc.get_text("t").insert(0, "keep me");
  ASSERT_TRUE(peer.wait_updates(1));
  const std::string before = doc_state(ts, "fuzz");

  std::mt19937 rng(20240607);
  ws_client bad;
  ASSERT_EQ(bad.connect(ts.port(), "/fuzz"), 101);
  for (int i = 0; i < 10000; ++i) {
    ASSERT_TRUE(bad.send(random_frame(rng))) << "frame " << i;
  }
  ASSERT_TRUE(barrier(bad)) << "connection ended";
  std::size_t n_errors = 0;
  ASSERT_TRUE(ts.with_room("fuzz", [&](room_access&) { n_errors = errors; }));
  EXPECT_GT(n_errors, 5000u);  // most random frames are malformed

  // Whatever the frames did to awareness, the document is what the peer wrote.
  EXPECT_EQ(doc_state(ts, "fuzz"), before);
  peer.doc.get_text("t").insert(0, ">");
  ASSERT_TRUE(peer.wait_updates(2));
  EXPECT_EQ(peer.doc.get_text("t").to_string(), ">keep me");
}

// Without the hook each malformed random frame closes its connection with 1002 or 1003.
TEST(BadInputFuzz, RandomFramesEachGetADocumentedCloseOrAreIgnored) {
  test_server ts;
  std::mt19937 rng(7);
  int closed = 0;
  for (int i = 0; i < 150; ++i) {
    ws_client bad;
    ASSERT_EQ(bad.connect(ts.port(), "/fuzz2"), 101);
    ASSERT_TRUE(bad.send(random_frame(rng)));
    if (barrier(bad)) continue;  // ignored (or a valid message): served on
    ASSERT_FALSE(bad.timed_out()) << "frame " << i;
    auto code = bad.wait_close();
    ASSERT_TRUE(code.has_value());
    EXPECT_TRUE(*code == 1002 || *code == 1003) << "frame " << i << " code " << *code;
    ++closed;
  }
  EXPECT_GT(closed, 50);
  EXPECT_TRUE(eventually([&] {
    const auto m = ts.srv.metrics();
    return m.closed(close_reason::protocol_error) + m.closed(close_reason::unsupported_data) ==
           static_cast<std::uint64_t>(closed);
  })) << to_prometheus(ts.srv.metrics()) << " closed " << closed;
}

}  // namespace
}  // namespace yws::net::test
