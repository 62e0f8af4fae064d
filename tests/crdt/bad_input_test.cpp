// Hostile updates: truncated and randomly mutated fixture updates either apply or fail without
// changing the doc, and never crash (this suite also runs under ASan + UBSan).
#include <gtest/gtest.h>

#include <random>

#include "test_util.hpp"
#include "yws/crdt/doc.hpp"
#include "yws/encoding/decoder.hpp"

namespace yws::crdt {
namespace {

using test::from_hex;

// A few kinds of valid updates: text with splits and deletes, nested types, formats, pending data.
std::vector<std::vector<std::uint8_t>> seed_updates() {
  std::vector<std::vector<std::uint8_t>> out;
  for (const char* h : {"01 03 01 00 01 01 01 74 01 84 01 00 02 62 63 c1 01 00 01 01 01 01 01 02 00 01 03 01",
                        "01 02 01 00 21 01 01 6d 01 6b 01 a8 01 00 01 77 01 77 01 01 01 00 01",
                        "01 04 01 00 07 01 01 78 03 01 70 28 00 01 00 01 6b 01 77 01 76 07 00 01 00 06 04 00 01 02 02 68 69 00",
                        "01 03 01 00 06 01 01 74 04 62 6f 6c 64 04 74 72 75 65 84 01 00 02 61 62 86 01 02 04 62 6f 6c 64 04 6e 75 6c 6c 00",
                        "01 01 01 00 29 01 01 6d 02 73 64 02 67 31 76 00 00",
                        "01 03 09 00 04 01 01 74 01 61 0a 01 84 09 01 01 63 00",
                        "01 02 01 00 01 01 01 61 01 00 03 01 01 01 00 04",
                        "0101b5e7ece4090284b5e7ece40901017a00", "000198b0ea9c0e010201"}) {
    out.push_back(from_hex(h));
  }
  // A richer document: nested arrays and maps, binary, JSON-ish values, and deletions.
  doc d(test::with_client(77));
  auto a = d.get_array("a");
  a.insert(0, {1, "two", encoding::bytes{3}, encoding::any_object{{"x", 1.5}}});
  auto m = a.insert_type(1, type_kind::map).as_map();
  m.set("k", "v");
  m.set_type("t", type_kind::text).as_text().insert(0, "nested \xE2\x82\xAC text");
  a.erase(0, 1);
  d.get_text("t").insert(0, "hello world");
  d.get_text("t").erase(2, 3);
  out.push_back(encode_state_as_update_v1(d));
  return out;
}

struct snapshot {
  std::vector<std::uint8_t> update;
  state_vector sv;
  bool pending;
  friend bool operator==(const snapshot&, const snapshot&) = default;
};
snapshot take(const doc& d) { return {encode_state_as_update_v1(d), d.state(), d.has_pending()}; }

// Applies `bytes`; on failure the doc must be unchanged, on success it must still encode and reload.
void check_apply(doc& d, std::span<const std::uint8_t> bytes) {
  const snapshot before = take(d);
  const auto r = apply_update_v1(d, bytes);
  if (!r) {
    ASSERT_TRUE(take(d) == before) << "a failed update changed the doc";
    return;
  }
  (void)d.to_json();
  const auto state = encode_state_as_update_v1(d);
  doc reload(test::with_client(3));
  ASSERT_TRUE(apply_update_v1(reload, state)) << "the doc's own state does not decode";
}

std::unique_ptr<doc> preloaded() {
  auto owned = std::make_unique<doc>(test::with_client(5));
  doc& d = *owned;
  auto t = d.get_text("t");
  t.insert(0, "abcdef");
  t.erase(1, 2);
  d.get_map("m").set("k", 1);
  d.get_array("a").insert_type(0, type_kind::array).as_array().push({1, 2});
  return owned;
}

TEST(BadInput, EveryTruncationFailsCleanly) {
  for (const auto& u : seed_updates()) {
    for (std::size_t n = 0; n < u.size(); ++n) {
      const std::span<const std::uint8_t> part(u.data(), n);
      doc fresh(test::with_client(1));
      check_apply(fresh, part);
      auto pre = preloaded();
      check_apply(*pre, part);
    }
  }
}

TEST(BadInput, RandomMutations) {
  const auto seeds = seed_updates();
  std::mt19937 rng(20240601);
  for (int round = 0; round < 10000; ++round) {
    std::vector<std::uint8_t> u = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !u.empty(); ++e) {
      const std::size_t at = rng() % u.size();
      switch (rng() % 4) {
        case 0: u[at] ^= static_cast<std::uint8_t>(1u << (rng() % 8)); break;
        case 1: u[at] = static_cast<std::uint8_t>(rng()); break;
        case 2: u.insert(u.begin() + static_cast<std::ptrdiff_t>(at), static_cast<std::uint8_t>(rng())); break;
        default: u.erase(u.begin() + static_cast<std::ptrdiff_t>(at)); break;
      }
    }
    doc fresh(test::with_client(1));
    check_apply(fresh, u);
    if (round % 4 == 0) {
      auto pre = preloaded();
      check_apply(*pre, u);
      check_apply(*pre, seeds[rng() % seeds.size()]);  // and something valid after it
    }
    if (HasFatalFailure()) return;
  }
}

TEST(BadInput, SpecificRejections) {
  doc d(test::with_client(1));
  // Unknown content ref 11.
  EXPECT_EQ(apply_update_v1(d, from_hex("01 01 01 00 0b 01 01 74 00 00")).error(), make_error_code(errc::unknown_content_ref));
  // Type ref 7 (yrs WeakLink).
  EXPECT_EQ(apply_update_v1(d, from_hex("01 01 01 00 07 01 01 61 07 00")).error(), make_error_code(errc::unknown_content_ref));
  // A zero-length GC struct.
  EXPECT_FALSE(apply_update_v1(d, from_hex("01 01 01 00 00 00 00")));
  // A clock that overflows 32 bits.
  EXPECT_FALSE(apply_update_v1(d, from_hex("01 01 01 ff ff ff ff 0f 00 02 00")));
  // An origin on the item's own client at or after its clock.
  EXPECT_EQ(apply_update_v1(d, from_hex("01 01 01 00 84 01 00 01 61 00")).error(), make_error_code(errc::malformed_update));
  // Invalid JSON in an embed.
  EXPECT_FALSE(apply_update_v1(d, from_hex("01 01 01 00 05 01 01 74 01 7b 00")));
  EXPECT_EQ(encode_state_as_update_v1(d), from_hex("00 00"));
  // A parent ID that names a non-type item: Yjs stores a GC struct (bytes checked with yjs).
  ASSERT_TRUE(apply_update_v1(d, from_hex("01 01 01 00 04 01 01 74 01 61 00")));
  ASSERT_TRUE(apply_update_v1(d, from_hex("01 01 02 00 04 00 01 00 01 62 00")));
  EXPECT_EQ(d.get_text("t").to_string(), "a");
  EXPECT_EQ(test::to_hex(encode_state_as_update_v1(d)), test::to_hex(from_hex("02 01 02 00 00 01 01 01 00 04 01 01 74 01 61 01 02 01 00 01")));
}

}  // namespace
}  // namespace yws::crdt
