#include "yws/protocol/awareness.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "protocol/test_util.hpp"
#include "yws/encoding/json.hpp"
#include "yws/protocol/message.hpp"

namespace yws::protocol {
namespace {

using bytes = std::vector<std::uint8_t>;
using ids = std::vector<std::uint64_t>;
using encoding::any;
using encoding::any_object;
using namespace std::chrono_literals;

constexpr std::uint64_t own_id = 1;
const int peer_tag = 0;
const origin peer = &peer_tag;

bytes update_of(std::vector<awareness_entry> entries) { return encode_awareness_update(entries); }

any json(std::string_view text) {
  auto v = encoding::parse_json(text);
  EXPECT_TRUE(v) << text;
  return v ? *v : any{};
}

// Records every event of an awareness.
struct recorder {
  struct event {
    awareness_changes changes;
    origin o;
  };
  std::vector<event> change;
  std::vector<event> update;
  crdt::subscription s1, s2;

  explicit recorder(awareness& aw)
      : s1(aw.on_change([this](const awareness_changes& c, origin o) { change.push_back({c, o}); })),
        s2(aw.on_update([this](const awareness_changes& c, origin o) { update.push_back({c, o}); })) {}
  void clear() {
    change.clear();
    update.clear();
  }
};

awareness_changes changes(ids added, ids updated, ids removed) {
  return {std::move(added), std::move(updated), std::move(removed)};
}

TEST(Awareness, ConstructorSetsEmptyObjectAtClockZero) {
  awareness aw(own_id, 1000ms);
  ASSERT_NE(aw.local_state(), nullptr);
  EXPECT_EQ(*aw.local_state(), any(any_object{}));
  EXPECT_EQ(aw.meta(own_id), (awareness_meta{0, 1000ms}));
  EXPECT_EQ(aw.client_ids(), ids{own_id});
  EXPECT_EQ(aw.size(), 1u);
  EXPECT_EQ(aw.encode_update(ids{own_id}), update_of({{own_id, 0, "{}"}}));
}

TEST(Awareness, SpecBytes) {
  // yjs-spec 6.3: client 7, clock 1, {"user":"x"}.
  awareness aw(7, 0ms);
  (void)aw.set_local_state(any_object{{"user", "x"}}, 0ms);
  auto u = aw.encode_update(ids{7});
  bytes expected{0x01, 0x07, 0x01, 0x0c};
  for (char c : std::string_view(R"({"user":"x"})")) expected.push_back(static_cast<std::uint8_t>(c));
  EXPECT_EQ(u, expected);
  // Removal: client 5, clock 1, null.
  awareness five(5, 0ms);
  (void)five.set_local_state(std::nullopt, 0ms);
  EXPECT_EQ(test::hex(five.encode_update(ids{5})), "010501046e756c6c");
}

TEST(Awareness, SetLocalStateIncrementsTheClockAndFiresEvents) {
  awareness aw(own_id, 0ms);
  recorder rec(aw);
  auto c = aw.set_local_state(any_object{{"name", "a"}}, 5ms);
  EXPECT_EQ(c, changes({}, {own_id}, {}));
  EXPECT_EQ(aw.meta(own_id), (awareness_meta{1, 5ms}));
  ASSERT_EQ(rec.change.size(), 1u);
  EXPECT_EQ(rec.change[0].changes, changes({}, {own_id}, {}));
  EXPECT_EQ(rec.change[0].o, local_origin);
  ASSERT_EQ(rec.update.size(), 1u);
  EXPECT_EQ(rec.update[0].o, local_origin);

  // Same value: the clock still moves, update fires, change does not.
  rec.clear();
  (void)aw.set_local_state(any_object{{"name", "a"}}, 6ms);
  EXPECT_EQ(aw.meta(own_id)->clock, 2u);
  EXPECT_TRUE(rec.change.empty());
  ASSERT_EQ(rec.update.size(), 1u);
  EXPECT_EQ(rec.update[0].changes, changes({}, {own_id}, {}));
}

TEST(Awareness, SetLocalStateNullRemovesAndBumpsTheClock) {
  awareness aw(own_id, 0ms);
  recorder rec(aw);
  EXPECT_EQ(aw.set_local_state(std::nullopt, 1ms), changes({}, {}, {own_id}));
  EXPECT_EQ(aw.local_state(), nullptr);
  EXPECT_EQ(aw.size(), 0u);
  EXPECT_EQ(aw.meta(own_id)->clock, 1u);
  EXPECT_EQ(aw.encode_update(ids{own_id}), update_of({{own_id, 1, "null"}}));
  EXPECT_FALSE(aw.encode_all().has_value());
  // As y-protocols: removing again still reports a removal and bumps the clock.
  EXPECT_EQ(aw.set_local_state(any(nullptr), 2ms), changes({}, {}, {own_id}));
  EXPECT_EQ(aw.meta(own_id)->clock, 2u);
  EXPECT_EQ(rec.change.size(), 2u);
  // Setting a state after a removal is an addition.
  EXPECT_EQ(aw.set_local_state(any_object{}, 3ms), changes({own_id}, {}, {}));
  EXPECT_EQ(aw.meta(own_id)->clock, 3u);
}

TEST(Awareness, ApplyAddsANewClient) {
  awareness aw(own_id, 0ms);
  recorder rec(aw);
  auto c = aw.apply_update(update_of({{2, 1, R"({"a":1})"}}), peer, 10ms);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(*c, changes({2}, {}, {}));
  ASSERT_NE(aw.state(2), nullptr);
  EXPECT_EQ(*aw.state(2), json(R"({"a":1})"));
  EXPECT_EQ(aw.meta(2), (awareness_meta{1, 10ms}));
  ASSERT_EQ(rec.change.size(), 1u);
  EXPECT_EQ(rec.change[0].o, peer);
  EXPECT_EQ(rec.update.size(), 1u);
}

TEST(Awareness, ClockZeroOfAnUnknownClientIsIgnored) {
  // y-protocols compares with 0 for an unknown client, so a peer's first state (clock 0, as every
  // Awareness starts) is only taken from its next update on.
  awareness aw(own_id, 0ms);
  recorder rec(aw);
  auto c = aw.apply_update(update_of({{2, 0, R"({"a":1})"}}), peer, 10ms);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->empty());
  EXPECT_EQ(aw.state(2), nullptr);
  EXPECT_FALSE(aw.meta(2).has_value());
  EXPECT_TRUE(rec.update.empty());
}

TEST(Awareness, ApplyAcceptsOnlyNewerClocks) {
  awareness aw(own_id, 0ms);
  ASSERT_TRUE(aw.apply_update(update_of({{2, 5, R"({"v":1})"}}), peer, 1ms));
  recorder rec(aw);
  // Older and equal clocks with a state are ignored, without events.
  auto older = aw.apply_update(update_of({{2, 4, R"({"v":2})"}}), peer, 2ms);
  ASSERT_TRUE(older);
  EXPECT_TRUE(older->empty());
  auto equal = aw.apply_update(update_of({{2, 5, R"({"v":3})"}}), peer, 3ms);
  ASSERT_TRUE(equal);
  EXPECT_TRUE(equal->empty());
  EXPECT_EQ(*aw.state(2), json(R"({"v":1})"));
  EXPECT_EQ(aw.meta(2), (awareness_meta{5, 1ms}));
  EXPECT_TRUE(rec.update.empty());
  EXPECT_TRUE(rec.change.empty());
  // A newer clock is taken.
  auto newer = aw.apply_update(update_of({{2, 6, R"({"v":4})"}}), peer, 4ms);
  ASSERT_TRUE(newer);
  EXPECT_EQ(*newer, changes({}, {2}, {}));
  EXPECT_EQ(*aw.state(2), json(R"({"v":4})"));
  EXPECT_EQ(aw.meta(2), (awareness_meta{6, 4ms}));
  EXPECT_EQ(rec.change.size(), 1u);
}

TEST(Awareness, ApplySameContentFiresUpdateButNotChange) {
  awareness aw(own_id, 0ms);
  ASSERT_TRUE(aw.apply_update(update_of({{2, 1, R"({"v":1,"w":[1,2]})"}}), peer, 1ms));
  recorder rec(aw);
  // Same value, other key order: equal as y-protocols' equalityDeep sees it.
  auto c = aw.apply_update(update_of({{2, 2, R"({"w":[1,2],"v":1})"}}), peer, 2ms);
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, changes({}, {2}, {}));
  EXPECT_TRUE(rec.change.empty());
  ASSERT_EQ(rec.update.size(), 1u);
  EXPECT_EQ(aw.meta(2), (awareness_meta{2, 2ms}));
}

TEST(Awareness, EqualClockNullRemovesAnExistingState) {
  awareness aw(own_id, 0ms);
  ASSERT_TRUE(aw.apply_update(update_of({{2, 3, "{}"}}), peer, 1ms));
  recorder rec(aw);
  auto c = aw.apply_update(update_of({{2, 3, "null"}}), peer, 2ms);
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, changes({}, {}, {2}));
  EXPECT_EQ(aw.state(2), nullptr);
  EXPECT_EQ(aw.meta(2), (awareness_meta{3, 2ms}));
  EXPECT_EQ(rec.change.size(), 1u);
  EXPECT_EQ(rec.update.size(), 1u);
  // Once removed, another equal-clock null is not accepted (there is no state to remove).
  auto again = aw.apply_update(update_of({{2, 3, "null"}}), peer, 3ms);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(aw.meta(2)->last_updated, 2ms);
}

TEST(Awareness, OlderClockNullDoesNotRemove) {
  awareness aw(own_id, 0ms);
  ASSERT_TRUE(aw.apply_update(update_of({{2, 3, "{}"}}), peer, 1ms));
  auto c = aw.apply_update(update_of({{2, 2, "null"}}), peer, 2ms);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->empty());
  EXPECT_NE(aw.state(2), nullptr);
}

TEST(Awareness, NullForAnUnknownClientRecordsItsClockOnly) {
  awareness aw(own_id, 0ms);
  recorder rec(aw);
  auto c = aw.apply_update(update_of({{9, 4, "null"}}), peer, 1ms);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->empty());
  EXPECT_TRUE(rec.update.empty());
  EXPECT_EQ(aw.meta(9), (awareness_meta{4, 1ms}));
  // A stale state for that client can no longer come back.
  auto stale = aw.apply_update(update_of({{9, 4, "{}"}}), peer, 2ms);
  ASSERT_TRUE(stale);
  EXPECT_TRUE(stale->empty());
  EXPECT_EQ(aw.state(9), nullptr);
  // A newer one can; y-protocols reports it as updated (the client has a meta).
  auto back = aw.apply_update(update_of({{9, 5, "{}"}}), peer, 3ms);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, changes({}, {9}, {}));
}

TEST(Awareness, RemoteRemovalOfOurStateIsRefusedAndOutbid) {
  awareness aw(own_id, 0ms);
  (void)aw.set_local_state(any_object{{"me", true}}, 1ms);  // clock 1
  recorder rec(aw);
  auto c = aw.apply_update(update_of({{own_id, 7, "null"}}), peer, 2ms);
  ASSERT_TRUE(c);
  ASSERT_NE(aw.local_state(), nullptr);
  EXPECT_EQ(*aw.local_state(), json(R"({"me":true})"));
  EXPECT_EQ(aw.meta(own_id), (awareness_meta{8, 2ms}));
  // Reported as removed, as y-protocols does: that is what makes a server re-broadcast our entry,
  // which now wins over the removal.
  EXPECT_EQ(*c, changes({}, {}, {own_id}));
  EXPECT_EQ(aw.encode_update(ids{own_id}), update_of({{own_id, 8, R"({"me":true})"}}));
  // Equal-clock removal: also refused.
  auto eq = aw.apply_update(update_of({{own_id, 8, "null"}}), peer, 3ms);
  ASSERT_TRUE(eq);
  EXPECT_EQ(aw.meta(own_id)->clock, 9u);
  EXPECT_NE(aw.local_state(), nullptr);
}

TEST(Awareness, RemoteUpdateOfOurIdWithANewerClockIsTaken) {
  // y-protocols accepts it (another tab with the same client id); so do we.
  awareness aw(own_id, 0ms);
  auto c = aw.apply_update(update_of({{own_id, 3, R"({"x":1})"}}), peer, 1ms);
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, changes({}, {own_id}, {}));
  EXPECT_EQ(*aw.local_state(), json(R"({"x":1})"));
  (void)aw.set_local_state(any_object{}, 2ms);
  EXPECT_EQ(aw.meta(own_id)->clock, 4u);
}

TEST(Awareness, InvalidJsonRejectsTheWholeUpdate) {
  awareness aw(own_id, 0ms);
  ASSERT_TRUE(aw.apply_update(update_of({{2, 1, R"({"v":1})"}}), peer, 1ms));
  recorder rec(aw);
  auto c = aw.apply_update(update_of({{2, 2, R"({"v":2})"}, {3, 1, "{}"}, {4, 1, "{oops"}}), peer, 2ms);
  EXPECT_EQ(c.error(), errc::invalid_json);
  EXPECT_EQ(*aw.state(2), json(R"({"v":1})"));
  EXPECT_EQ(aw.meta(2), (awareness_meta{1, 1ms}));
  EXPECT_EQ(aw.state(3), nullptr);
  EXPECT_FALSE(aw.meta(3).has_value());
  EXPECT_TRUE(rec.update.empty());
  EXPECT_TRUE(rec.change.empty());
  // Empty text is not JSON either (JSON.parse('') throws).
  EXPECT_EQ(aw.apply_update(update_of({{3, 1, ""}}), peer, 3ms).error(), errc::invalid_json);
}

TEST(Awareness, TruncatedUpdateChangesNothing) {
  awareness aw(own_id, 0ms);
  auto full = update_of({{2, 1, "{}"}, {3, 1, R"({"long":"value"})"}});
  for (std::size_t n = 0; n < full.size(); ++n) {
    bytes prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    auto c = aw.apply_update(prefix, peer, 1ms);
    EXPECT_FALSE(c) << n;
    EXPECT_EQ(aw.state(2), nullptr) << n;
    EXPECT_FALSE(aw.meta(2).has_value()) << n;
  }
  ASSERT_TRUE(aw.apply_update(full, peer, 1ms));
  EXPECT_EQ(aw.size(), 3u);
}

TEST(Awareness, HugeDeclaredCountIsAnErrorNotAnAllocation) {
  awareness aw(own_id, 0ms);
  bytes u{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x02, 0x01, 0x02, '{', '}'};
  EXPECT_EQ(aw.apply_update(u, peer, 1ms).error(), errc::unexpected_end_of_buffer);
  EXPECT_EQ(aw.state(2), nullptr);
}

TEST(Awareness, TrailingBytesAfterTheEntriesAreIgnored) {
  awareness aw(own_id, 0ms);
  auto u = update_of({{2, 1, "{}"}});
  u.push_back(0x42);
  ASSERT_TRUE(aw.apply_update(u, peer, 1ms));
  EXPECT_NE(aw.state(2), nullptr);
}

TEST(Awareness, AClientListedTwiceIsProcessedInOrder) {
  awareness aw(own_id, 0ms);
  auto c = aw.apply_update(update_of({{2, 1, R"({"a":1})"}, {2, 2, R"({"a":2})"}, {2, 2, "null"}}), peer, 1ms);
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, changes({2}, {2}, {2}));
  EXPECT_EQ(aw.state(2), nullptr);
  EXPECT_EQ(aw.meta(2)->clock, 2u);
}

TEST(Awareness, RemoveStates) {
  awareness aw(own_id, 0ms);
  ASSERT_TRUE(aw.apply_update(update_of({{2, 4, "{}"}, {3, 1, "{}"}}), peer, 1ms));
  recorder rec(aw);
  const ids to_remove{2, 99, own_id};
  auto c = aw.remove_states(to_remove, peer, 5ms);
  EXPECT_EQ(c, changes({}, {}, {2, own_id}));
  EXPECT_EQ(aw.state(2), nullptr);
  EXPECT_EQ(aw.local_state(), nullptr);
  EXPECT_NE(aw.state(3), nullptr);
  // A remote's clock is kept; ours moves on.
  EXPECT_EQ(aw.meta(2), (awareness_meta{4, 1ms}));
  EXPECT_EQ(aw.meta(own_id), (awareness_meta{1, 5ms}));
  ASSERT_EQ(rec.change.size(), 1u);
  EXPECT_EQ(rec.change[0].o, peer);
  EXPECT_EQ(rec.update.size(), 1u);
  // Nothing left to remove: no events.
  rec.clear();
  EXPECT_TRUE(aw.remove_states(to_remove, peer, 6ms).empty());
  EXPECT_TRUE(rec.update.empty());
  EXPECT_TRUE(rec.change.empty());
}

TEST(Awareness, TickRenewsOurStateAtHalfTheTimeout) {
  awareness aw(own_id, 0ms);
  recorder rec(aw);
  auto r = aw.tick(14999ms);
  EXPECT_FALSE(r.renewed);
  EXPECT_EQ(aw.meta(own_id)->clock, 0u);
  r = aw.tick(15000ms);
  EXPECT_TRUE(r.renewed);
  EXPECT_EQ(aw.meta(own_id), (awareness_meta{1, 15000ms}));
  ASSERT_EQ(rec.update.size(), 1u);
  EXPECT_EQ(rec.update[0].o, local_origin);
  EXPECT_EQ(rec.update[0].changes, changes({}, {own_id}, {}));
  EXPECT_TRUE(rec.change.empty());  // same state
  // The next renewal is 15 s after this one.
  EXPECT_FALSE(aw.tick(29999ms).renewed);
  EXPECT_TRUE(aw.tick(30000ms).renewed);
}

TEST(Awareness, TickDoesNotRenewARemovedState) {
  awareness aw(own_id, 0ms);
  (void)aw.set_local_state(std::nullopt, 0ms);
  auto r = aw.tick(60000ms);
  EXPECT_FALSE(r.renewed);
  EXPECT_EQ(aw.meta(own_id)->clock, 1u);
}

TEST(Awareness, TickRemovesOutdatedRemoteStates) {
  awareness aw(own_id, 0ms);
  ASSERT_TRUE(aw.apply_update(update_of({{3, 1, "{}"}}), peer, 1000ms));
  ASSERT_TRUE(aw.apply_update(update_of({{2, 1, "{}"}}), peer, 1000ms));
  ASSERT_TRUE(aw.apply_update(update_of({{4, 1, "{}"}}), peer, 20000ms));
  recorder rec(aw);
  auto r = aw.tick(30999ms);
  EXPECT_TRUE(r.renewed);  // ours was 31 s old
  EXPECT_TRUE(r.timed_out.empty());
  EXPECT_EQ(aw.size(), 4u);
  r = aw.tick(31000ms);
  EXPECT_FALSE(r.renewed);
  // Removed in meta order (first seen first), with origin timeout.
  EXPECT_EQ(r.timed_out, changes({}, {}, {3, 2}));
  EXPECT_EQ(aw.state(3), nullptr);
  EXPECT_EQ(aw.state(2), nullptr);
  EXPECT_NE(aw.state(4), nullptr);
  ASSERT_FALSE(rec.update.empty());
  EXPECT_EQ(rec.update.back().o, timeout_origin);
  EXPECT_EQ(rec.update.back().changes, changes({}, {}, {3, 2}));
  // Our own state is renewed, never timed out.
  EXPECT_NE(aw.local_state(), nullptr);
}

TEST(Awareness, CustomOutdatedTimeout) {
  awareness aw(own_id, 0ms, {.outdated_timeout = 1000ms});
  ASSERT_TRUE(aw.apply_update(update_of({{2, 1, "{}"}}), peer, 0ms));
  auto r = aw.tick(999ms);
  EXPECT_TRUE(r.renewed);  // 500 ms is half the timeout
  EXPECT_TRUE(r.timed_out.empty());
  r = aw.tick(1000ms);
  EXPECT_EQ(r.timed_out, changes({}, {}, {2}));
}

TEST(Awareness, TimeGoingBackwardsDoesNothing) {
  awareness aw(own_id, 50000ms);
  ASSERT_TRUE(aw.apply_update(update_of({{2, 1, "{}"}}), peer, 50000ms));
  auto r = aw.tick(0ms);
  EXPECT_FALSE(r.renewed);
  EXPECT_TRUE(r.timed_out.empty());
}

TEST(Awareness, EncodeAllFollowsInsertionOrder) {
  awareness aw(5, 0ms);
  ASSERT_TRUE(aw.apply_update(update_of({{9, 1, "{}"}, {2, 1, "{}"}}), peer, 0ms));
  EXPECT_EQ(aw.client_ids(), (ids{5, 9, 2}));
  // Updating keeps the position; removal and re-adding moves to the end.
  ASSERT_TRUE(aw.apply_update(update_of({{9, 2, R"({"x":1})"}}), peer, 0ms));
  EXPECT_EQ(aw.client_ids(), (ids{5, 9, 2}));
  (void)aw.set_local_state(std::nullopt, 0ms);
  (void)aw.set_local_state(any_object{}, 0ms);
  EXPECT_EQ(aw.client_ids(), (ids{9, 2, 5}));
  auto all = aw.encode_all();
  ASSERT_TRUE(all);
  EXPECT_EQ(*all, update_of({{9, 2, R"({"x":1})"}, {2, 1, "{}"}, {5, 2, "{}"}}));
}

TEST(Awareness, EncodeUpdateWritesStatesAsJsonStringify) {
  awareness aw(1, 0ms);
  const char* text = R"({"user":{"name":"Zoë","color":"#ff0","n":1.5,"big":1e+21,"list":[true,null,"a\"b\n"]}})";
  ASSERT_TRUE(aw.apply_update(update_of({{2, 1, text}}), peer, 0ms));
  EXPECT_EQ(aw.encode_update(ids{2}), update_of({{2, 1, text}}));
  // Whitespace and -0 are normalised, as JSON.stringify(JSON.parse(text)) would.
  ASSERT_TRUE(aw.apply_update(update_of({{3, 1, R"( { "a" : -0 , "b" : [ 1 , 2 ] } )"}}), peer, 0ms));
  EXPECT_EQ(aw.encode_update(ids{3}), update_of({{3, 1, R"({"a":0,"b":[1,2]})"}}));
}

TEST(Awareness, EncodeUpdateOfAnUnknownClientWritesNull) {
  awareness aw(1, 0ms);
  EXPECT_EQ(aw.encode_update(ids{1, 42}), update_of({{1, 0, "{}"}, {42, 0, "null"}}));
}

TEST(Awareness, NonObjectStatesAndFalsyStates) {
  awareness aw(1, 0ms);
  ASSERT_TRUE(aw.apply_update(update_of({{2, 1, "42"}, {3, 1, "0"}, {4, 1, R"("")"}, {5, 1, "false"}}), peer, 0ms));
  EXPECT_EQ(aw.size(), 5u);
  // `states.get(id) || null`: falsy states encode as null.
  EXPECT_EQ(aw.encode_update(ids{2, 3, 4, 5}),
            update_of({{2, 1, "42"}, {3, 1, "null"}, {4, 1, "null"}, {5, 1, "null"}}));
  // A falsy local state counts as none: not renewed, and removable by a peer.
  (void)aw.set_local_state(any(0), 0ms);
  EXPECT_EQ(aw.local_state(), nullptr);
  EXPECT_NE(aw.state(1), nullptr);
  EXPECT_FALSE(aw.tick(20000ms).renewed);
  ASSERT_TRUE(aw.apply_update(update_of({{1, 9, "null"}}), peer, 0ms));
  EXPECT_EQ(aw.state(1), nullptr);
  EXPECT_EQ(aw.meta(1)->clock, 9u);
}

TEST(Awareness, ClocksSaturate) {
  constexpr auto max = std::numeric_limits<std::uint64_t>::max();
  awareness aw(own_id, 0ms);
  ASSERT_TRUE(aw.apply_update(update_of({{own_id, max, "null"}}), peer, 1ms));
  EXPECT_EQ(aw.meta(own_id)->clock, max);
  EXPECT_NE(aw.local_state(), nullptr);
  (void)aw.set_local_state(any_object{}, 2ms);
  EXPECT_EQ(aw.meta(own_id)->clock, max);
}

TEST(Awareness, SetLocalStateField) {
  awareness aw(own_id, 0ms);
  aw.set_local_state_field("b", 1, 1ms);
  aw.set_local_state_field("a", "x", 2ms);
  aw.set_local_state_field("b", 2, 3ms);
  EXPECT_EQ(aw.encode_update(ids{own_id}), update_of({{own_id, 3, R"({"b":2,"a":"x"})"}}));
  (void)aw.set_local_state(std::nullopt, 4ms);
  aw.set_local_state_field("c", 3, 5ms);  // no local state: nothing happens
  EXPECT_EQ(aw.local_state(), nullptr);
  EXPECT_EQ(aw.meta(own_id)->clock, 4u);
}

TEST(Awareness, SubscriptionsCanBeDroppedFromAHandlerAndOutliveTheAwareness) {
  crdt::subscription late;
  int calls = 0;
  {
    awareness aw(own_id, 0ms);
    crdt::subscription self;
    self = aw.on_update([&](const awareness_changes&, origin) {
      ++calls;
      self.reset();
    });
    late = aw.on_change([](const awareness_changes&, origin) {});
    (void)aw.set_local_state(any_object{{"x", 1}}, 1ms);
    (void)aw.set_local_state(any_object{{"x", 2}}, 2ms);
  }
  EXPECT_EQ(calls, 1);
  late.reset();  // the awareness is gone: a no-op
}

TEST(Awareness, ChangeFiresBeforeUpdate) {
  awareness aw(own_id, 0ms);
  std::vector<std::string> order;
  auto a = aw.on_update([&](const awareness_changes&, origin) { order.push_back("update"); });
  auto b = aw.on_change([&](const awareness_changes&, origin) { order.push_back("change"); });
  (void)aw.set_local_state(any_object{{"x", 1}}, 1ms);
  EXPECT_EQ(order, (std::vector<std::string>{"change", "update"}));
}

TEST(AwarenessUpdate, DecodeAndDisconnect) {
  auto u = update_of({{1234, 5, "null"}});
  // pycrdt-websocket's example disconnect message body.
  EXPECT_EQ(test::hex(encode_awareness_message(u)), "010901d20905046e756c6c");
  EXPECT_TRUE(is_awareness_disconnect(u));
  EXPECT_FALSE(is_awareness_disconnect(update_of({{1, 1, "{}"}})));
  EXPECT_FALSE(is_awareness_disconnect(update_of({{1, 1, "null"}, {2, 1, "null"}})));
  EXPECT_FALSE(is_awareness_disconnect(bytes{0x01}));
  auto entries = decode_awareness_update(u);
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0], (awareness_entry{1234, 5, "null"}));
}

TEST(AwarenessUpdate, InvalidUtf8IsReplacedAsTextDecoderDoes) {
  bytes u{0x01, 0x02, 0x01, 0x05, '"', 'a', 0xff, 'b', '"'};
  auto entries = decode_awareness_update(u);
  ASSERT_TRUE(entries);
  EXPECT_EQ((*entries)[0].json, "\"a\xef\xbf\xbd" "b\"");
}

TEST(ControlledClients, TracksAddedAndUpdatedMinusRemoved) {
  controlled_clients cc;
  cc.track(changes({5, 3}, {}, {}));
  cc.track(changes({}, {7, 3}, {}));
  EXPECT_EQ(cc.ids(), (ids{3, 5, 7}));
  cc.track(changes({}, {}, {5, 42}));
  EXPECT_EQ(cc.ids(), (ids{3, 7}));
  EXPECT_FALSE(cc.empty());
}

}  // namespace
}  // namespace yws::protocol
