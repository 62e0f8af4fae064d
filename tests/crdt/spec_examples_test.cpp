// The verified byte examples of yjs-spec.md §2.6 (A..M), §5.5 and §6.2, made by local edits,
// decoded, integrated and re-encoded.
#include <gtest/gtest.h>

#include "test_util.hpp"
#include "yws/crdt/doc.hpp"

namespace yws::crdt {
namespace {

using test::from_hex;
using test::state_hex;
using test::to_hex;
using test::with_client;

// Applies `bytes` to a fresh doc and expects it to re-encode to the same bytes.
void expect_roundtrip(std::string_view hex) {
  const auto bytes = from_hex(hex);
  doc d(with_client(999));
  ASSERT_TRUE(apply_update_v1(d, bytes));
  EXPECT_EQ(state_hex(d), to_hex(bytes));
}

TEST(SpecExamples, TextInsertSplitDelete) {
  doc d(with_client(1));
  auto t = d.get_text("t");
  t.insert(0, "abc");
  const char* a = "01 01 01 00 04 01 01 74 03 61 62 63 00";
  EXPECT_EQ(state_hex(d), to_hex(from_hex(a)));
  t.insert(1, "X");
  const char* b = "01 03 01 00 04 01 01 74 01 61 84 01 00 02 62 63 c4 01 00 01 01 01 58 00";
  EXPECT_EQ(state_hex(d), to_hex(from_hex(b)));
  t.erase(0, 2);
  EXPECT_EQ(t.to_string(), "bc");
  const char* c = "01 03 01 00 01 01 01 74 01 84 01 00 02 62 63 c1 01 00 01 01 01 01 01 02 00 01 03 01";
  EXPECT_EQ(state_hex(d), to_hex(from_hex(c)));
  expect_roundtrip(a);
  expect_roundtrip(b);
  expect_roundtrip(c);
}

TEST(SpecExamples, MapValues) {
  {
    doc d(with_client(2));
    d.get_map("m").set("i", 42);
    EXPECT_EQ(state_hex(d), to_hex(from_hex("01 01 02 00 28 01 01 6d 01 69 01 7d 2a 00")));
  }
  {
    doc d(with_client(1));
    auto m = d.get_map("m");
    m.set("k", "v");
    m.set("k", "w");
    EXPECT_EQ(state_hex(d), to_hex(from_hex("01 02 01 00 21 01 01 6d 01 6b 01 a8 01 00 01 77 01 77 01 01 01 00 01")));
    EXPECT_EQ(m.to_json(), encoding::any(encoding::any_object{{"k", "w"}}));
  }
  {
    doc d(with_client(1));
    d.get_map("m").set("u8", encoding::bytes{1, 2});
    EXPECT_EQ(state_hex(d), to_hex(from_hex("01 01 01 00 23 01 01 6d 02 75 38 02 01 02 00")));
  }
  expect_roundtrip("01 01 02 00 28 01 01 6d 01 69 01 7d 2a 00");
  expect_roundtrip("01 02 01 00 21 01 01 6d 01 6b 01 a8 01 00 01 77 01 77 01 01 01 00 01");
  expect_roundtrip("01 01 01 00 23 01 01 6d 02 75 38 02 01 02 00");
}

TEST(SpecExamples, SubdocReference) {
  const auto bytes = from_hex("01 01 01 00 29 01 01 6d 02 73 64 02 67 31 76 00 00");
  doc d(with_client(5));
  ASSERT_TRUE(apply_update_v1(d, bytes));
  EXPECT_EQ(state_hex(d), to_hex(bytes));
  const auto v = d.get_map("m").get("sd");
  ASSERT_TRUE(v.has_value());
  ASSERT_TRUE(std::holds_alternative<subdoc_ref>(*v));
  EXPECT_EQ(std::get<subdoc_ref>(*v).guid, "g1");
}

TEST(SpecExamples, FormattedInsert) {
  doc d(with_client(1));
  d.get_text("t").insert(0, "ab", encoding::any_object{{"bold", true}});
  const char* h = "01 03 01 00 06 01 01 74 04 62 6f 6c 64 04 74 72 75 65 84 01 00 02 61 62 86 01 02 04 62 6f 6c 64 04 6e 75 6c 6c 00";
  EXPECT_EQ(state_hex(d), to_hex(from_hex(h)));
  expect_roundtrip(h);
}

TEST(SpecExamples, XmlFragment) {
  doc d(with_client(1));
  auto x = d.get_xml_fragment("x");
  auto p = x.insert_element(0, "p");
  p.set_attribute("k", "v");
  auto t = p.insert_text(0);
  t.insert(0, "hi");
  const char* i = "01 04 01 00 07 01 01 78 03 01 70 28 00 01 00 01 6b 01 77 01 76 07 00 01 00 06 04 00 01 02 02 68 69 00";
  EXPECT_EQ(state_hex(d), to_hex(from_hex(i)));
  EXPECT_EQ(x.to_string(), "<p k=\"v\">hi</p>");
  expect_roundtrip(i);
}

TEST(SpecExamples, LargeClientAndClientOrder) {
  {
    doc d(with_client((std::uint64_t{1} << 40) + 3));
    d.get_array("a").push({true});
    EXPECT_EQ(state_hex(d), to_hex(from_hex("01 01 83 80 80 80 80 20 00 08 01 01 61 01 78 00")));
  }
  const char* k = "03 01 ac 02 00 08 01 01 61 01 7d ac 04 01 05 00 08 01 01 61 01 7d 05 01 01 00 08 01 01 61 01 7d 01 00";
  doc merged(with_client(77));
  for (const std::uint64_t client : {1u, 5u, 300u}) {
    doc d(with_client(client));
    d.get_array("a").push({static_cast<int>(client)});
    ASSERT_TRUE(apply_update_v1(merged, encode_state_as_update_v1(d)));
  }
  EXPECT_EQ(state_hex(merged), to_hex(from_hex(k)));
  expect_roundtrip(k);
}

TEST(SpecExamples, DeletedNestedTypeIsCollected) {
  doc d(with_client(1));
  auto a = d.get_array("a");
  auto nested = a.insert_type(0, type_kind::array).as_array();
  nested.push({1, 2, 3});
  a.erase(0, 1);
  EXPECT_EQ(state_hex(d), to_hex(from_hex("01 02 01 00 01 01 01 61 01 00 03 01 01 01 00 04")));
  EXPECT_EQ(nested.size(), 0u);
  EXPECT_EQ(nested.to_json(), encoding::any(encoding::any_array{}));
  expect_roundtrip("01 02 01 00 01 01 01 61 01 00 03 01 01 01 00 04");
}

TEST(SpecExamples, TransactionUpdateEvents) {
  doc d(with_client(9));
  test::update_log log(d);
  auto t = d.get_text("t");
  t.insert(0, "hi");
  t.insert(2, "!");
  t.erase(0, 1);
  ASSERT_EQ(log.updates.size(), 3u);
  EXPECT_EQ(to_hex(log.updates[0]), to_hex(from_hex("01 01 09 00 04 01 01 74 02 68 69 00")));
  EXPECT_EQ(to_hex(log.updates[1]), to_hex(from_hex("01 01 09 02 84 09 01 01 21 00")));
  EXPECT_EQ(to_hex(log.updates[2]), to_hex(from_hex("00 01 09 01 00 01")));
}

TEST(SpecExamples, SyncStep2Body) {
  doc d(with_client(1));
  d.get_text("t").insert(0, "abc");
  EXPECT_EQ(to_hex(encode_state_vector_v1(d)), "01 01 03");
  const auto empty_sv = from_hex("00");
  auto update = encode_state_as_update_v1(d, std::span<const std::uint8_t>(empty_sv));
  ASSERT_TRUE(update);
  EXPECT_EQ(to_hex(*update), to_hex(from_hex("01 01 01 00 04 01 01 74 03 61 62 63 00")));
}

TEST(SpecExamples, MergedUpdateWithSkip) {
  // mergeUpdates([u0, u2]) of 'a','b','c' typed by client 9: "a" applies, "c" waits for "b".
  const auto l = from_hex("01 03 09 00 04 01 01 74 01 61 0a 01 84 09 01 01 63 00");
  doc d(with_client(3));
  ASSERT_TRUE(apply_update_v1(d, l));
  EXPECT_EQ(d.get_text("t").to_string(), "a");
  EXPECT_TRUE(d.has_pending());
  ASSERT_TRUE(apply_update_v1(d, from_hex("01 01 09 01 84 09 00 01 62 00")));
  EXPECT_EQ(d.get_text("t").to_string(), "abc");
  EXPECT_FALSE(d.has_pending());
}

TEST(SpecExamples, SurrogatePairSplit) {
  doc d(with_client(1));
  auto t = d.get_text("t");
  t.insert(0, "a\xF0\x9F\x98\x80" "b");  // 'a😀b'
  test::update_log log(d);
  t.insert(2, "Z");
  EXPECT_EQ(t.to_string(), "a\xEF\xBF\xBDZ\xEF\xBF\xBD" "b");
  EXPECT_EQ(t.length(), 5u);
  ASSERT_EQ(log.updates.size(), 1u);
  const std::string upd = to_hex(log.updates[0]);
  EXPECT_NE(upd.find("5a"), std::string::npos);
  // The whole state carries both replacement halves.
  const std::string state = state_hex(d);
  EXPECT_NE(state.find("61 ef bf bd"), std::string::npos);
  EXPECT_NE(state.find("ef bf bd 62"), std::string::npos);
}

}  // namespace
}  // namespace yws::crdt
