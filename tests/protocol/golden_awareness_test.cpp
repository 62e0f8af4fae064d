// Byte and event equality with y-protocols 1.0.7: the frames and awareness runs recorded in
// tests/fixtures/protocol/golden.json.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/golden.hpp"
#include "yws/protocol/awareness.hpp"
#include "yws/protocol/message.hpp"

namespace yws::protocol {
namespace {

using namespace std::chrono_literals;
using test::bytes_of;
using test::field;
using test::hex;
using test::list;
using test::text;

const int peer_tag = 0;
const origin peer = &peer_tag;

std::string origin_name(origin o) {
  if (o == local_origin) return "local";
  if (o == timeout_origin) return "timeout";
  if (o == peer) return "peer";
  return o == nullptr ? "null" : "other";
}

TEST(GoldenFrames, EncodeAndDecode) {
  const auto& frames = list(test::golden(), "frames");
  ASSERT_FALSE(frames.empty());
  for (const auto& f : frames) {
    const std::string name = text(f, "name");
    const auto expected = bytes_of(f, "hex");
    SCOPED_TRACE(name + " " + hex(expected));
    auto decoded = decode_message(expected);
    ASSERT_TRUE(decoded) << decoded.error().message();
    EXPECT_EQ(encode_message(*decoded), expected);
    if (name == "query_awareness") {
      EXPECT_EQ(encode_query_awareness(), expected);
      EXPECT_TRUE(std::holds_alternative<query_awareness>(*decoded));
    } else if (name == "permission_denied") {
      const std::string reason = text(f, "reason");
      EXPECT_EQ(encode_permission_denied(reason), expected);
      const auto* a = std::get_if<auth_message>(&*decoded);
      ASSERT_NE(a, nullptr);
      EXPECT_EQ(a->type, auth_type::permission_denied);
      EXPECT_EQ(a->reason, reason);
    } else if (name == "sync_update") {
      const auto payload = bytes_of(f, "payload");
      EXPECT_EQ(encode_sync_update(payload), expected);
      const auto* u = std::get_if<sync_update>(&*decoded);
      ASSERT_NE(u, nullptr);
      EXPECT_EQ(std::vector<std::uint8_t>(u->update.begin(), u->update.end()), payload);
    } else if (name == "awareness_message") {
      const auto payload = bytes_of(f, "payload");
      EXPECT_EQ(encode_awareness_message(payload), expected);
      const auto* a = std::get_if<awareness_message>(&*decoded);
      ASSERT_NE(a, nullptr);
      EXPECT_EQ(std::vector<std::uint8_t>(a->update.begin(), a->update.end()), payload);
    } else {
      ADD_FAILURE() << "unknown frame kind " << name;
    }
  }
}

// One recorded event: {added, updated, removed, origin}.
struct event {
  awareness_changes changes;
  std::string origin;
  friend bool operator==(const event&, const event&) = default;
};

void PrintTo(const event& e, std::ostream* os) {
  auto ids = [&](const std::vector<std::uint64_t>& v) {
    *os << "[";
    for (auto id : v) *os << id << " ";
    *os << "]";
  };
  *os << "{added ";
  ids(e.changes.added);
  *os << " updated ";
  ids(e.changes.updated);
  *os << " removed ";
  ids(e.changes.removed);
  *os << " origin " << e.origin << "}";
}

std::vector<event> events_of(const encoding::any& step, std::string_view key) {
  std::vector<event> out;
  for (const auto& e : list(step, key)) {
    out.push_back({{test::numbers(field(e, "added")), test::numbers(field(e, "updated")), test::numbers(field(e, "removed"))},
                   text(e, "origin")});
  }
  return out;
}

std::optional<encoding::any> parse_state(const encoding::any& step, std::string_view key) {
  if (!test::has_field(step, key)) return std::nullopt;
  auto v = encoding::parse_json(text(step, key));
  EXPECT_TRUE(v) << text(step, key);
  return v ? std::optional<encoding::any>(*v) : std::nullopt;
}

void check_snapshot(const awareness& aw, const encoding::any& step) {
  const auto& clocks = field(step, "clocks");
  ASSERT_TRUE(clocks.is_object());
  for (const auto& [id, clock] : clocks.as_object()) {
    auto meta = aw.meta(std::stoull(id));
    ASSERT_TRUE(meta.has_value()) << "client " << id;
    EXPECT_EQ(meta->clock, test::number(clock)) << "client " << id;
  }
  const auto& all = field(step, "all");
  auto ours = aw.encode_all();
  if (all.is_null()) {
    EXPECT_FALSE(ours.has_value());
  } else {
    ASSERT_TRUE(ours.has_value());
    EXPECT_EQ(hex(*ours), all.as_string());
  }
}

TEST(GoldenAwareness, ScriptedRunsMatchYProtocols) {
  const auto& runs = list(test::golden(), "awareness");
  ASSERT_FALSE(runs.empty());
  for (const auto& run : runs) {
    SCOPED_TRACE(text(run, "name"));
    // Time is not part of these runs (y-protocols reads its own clock); it only has to be fixed.
    const millis now = 1000ms;
    awareness aw(test::number(field(run, "client_id")), now);
    std::vector<event> change;
    std::vector<event> update;
    auto s1 = aw.on_change([&](const awareness_changes& c, origin o) { change.push_back({c, origin_name(o)}); });
    auto s2 = aw.on_update([&](const awareness_changes& c, origin o) { update.push_back({c, origin_name(o)}); });

    std::size_t index = 0;
    for (const auto& step : list(run, "steps")) {
      const std::string op = text(step, "op");
      SCOPED_TRACE("step " + std::to_string(index++) + " " + op);
      change.clear();
      update.clear();
      if (op == "set") {
        (void)aw.set_local_state(parse_state(step, "state"), now);
      } else if (op == "set_field") {
        auto value = parse_state(step, "value");
        aw.set_local_state_field(text(step, "field"), value ? *value : encoding::any{}, now);
      } else if (op == "apply") {
        auto r = aw.apply_update(bytes_of(step, "update"), peer, now);
        EXPECT_TRUE(r) << r.error().message();
      } else if (op == "remove") {
        const auto ids = test::numbers(field(step, "clients"));
        (void)aw.remove_states(ids, peer, now);
      } else if (op == "encode") {
        const auto ids = test::numbers(field(step, "clients"));
        EXPECT_EQ(hex(aw.encode_update(ids)), text(step, "hex"));
      } else {
        ASSERT_EQ(op, "new");
      }
      EXPECT_EQ(change, events_of(step, "change_events"));
      EXPECT_EQ(update, events_of(step, "update_events"));
      check_snapshot(aw, step);
    }
  }
}

}  // namespace
}  // namespace yws::protocol
