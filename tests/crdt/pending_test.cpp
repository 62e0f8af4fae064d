// Out-of-order delivery: pending structs and deletes, re-encoded exactly as Yjs 13.6.33 does
// (expected bytes produced by yjs), and convergence under permutations and duplicates.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "test_util.hpp"
#include "yws/crdt/doc.hpp"
#include "yws/encoding/decoder.hpp"

namespace yws::crdt {
namespace {

using test::from_hex;
using test::to_hex;

struct step {
  const char* text;
  const char* state;
  const char* sv;
};

void run_steps(const std::vector<const char*>& updates, const std::vector<step>& expected, bool gc) {
  doc d(test::with_client(12345, gc));
  auto t = d.get_text("t");
  for (std::size_t i = 0; i < updates.size(); ++i) {
    ASSERT_TRUE(apply_update_v1(d, from_hex(updates[i]))) << "update " << i;
    EXPECT_EQ(t.to_string(), expected[i].text) << "after update " << i;
    EXPECT_EQ(to_hex(encode_state_as_update_v1(d)), to_hex(from_hex(expected[i].state))) << "after update " << i;
    EXPECT_EQ(to_hex(encode_state_vector_v1(d)), to_hex(from_hex(expected[i].sv))) << "after update " << i;
  }
}

// y-crdt tests-wasm/y-doc.tests.js testApplyUpdates (yn issue 3), with Yjs' intermediate states.
TEST(Pending, MddpcUpdates) {
  run_steps({"0101b690c589040004010174016d00", "010198b0ea9c0e038498b0ea9c0e00016300", "000198b0ea9c0e010201",
             "010198b0ea9c0e0004010174017000", "010198b0ea9c0e014498b0ea9c0e00016400",
             "010198b0ea9c0e02c498b0ea9c0e0198b0ea9c0e00016e00", "0101b690c589040184b690c5890400016400"},
            {{"m", "0101b690c589040004010174016d00", "01b690c5890401"},
             {"m", "020198b0ea9c0e038498b0ea9c0e00016301b690c589040004010174016d00", "01b690c5890401"},
             {"m", "020198b0ea9c0e038498b0ea9c0e00016301b690c589040004010174016d0198b0ea9c0e010201", "01b690c5890401"},
             {"mp",
              "020398b0ea9c0e000401017401700a028498b0ea9c0e00016301b690c589040004010174016d0198b0ea9c0e010201",
              "0298b0ea9c0e01b690c5890401"},
             {"mdp",
              "020498b0ea9c0e000401017401704498b0ea9c0e0001640a018498b0ea9c0e00016301b690c589040004010174016d0198b0"
              "ea9c0e010201",
              "0298b0ea9c0e02b690c5890401"},
             {"mdpc",
              "020498b0ea9c0e000401017401704498b0ea9c0e000164c498b0ea9c0e0198b0ea9c0e00016e8498b0ea9c0e00016301b690"
              "c589040004010174016d0198b0ea9c0e010201",
              "0298b0ea9c0e04b690c5890401"},
             {"mddpc",
              "020498b0ea9c0e000401017401704498b0ea9c0e000164c498b0ea9c0e0198b0ea9c0e00016e8498b0ea9c0e00016301b690"
              "c589040004010174026d640198b0ea9c0e010201",
              "0298b0ea9c0e04b690c5890402"}},
            false);
}

TEST(Pending, XyzInEveryOrder) {
  const char* a = "0101b5e7ece4090004010174017800";
  const char* b = "0101b5e7ece4090184b5e7ece40900017900";
  const char* c = "0101b5e7ece4090284b5e7ece40901017a00";
  const step xyz{"xyz", "0101b5e7ece40900040101740378797a00", "01b5e7ece40903"};
  const step only_a{"x", "0101b5e7ece4090004010174017800", "01b5e7ece40901"};
  const step xy{"xy", "0101b5e7ece409000401017402787900", "01b5e7ece40902"};
  const step a_c{"x", "0103b5e7ece409000401017401780a0184b5e7ece40901017a00", "01b5e7ece40901"};
  const step only_b{"", "0101b5e7ece4090184b5e7ece40900017900", "00"};
  const step b_c{"", "0102b5e7ece4090184b5e7ece40900017984b5e7ece40901017a00", "00"};
  const step only_c{"", "0101b5e7ece4090284b5e7ece40901017a00", "00"};
  run_steps({a, b, c}, {only_a, xy, xyz}, true);
  run_steps({a, c, b}, {only_a, a_c, xyz}, true);
  run_steps({b, a, c}, {only_b, xy, xyz}, true);
  run_steps({b, c, a}, {only_b, b_c, xyz}, true);
  run_steps({c, a, b}, {only_c, a_c, xyz}, true);
  run_steps({c, b, a}, {only_c, b_c, xyz}, true);
}

TEST(Pending, MergedUpdateWithSkipReencodes) {
  run_steps({"010309000401017401610a0184090101630000"}, {{"a", "010309000401017401610a01840901016300", "010901"}}, true);
}

std::vector<std::vector<std::uint8_t>> read_stream(const char* name) {
  const auto bytes = test::read_file(test::shared_fixture(name));
  encoding::decoder dec(bytes);
  std::vector<std::vector<std::uint8_t>> out;
  const auto n = dec.read_var_uint();
  EXPECT_TRUE(n);
  for (std::uint64_t i = 0; i < *n; ++i) {
    const auto u = dec.read_var_bytes();
    EXPECT_TRUE(u);
    out.emplace_back(u->begin(), u->end());
  }
  return out;
}

// Applies `updates` in a seeded random order with duplicates; returns the doc's encoding.
std::vector<std::uint8_t> apply_shuffled(const std::vector<std::vector<std::uint8_t>>& updates, std::uint32_t seed,
                                         std::string& text) {
  std::mt19937 rng(seed);
  std::vector<std::size_t> order(updates.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  for (std::size_t i = 0; i < updates.size() / 4; ++i) order.push_back(rng() % updates.size());  // duplicates
  std::shuffle(order.begin(), order.end(), rng);
  doc d(test::with_client(424242));
  for (const std::size_t i : order) EXPECT_TRUE(apply_update_v1(d, updates[i]));
  EXPECT_FALSE(d.has_pending());
  text = d.get_text("text").to_string();
  return encode_state_as_update_v1(d);
}

TEST(Pending, RemoteStreamsConvergeInAnyOrder) {
  for (const char* name : {"remote-10k-same-random.updates.bin", "remote-10k-distinct-random.updates.bin",
                           "remote-10k-same-append.updates.bin"}) {
    auto updates = read_stream(name);
    ASSERT_EQ(updates.size(), 10000u) << name;
    updates.resize(600);  // a prefix keeps the debug run short; it still interleaves heavily
    doc in_order(test::with_client(424242));
    for (const auto& u : updates) ASSERT_TRUE(apply_update_v1(in_order, u));
    const auto expected = encode_state_as_update_v1(in_order);
    for (const std::uint32_t seed : {1u, 2u, 3u}) {
      std::string text;
      EXPECT_EQ(apply_shuffled(updates, seed, text), expected) << name << " seed " << seed;
      EXPECT_EQ(text, in_order.get_text("text").to_string()) << name << " seed " << seed;
    }
  }
}

TEST(Pending, PendingDeleteAppliesLater) {
  doc a(test::with_client(1));
  test::update_log log(a);
  auto t = a.get_text("t");
  t.insert(0, "hello");
  t.erase(1, 3);
  ASSERT_EQ(log.updates.size(), 2u);
  doc b(test::with_client(2));
  ASSERT_TRUE(apply_update_v1(b, log.updates[1]));  // the delete first: pending
  EXPECT_TRUE(b.has_pending());
  EXPECT_EQ(to_hex(encode_state_vector_v1(b)), "00");
  ASSERT_TRUE(apply_update_v1(b, log.updates[0]));
  EXPECT_FALSE(b.has_pending());
  EXPECT_EQ(b.get_text("t").to_string(), "ho");
  EXPECT_EQ(encode_state_as_update_v1(b), encode_state_as_update_v1(a));
}

}  // namespace
}  // namespace yws::crdt
