// The local editing API (array, map, text, nested types) and transactions / update events.
// Expected bytes were produced by yjs 13.6.33 with clientID 1 doing the same operations.
#include <gtest/gtest.h>

#include "test_util.hpp"
#include "yws/crdt/doc.hpp"
#include "yws/encoding/json.hpp"

namespace yws::crdt {
namespace {

using test::from_hex;
using test::state_hex;
using test::to_hex;
using test::with_client;
std::string hex(std::string_view h) { return to_hex(from_hex(h)); }
std::string json(const encoding::any& v) { return encoding::to_json(v); }

TEST(ArrayApi, PushGoesAfterTrailingTombstones) {
  doc d(with_client(1));
  auto a = d.get_array("a");
  a.insert(0, {1, 2, 3});
  a.erase(2, 1);
  a.push({4});
  EXPECT_EQ(json(a.to_json()), "[1,2,4]");
  EXPECT_EQ(state_hex(d), hex("0103010008010161027d017d0281010101880102017d040101010201"));
}

TEST(ArrayApi, InsertAtEndStaysBeforeTombstones) {
  doc d(with_client(1));
  auto a = d.get_array("a");
  a.insert(0, {1, 2, 3});
  a.erase(2, 1);
  a.insert(2, {4});
  EXPECT_EQ(json(a.to_json()), "[1,2,4]");
  EXPECT_EQ(state_hex(d), hex("0103010008010161027d017d0281010101c801010102017d040101010201"));
}

TEST(ArrayApi, ValuesArePackedAsYjsPacksThem) {
  doc d(with_client(1));
  auto a = d.get_array("a");
  a.insert(0, {1, encoding::bytes{9}, "x", encoding::any_object{{"a", 1}}, encoding::bytes{8}});
  EXPECT_EQ(state_hex(d), hex("0104010008010161017d01830100010988010102770178760101617d01830103010800"));
  EXPECT_EQ(a.size(), 5u);
  EXPECT_EQ(std::get<encoding::any>(a.get(1)), encoding::any(encoding::bytes{9}));
  EXPECT_EQ(std::get<encoding::any>(a.get(2)), encoding::any("x"));
  EXPECT_THROW((void)a.get(5), std::out_of_range);
  EXPECT_THROW(a.insert(6, {1}), std::out_of_range);
  EXPECT_THROW(a.erase(4, 2), std::out_of_range);
}

TEST(ArrayApi, NestedTypes) {
  doc d(with_client(1));
  auto a = d.get_array("a");
  auto m = a.insert_type(0, type_kind::map).as_map();
  m.set("k", "v");
  auto t = a.insert_type(1, type_kind::text).as_text();
  t.insert(0, "hi");
  auto x = a.insert_type(2, type_kind::xml_fragment);
  EXPECT_EQ(x.kind(), type_kind::xml_fragment);
  EXPECT_EQ(json(a.to_json()), R"([{"k":"v"},"hi",""])");
  EXPECT_EQ(state_hex(d), hex("01050100070101610128000100016b0177017687010002040001020268698701020400"));
  const value v = a.get(1);
  ASSERT_TRUE(std::holds_alternative<shared_type>(v));
  EXPECT_EQ(std::get<shared_type>(v).as_text().to_string(), "hi");
  EXPECT_EQ(json(d.to_json()), R"({"a":[{"k":"v"},"hi",""]})");
}

TEST(ArrayApi, TransactionGroupsOperations) {
  doc d(with_client(1));
  test::update_log log(d);
  auto a = d.get_array("a");
  d.transact([&] {
    a.insert(0, {1});
    a.insert(1, {2});
    a.insert(0, {0});
    a.erase(1, 1);
  });
  ASSERT_EQ(log.updates.size(), 1u);
  EXPECT_EQ(to_hex(log.updates[0]), hex("010301000101016101880100017d02480100017d000101010001"));
  EXPECT_EQ(json(a.to_json()), "[0,2]");
}

TEST(MapApi, SetGetEraseKeys) {
  doc d(with_client(1));
  auto m = d.get_map("m");
  m.set("a", 1);
  auto b = m.set_type("b", type_kind::array).as_array();
  b.insert(0, {"q"});
  m.erase("a");
  m.set_type("c", type_kind::text).as_text().insert(0, "zz");
  EXPECT_EQ(state_hex(d), hex("010501002101016d0161012701016d01620008000101017701712701016d01630204000103027a7a0101010001"));
  EXPECT_EQ(json(m.to_json()), R"({"b":["q"],"c":"zz"})");
  EXPECT_EQ(m.keys(), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(m.size(), 2u);
  EXPECT_FALSE(m.contains("a"));
  EXPECT_FALSE(m.get("a").has_value());
  EXPECT_TRUE(m.contains("b"));
  m.erase("missing");  // no change, no error
}

TEST(TextApi, InsertSkipsTombstones) {
  doc d(with_client(1));
  auto t = d.get_text("t");
  t.insert(0, "abc");
  t.erase(1, 1);
  t.insert(1, "X");
  EXPECT_EQ(t.to_string(), "aXc");
  EXPECT_EQ(state_hex(d), hex("01040100040101740161810100018401010163c40101010201580101010101"));
}

TEST(TextApi, DeleteAndInsertAtStart) {
  doc d(with_client(1));
  auto t = d.get_text("t");
  t.insert(0, "hello world");
  t.erase(0, 6);
  t.insert(5, "!");
  t.insert(0, ">");
  EXPECT_EQ(t.to_string(), ">world!");
  EXPECT_EQ(t.length(), 7u);
  EXPECT_EQ(json(t.to_delta()), R"([{"insert":">world!"}])");
  EXPECT_EQ(state_hex(d), hex("01030100010101740684010506776f726c6421c401050106013e0101010006"));
}

TEST(TextApi, Utf16Indices) {
  doc d(with_client(1));
  auto t = d.get_text("t");
  t.insert(0, "\xE2\x82\xAC\xF0\x9F\x98\x80x");  // "€😀x": 1 + 2 + 1 UTF-16 units
  EXPECT_EQ(t.length(), 4u);
  t.erase(1, 2);
  EXPECT_EQ(t.to_string(), "\xE2\x82\xAC" "x");
  t.insert(100, "end");  // past the end: appended, as Yjs does
  EXPECT_EQ(t.to_string(), "\xE2\x82\xAC" "xend");
  t.erase(3, 100);  // clamped
  EXPECT_EQ(t.to_string(), "\xE2\x82\xAC" "xe");
}

TEST(Transactions, OneEventPerOutermostTransactionWithOrigin) {
  doc d(with_client(1));
  test::update_log log(d);
  int tag = 0;
  d.transact(
      [&] {
        d.get_text("t").insert(0, "a");
        d.transact([&] { d.get_map("m").set("k", 1); });
        d.get_array("a").push({true});
      },
      &tag);
  ASSERT_EQ(log.updates.size(), 1u);
  EXPECT_EQ(log.origins[0], &tag);
  // The event equals what a peer needs: applying it elsewhere reproduces the doc.
  doc e(with_client(2));
  ASSERT_TRUE(apply_update_v1(e, log.updates[0]));
  EXPECT_EQ(json(e.to_json()), "{}");  // roots are untyped until opened
  e.get_text("t");
  e.get_map("m");
  e.get_array("a");
  EXPECT_EQ(e.to_json(), d.to_json());
}

TEST(Transactions, NoEventWithoutChange) {
  doc d(with_client(1));
  test::update_log log(d);
  d.transact([] {});
  d.get_text("t").insert(0, "");
  d.get_text("t").erase(0, 0);
  d.get_array("a").insert(0, {});
  d.get_map("m").erase("nothing");
  EXPECT_TRUE(log.updates.empty());
  const auto empty = encode_state_as_update_v1(d);
  ASSERT_TRUE(apply_update_v1(d, empty));
  ASSERT_TRUE(apply_update_v1(d, from_hex("00 00")));
  EXPECT_TRUE(log.updates.empty());
}

TEST(Transactions, RemoteUpdatesAreReencodedWithTheirOrigin) {
  doc a(with_client(1));
  a.get_text("t").insert(0, "abc");
  doc b(with_client(2));
  test::update_log log(b);
  int remote = 0;
  ASSERT_TRUE(apply_update_v1(b, encode_state_as_update_v1(a), &remote));
  ASSERT_EQ(log.updates.size(), 1u);
  EXPECT_EQ(log.origins[0], &remote);
  EXPECT_EQ(log.updates[0], encode_state_as_update_v1(a));
  // Applying it again changes nothing: no event.
  ASSERT_TRUE(apply_update_v1(b, encode_state_as_update_v1(a), &remote));
  EXPECT_EQ(log.updates.size(), 1u);
}

TEST(Transactions, UnsubscribeStopsEvents) {
  doc d(with_client(1));
  int calls = 0;
  auto sub = d.on_update([&](std::span<const std::uint8_t>, origin) { ++calls; });
  d.get_text("t").insert(0, "a");
  sub.reset();
  d.get_text("t").insert(0, "b");
  EXPECT_EQ(calls, 1);
}

TEST(Transactions, HandlerMayEditTheDoc) {
  doc d(with_client(1));
  std::vector<std::string> seen;
  auto sub = d.on_update([&](std::span<const std::uint8_t> u, origin) {
    seen.push_back(to_hex(u));
    if (seen.size() == 1) d.get_map("m").set("echo", true);  // a new transaction, cleaned up after
  });
  d.get_text("t").insert(0, "x");
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_TRUE(d.get_map("m").contains("echo"));
}

TEST(Transactions, ExceptionStillCommits) {
  doc d(with_client(1));
  test::update_log log(d);
  EXPECT_THROW(d.transact([&] {
    d.get_text("t").insert(0, "a");
    throw std::runtime_error("boom");
  }),
               std::runtime_error);
  EXPECT_EQ(log.updates.size(), 1u);
  d.get_text("t").insert(1, "b");
  EXPECT_EQ(d.get_text("t").to_string(), "ab");
}

TEST(Transactions, RemoteUseOfOurClientIdChangesIt) {
  doc a(with_client(42));
  a.get_text("t").insert(0, "hi");
  doc b(with_client(42));
  ASSERT_TRUE(apply_update_v1(b, encode_state_as_update_v1(a)));
  EXPECT_NE(b.client_id(), 42u);
  EXPECT_LT(b.client_id(), std::uint64_t{1} << 53);
}

TEST(DocApi, OptionsAndRoots) {
  doc d;
  EXPECT_LT(d.client_id(), std::uint64_t{1} << 53);
  EXPECT_EQ(d.guid().size(), 36u);
  EXPECT_TRUE(d.gc_enabled());
  doc::options o;
  o.guid = "my-guid";
  o.gc = false;
  doc e(o);
  EXPECT_EQ(e.guid(), "my-guid");
  EXPECT_FALSE(e.gc_enabled());
  e.get_text("t");
  EXPECT_THROW(e.get_array("t"), std::logic_error);
  EXPECT_EQ(e.get_text("t"), e.get_text("t"));
}

TEST(DocApi, UntypedRootIsUpgraded) {
  doc a(with_client(1));
  a.get_array("list").push({1, 2});
  doc b(with_client(2));
  ASSERT_TRUE(apply_update_v1(b, encode_state_as_update_v1(a)));
  EXPECT_EQ(json(b.to_json()), "{}");
  auto list = b.get_array("list");
  EXPECT_EQ(list.size(), 2u);
  EXPECT_EQ(json(list.to_json()), "[1,2]");
  list.push({3});
  EXPECT_EQ(json(b.to_json()), R"({"list":[1,2,3]})");
}

TEST(DocApi, DeletedTypeHandlesStayUsable) {
  doc d(with_client(1));
  auto a = d.get_array("a");
  auto inner = a.push_type(type_kind::text).as_text();
  inner.insert(0, "abc");
  a.erase(0, 1);
  EXPECT_EQ(inner.to_string(), "");
  EXPECT_EQ(inner.length(), 0u);
  inner.insert(0, "zzz");  // edits a deleted type: stored as deleted, as in Yjs
  EXPECT_EQ(inner.to_string(), "");
  doc e(with_client(2));
  ASSERT_TRUE(apply_update_v1(e, encode_state_as_update_v1(d)));
  EXPECT_EQ(json(e.get_array("a").to_json()), "[]");
}

TEST(StateVector, EncodingAndDeleteSets) {
  state_vector sv;
  sv.set(1, 3);
  sv.set(300, 5);
  EXPECT_EQ(to_hex(sv.encode_v1()), hex("02 ac 02 05 01 03"));
  auto back = state_vector::decode_v1(sv.encode_v1());
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, sv);
  EXPECT_FALSE(state_vector::decode_v1(from_hex("01 01")));
  delete_set ds;
  ds.add(1, 5, 2);
  ds.add(1, 0, 3);
  ds.add(1, 3, 1);
  ds.add(2, 0, 1);
  ds.sort_and_merge();
  EXPECT_TRUE(ds.contains({1, 0}));
  EXPECT_TRUE(ds.contains({1, 6}));
  EXPECT_FALSE(ds.contains({1, 4}));
  EXPECT_EQ(to_hex(ds.encode_v1()), hex("02 02 01 00 01 01 02 00 04 05 02"));
  auto ds2 = delete_set::decode_v1(ds.encode_v1());
  ASSERT_TRUE(ds2);
  EXPECT_EQ(*ds2, ds);
}

TEST(DocApi, DescribeUpdate) {
  auto text = describe_update_v1(from_hex("01 03 01 00 04 01 01 74 01 61 84 01 00 02 62 63 c4 01 00 01 01 01 58 00"));
  ASSERT_TRUE(text);
  EXPECT_NE(text->find("String\"bc\""), std::string::npos) << *text;
  EXPECT_NE(text->find("origin=(1,0) right=(1,1)"), std::string::npos) << *text;
  EXPECT_FALSE(describe_update_v1(from_hex("01 03 01")));
}


TEST(Transactions, RevisionMovesWithEveryEditAndAppliedUpdate) {
  doc a(with_client(1));
  a.get_text("t").insert(0, "ab");
  const auto first = encode_state_as_update_v1(a);
  a.get_text("t").insert(2, "c");
  const auto second = encode_state_as_update_v1(a, [&] {
    state_vector sv;
    sv.set(1, 2);
    return sv;
  }());

  doc b(with_client(2));
  auto r0 = b.revision();
  // An update whose dependency is missing changes only the pending data: the revision moves all
  // the same, because the doc's full encoding (which merges pending data) changed.
  ASSERT_TRUE(apply_update_v1(b, second));
  ASSERT_TRUE(b.has_pending());
  auto r1 = b.revision();
  EXPECT_NE(r1, r0);
  // A malformed update changes nothing, the revision included.
  const std::vector<std::uint8_t> junk{0x01, 0x05};
  EXPECT_FALSE(apply_update_v1(b, junk));
  EXPECT_EQ(b.revision(), r1);
  // Neither does an empty update (what a client with an empty doc sends as its sync step 2), so
  // the server's shared step 2 survives every client that joins.
  doc empty(with_client(3));
  ASSERT_TRUE(apply_update_v1(b, encode_state_as_update_v1(empty)));
  EXPECT_EQ(b.revision(), r1);
  ASSERT_TRUE(b.has_pending());
  ASSERT_TRUE(apply_update_v1(b, first));
  EXPECT_NE(b.revision(), r1);
  auto r2 = b.revision();
  b.get_text("t").insert(0, "x");
  EXPECT_NE(b.revision(), r2);
}

}  // namespace
}  // namespace yws::crdt
