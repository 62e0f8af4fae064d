// small-test-dataset.bin (y-crdt): 5,320 cases of updates with the text, map and array Yjs
// 13.6.33 produces from them.
#include <gtest/gtest.h>

#include "test_util.hpp"
#include "yws/crdt/doc.hpp"
#include "yws/encoding/decoder.hpp"
#include "yws/encoding/json.hpp"

namespace yws::crdt {
namespace {

struct dataset_case {
  std::vector<std::span<const std::uint8_t>> updates;
  std::string text;
  encoding::any map;
  encoding::any array;
};

std::vector<dataset_case> read_dataset(const std::vector<std::uint8_t>& bytes) {
  encoding::decoder dec(bytes);
  std::vector<dataset_case> cases;
  const auto count = dec.read_var_uint();
  EXPECT_TRUE(count);
  for (std::uint64_t i = 0; i < *count; ++i) {
    dataset_case c;
    const auto n = dec.read_var_uint();
    EXPECT_TRUE(n);
    for (std::uint64_t j = 0; j < *n; ++j) {
      auto u = dec.read_var_bytes();
      EXPECT_TRUE(u);
      c.updates.push_back(*u);
    }
    auto text = dec.read_var_string();
    auto map = dec.read_any();
    auto array = dec.read_any();
    EXPECT_TRUE(text && map && array);
    c.text = *text;
    c.map = *map;
    c.array = *array;
    cases.push_back(std::move(c));
  }
  return cases;
}

TEST(SmallTestDataset, EveryCaseGivesYjsResult) {
  const auto bytes = test::read_file(test::shared_fixture("small-test-dataset.bin"));
  const auto cases = read_dataset(bytes);
  ASSERT_EQ(cases.size(), 5320u);
  int failures = 0;
  for (std::size_t i = 0; i < cases.size() && failures < 10; ++i) {
    const auto& c = cases[i];
    doc d(test::with_client(0xABCDEF));
    bool ok = true;
    for (const auto& u : c.updates) ok = ok && apply_update_v1(d, u).has_value();
    const std::string text = d.get_text("text").to_string();
    const encoding::any map = d.get_map("map").to_json();
    const encoding::any array = d.get_array("array").to_json();
    if (!ok || text != c.text || !(map == c.map) || !(array == c.array)) {
      ++failures;
      ADD_FAILURE() << "case " << i << ": applied=" << ok << "\n text: " << text << "\n want: " << c.text
                    << "\n map:  " << encoding::to_json(map) << "\n want: " << encoding::to_json(c.map)
                    << "\n array: " << encoding::to_json(array) << "\n want:  " << encoding::to_json(c.array);
      continue;
    }
    // The doc's own encoding reloads to the same content and re-encodes identically.
    const auto state = encode_state_as_update_v1(d);
    doc e(test::with_client(0xABCDEE));
    ASSERT_TRUE(apply_update_v1(e, state)) << "case " << i;
    EXPECT_EQ(e.get_text("text").to_string(), c.text) << "case " << i;
    EXPECT_EQ(e.get_map("map").to_json(), c.map) << "case " << i;
    EXPECT_EQ(e.get_array("array").to_json(), c.array) << "case " << i;
    EXPECT_EQ(encode_state_as_update_v1(e), state) << "case " << i;
  }
}

}  // namespace
}  // namespace yws::crdt
