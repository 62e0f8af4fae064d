// JSON.stringify / JSON.parse equivalents. The golden test compares with V8 on many more cases.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "encoding/test_util.hpp"
#include "yws/encoding/json.hpp"

namespace yws::encoding {
namespace {

using test::any_hex;

TEST(to_json, scalars) {
  EXPECT_EQ(to_json(any()), "");
  EXPECT_EQ(to_json(nullptr), "null");
  EXPECT_EQ(to_json(true), "true");
  EXPECT_EQ(to_json(-0.0), "0");
  EXPECT_EQ(to_json(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(to_json(-std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(to_json(bigint{-12}), "-12");
  EXPECT_EQ(to_json("a\"\\\x01\x1f/é"), "\"a\\\"\\\\\\u0001\\u001f/é\"");
}

TEST(to_json, containers_follow_stringify) {
  EXPECT_EQ(to_json(any_array{any(), 1, any_array{}}), "[null,1,[]]");
  EXPECT_EQ(to_json(any_object{{"b", any()}, {"x", 1}, {"1", 2}, {"a", any_object{}}}),
            "{\"1\":2,\"x\":1,\"a\":{}}");
  EXPECT_EQ(to_json(any_object{{"a", 1}, {"a", 2}}), "{\"a\":2}");
  EXPECT_EQ(to_json(bytes{1, 200}), "{\"0\":1,\"1\":200}");
  std::string out = "prefix:";
  append_json(out, any_array{1});
  EXPECT_EQ(out, "prefix:[1]");
}

TEST(to_json, surrogates) {
  EXPECT_EQ(to_json("\xED\xA0\x80"), "\"\\ud800\"");                 // lone: escaped
  EXPECT_EQ(to_json("\xED\xA0\xBD\xED\xB8\x80"), "\"\xF0\x9F\x98\x80\"");  // halves of a pair
  EXPECT_EQ(to_json("\xFF"), "\"\xEF\xBF\xBD\"");                    // invalid byte
}

TEST(js_number_to_string, layouts) {
  EXPECT_EQ(js_number_to_string(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(js_number_to_string(std::numeric_limits<double>::infinity()), "Infinity");
  EXPECT_EQ(js_number_to_string(-std::numeric_limits<double>::infinity()), "-Infinity");
  EXPECT_EQ(js_number_to_string(-0.0), "0");
  EXPECT_EQ(js_number_to_string(1e21), "1e+21");
  EXPECT_EQ(js_number_to_string(1e20), "100000000000000000000");
  EXPECT_EQ(js_number_to_string(123456789012345680000.0), "123456789012345680000");
  EXPECT_EQ(js_number_to_string(1.5e-7), "1.5e-7");
  EXPECT_EQ(js_number_to_string(1e-6), "0.000001");
  EXPECT_EQ(js_number_to_string(-12.5), "-12.5");
  EXPECT_EQ(js_number_to_string(5e-324), "5e-324");
  EXPECT_EQ(js_number_to_string(1.7976931348623157e308), "1.7976931348623157e+308");
}

TEST(parse_json, values) {
  const auto v = parse_json(" {\"a\": [1, -0, 2.5e1, true, false, null, \"s\"], \"b\": {}} ");
  ASSERT_TRUE(v);
  const any expected = any_object{{"a", any_array{1, -0.0, 25, true, false, nullptr, "s"}}, {"b", any_object{}}};
  EXPECT_TRUE(same_value(*v, expected)) << to_json(*v);
}

TEST(parse_json, duplicate_keys_keep_first_position_and_last_value) {
  const auto v = parse_json(R"({"b":1,"a":2,"b":3})");
  ASSERT_TRUE(v);
  ASSERT_EQ(v->as_object().size(), 2u);
  EXPECT_EQ(v->as_object()[0].first, "b");
  EXPECT_EQ(v->as_object()[0].second, any(3));
}

TEST(parse_json, lone_surrogates_round_trip_like_js_strings) {
  const auto v = parse_json(R"("\ud800x\uDC00")");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->as_string(), "\xED\xA0\x80x\xED\xB0\x80");
  EXPECT_EQ(to_json(*v), R"("\ud800x\udc00")");
  EXPECT_EQ(any_hex(*v), "7707efbfbd78efbfbd");  // as TextEncoder writes the JS string
}

TEST(parse_json, numbers_out_of_range) {
  EXPECT_EQ(parse_json("1e400")->as_number(), std::numeric_limits<double>::infinity());
  EXPECT_EQ(parse_json("-1e400")->as_number(), -std::numeric_limits<double>::infinity());
  const double tiny = parse_json("-1e-400")->as_number();
  EXPECT_EQ(tiny, 0.0);
  EXPECT_TRUE(std::signbit(tiny));
}

TEST(parse_json, invalid) {
  for (const char* text : {"", "[1,]", "{\"a\":1,}", "01", "1.", "+1", "NaN", "'a'", "\"\\x\"", "\"a\nb\"",
                           "[1 2]", "{\"a\"}", "\"\\ud800\\u\"", "tru", "1 2", "-", "\xEF\xBB\xBF" "1"}) {
    const auto v = parse_json(text);
    EXPECT_FALSE(v) << text;
    if (!v) {
      EXPECT_EQ(v.error(), errc::invalid_json) << text;
    }
  }
}

TEST(parse_json, nesting_limit) {
  auto nested = [](int n, std::string_view open, std::string_view close) {
    std::string s;
    for (int i = 0; i < n; ++i) s += open;
    s += "1";
    for (int i = 0; i < n; ++i) s += close;
    return s;
  };
  EXPECT_TRUE(parse_json(nested(256, "[", "]")));
  EXPECT_EQ(parse_json(nested(257, "[", "]")).error(), errc::nesting_too_deep);
  EXPECT_TRUE(parse_json(nested(256, "{\"k\":", "}")));
  EXPECT_EQ(parse_json(nested(257, "{\"k\":", "}")).error(), errc::nesting_too_deep);
  EXPECT_EQ(parse_json(std::string(1000000, '[')).error(), errc::nesting_too_deep);
}

TEST(parse_json, random_values_round_trip_through_text) {
  std::mt19937_64 rng(2024);
  for (int round = 0; round < 500; ++round) {
    const any v = test::random_any(rng, 0, true);
    const std::string text = to_json(v);
    const auto back = parse_json(text);
    ASSERT_TRUE(back) << text;
    EXPECT_TRUE(same_value(*back, v)) << text;
    EXPECT_EQ(to_json(*back), text);
  }
}

}  // namespace
}  // namespace yws::encoding
