// lib0 Any: the value type, its number and key-order rules, and readAny's limits.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "encoding/test_util.hpp"
#include "yws/encoding/json.hpp"

namespace yws::encoding {
namespace {

using test::any_hex;
using test::from_hex;
using test::to_hex;

result<any> read_hex(std::string_view h) {
  const auto b = from_hex(h);
  decoder dec(b);
  auto v = dec.read_any();
  if (v && !dec.at_end()) ADD_FAILURE() << "bytes left after " << h;
  return v;
}

TEST(any, kinds_and_accessors) {
  EXPECT_TRUE(any().is_undefined());
  EXPECT_TRUE(any(undefined).is_undefined());
  EXPECT_TRUE(any(nullptr).is_null());
  EXPECT_TRUE(any(true).as_bool());
  EXPECT_EQ(any(3).as_number(), 3.0);
  EXPECT_EQ(any(std::int64_t{1} << 40).as_number(), 1099511627776.0);
  EXPECT_EQ(any(bigint{-5}).as_bigint(), -5);
  EXPECT_EQ(any("s").as_string(), "s");
  EXPECT_EQ(any(std::string_view("v")).as_string(), "v");
  EXPECT_EQ(any(bytes{1}).as_binary().size(), 1u);
  EXPECT_EQ(any(any_array{1, 2}).as_array().size(), 2u);
  EXPECT_EQ(any(any_object{{"k", 1}}).type(), any::kind::object);
}

TEST(any, find_takes_the_last_duplicate) {
  const any o = any_object{{"a", 1}, {"b", 2}, {"a", 3}};
  ASSERT_NE(o.find("a"), nullptr);
  EXPECT_EQ(o.find("a")->as_number(), 3.0);
  EXPECT_EQ(o.find("c"), nullptr);
  EXPECT_EQ(any(1).find("a"), nullptr);
}

TEST(any, equality_follows_js) {
  EXPECT_EQ(any(0.0), any(-0.0));
  EXPECT_FALSE(same_value(any(0.0), any(-0.0)));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_NE(any(nan), any(nan));
  EXPECT_TRUE(same_value(any(nan), any(nan)));
  EXPECT_NE(any(1), any(bigint{1}));
  EXPECT_NE(any(), any(nullptr));
  EXPECT_NE(any("1"), any(1));
  EXPECT_NE(any(bytes{1}), any(any_array{1}));
  EXPECT_EQ(any(any_object{{"a", 1}, {"b", 2}}), any(any_object{{"b", 2}, {"a", 1}}));
  EXPECT_EQ(any(any_object{{"a", 1}, {"a", 2}}), any(any_object{{"a", 2}}));
  EXPECT_NE(any(any_object{{"a", 1}}), any(any_object{{"a", 1}, {"b", 1}}));
  EXPECT_NE(any(any_object{{"a", 1}}), any(any_object{{"b", 1}}));
  EXPECT_NE(any(any_array{1, 2}), any(any_array{2, 1}));
  EXPECT_EQ(any(any_array{any_object{{"x", any_array{}}}}), any(any_array{any_object{{"x", any_array{}}}}));
}

TEST(any, large_objects_compare_as_key_sets) {
  any_object a, b;
  for (int i = 0; i < 100; ++i) a.emplace_back("k" + std::to_string(i), i);
  for (int i = 99; i >= 0; --i) b.emplace_back("k" + std::to_string(i), i);
  EXPECT_EQ(any(a), any(b));
  b[5].second = -1;
  EXPECT_NE(any(a), any(b));
}

TEST(any, array_index_keys) {
  for (const char* k : {"0", "1", "10", "4294967294", "123"}) EXPECT_TRUE(is_array_index_key(k)) << k;
  for (const char* k : {"", "01", "-1", "4294967295", "1.5", "1e3", " 1", "99999999999", "a", "+1"}) {
    EXPECT_FALSE(is_array_index_key(k)) << k;
  }
}

TEST(any, js_key_order_puts_indices_first) {
  const any_object o = {{"x", 1}, {"10", 2}, {"01", 3}, {"1", 4}, {"y", 5}, {"x", 6}, {"1", 7}};
  // Distinct keys: x(first at 0, last value 5), 10, 01, 1(last value 6), y.
  EXPECT_EQ(js_key_order(o), (std::vector<std::size_t>{6, 1, 5, 2, 4}));
  EXPECT_TRUE(js_key_order({}).empty());
}

TEST(write_any, number_rules_follow_lib0) {
  EXPECT_EQ(any_hex(0), "7d00");
  EXPECT_EQ(any_hex(-0.0), "7d40");
  EXPECT_EQ(any_hex(2147483647), "7dbfffffff0f");
  EXPECT_EQ(any_hex(2147483648.0), "7c4f000000");
  EXPECT_EQ(any_hex(0.1), "7b3fb999999999999a");
  EXPECT_EQ(any_hex(std::numeric_limits<double>::infinity()), "7c7f800000");
  EXPECT_EQ(any_hex(std::numeric_limits<double>::quiet_NaN()), "7b7ff8000000000000");
  EXPECT_EQ(any_hex(1e300), "7b7e37e43c8800759c");  // past float range: no float conversion
  EXPECT_EQ(any_hex(3.5e38), "7b47f074f8c4d3cd7b");
  EXPECT_EQ(any_hex(static_cast<double>(std::numeric_limits<float>::denorm_min())), "7c00000001");
  EXPECT_EQ(any_hex(bigint{1}), "7a0000000000000001");
}

TEST(write_any, objects_use_js_key_order_and_drop_duplicates) {
  EXPECT_EQ(any_hex(any_object{{"x", 1}, {"1", 2}}), "760201317d0201787d01");
  EXPECT_EQ(any_hex(any_object{{"a", 1}, {"b", 2}, {"a", 3}}), "760201617d0301627d02");
  any_object big;
  for (int i = 40; i > 0; --i) big.emplace_back(std::to_string(i % 20), i);
  const auto v = read_hex(any_hex(big));
  ASSERT_TRUE(v);
  ASSERT_EQ(v->as_object().size(), 20u);
  EXPECT_EQ(v->as_object()[0].first, "0");
  EXPECT_EQ(v->as_object()[0].second, any(20));
  EXPECT_EQ(v->as_object()[19].first, "19");
}

TEST(read_any, duplicate_keys_keep_first_position_and_last_value) {
  encoder enc;
  enc.write_u8(118);
  enc.write_var_uint(3);
  for (auto [k, val] : {std::pair{"b", any(true)}, std::pair{"a", any(2)}, std::pair{"b", any(false)}}) {
    enc.write_var_string(k);
    enc.write_any(val);
  }
  decoder dec(enc.data());
  const auto o = dec.read_any();
  ASSERT_TRUE(o);
  ASSERT_EQ(o->as_object().size(), 2u);
  EXPECT_EQ(o->as_object()[0].first, "b");
  EXPECT_EQ(o->as_object()[0].second, any(false));
  EXPECT_EQ(o->as_object()[1].first, "a");
}

TEST(read_any, accepts_yrs_numbers) {
  EXPECT_TRUE(same_value(*read_hex("7d8080808010"), any(2147483648.0)));
  EXPECT_TRUE(same_value(*read_hex("7dbfffffffffffffffff01"), any(9223372036854775807.0)));
  EXPECT_TRUE(same_value(*read_hex("7d40"), any(-0.0)));
}

TEST(read_any, invalid_tags) {
  for (int tag : {0, 1, 0x41, 0x73, 0x80, 0xC0, 0xFF}) {
    const std::uint8_t b[] = {static_cast<std::uint8_t>(tag)};
    decoder dec(b);
    EXPECT_EQ(dec.read_any().error(), errc::invalid_any_tag) << tag;
  }
  EXPECT_EQ(read_hex("75027e00").error(), errc::invalid_any_tag);
}

std::vector<std::uint8_t> nested(int levels, std::uint8_t tag) {
  std::vector<std::uint8_t> b;
  for (int i = 0; i < levels; ++i) {
    b.push_back(tag);
    b.push_back(1);
    if (tag == 118) b.insert(b.end(), {1, 'k'});
  }
  b.push_back(126);
  return b;
}

TEST(read_any, nesting_limit) {
  for (std::uint8_t tag : {std::uint8_t{117}, std::uint8_t{118}}) {
    const auto ok = nested(decoder::max_any_depth, tag);
    decoder a(ok);
    EXPECT_TRUE(a.read_any()) << int{tag};
    EXPECT_TRUE(a.at_end());
    const auto deep = nested(decoder::max_any_depth + 1, tag);
    EXPECT_EQ(decoder(deep).read_any().error(), errc::nesting_too_deep) << int{tag};
    const auto very_deep = nested(100000, tag);
    EXPECT_EQ(decoder(very_deep).read_any().error(), errc::nesting_too_deep) << int{tag};
  }
}

TEST(read_any, huge_counts_fail_before_allocating) {
  EXPECT_EQ(read_hex("75ffffffffffffffff7f").error(), errc::unexpected_end_of_buffer);
  EXPECT_EQ(read_hex("76ffffffff0f").error(), errc::unexpected_end_of_buffer);
  EXPECT_EQ(read_hex("7403").error(), errc::unexpected_end_of_buffer);
  EXPECT_EQ(read_hex("7605017e").error(), errc::unexpected_end_of_buffer);
}

TEST(read_any, every_truncation_fails) {
  std::mt19937_64 rng(1234);
  for (int round = 0; round < 200; ++round) {
    const any v = test::random_any(rng, 0, false);
    encoder enc;
    enc.write_any(v);
    const auto b = enc.data();
    for (std::size_t n = 0; n < b.size(); ++n) {
      ASSERT_FALSE(decoder(b.first(n)).read_any()) << to_hex(b) << " truncated to " << n;
    }
  }
}

TEST(read_any, random_values_round_trip) {
  std::mt19937_64 rng(99);
  for (int round = 0; round < 500; ++round) {
    const any v = test::random_any(rng, 0, false);
    const std::string bytes_hex = any_hex(v);
    const auto back = read_hex(bytes_hex);
    ASSERT_TRUE(back) << bytes_hex;
    EXPECT_TRUE(same_value(*back, v)) << bytes_hex;
    EXPECT_EQ(any_hex(*back), bytes_hex);
  }
}

}  // namespace
}  // namespace yws::encoding
