// Golden bytes from the real lib0, TextDecoder, JSON.stringify and JSON.parse
// (tests/fixtures/lib0/golden.txt, written by tests/interop/gen-lib0-fixtures.mjs; its header
// comment describes each line kind).
#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "encoding/test_util.hpp"
#include "yws/encoding/json.hpp"
#include "yws/encoding/utf8.hpp"

namespace yws::encoding {
namespace {

using test::any_hex;
using test::as_string;
using test::from_hex;
using test::to_hex;

struct golden_case {
  std::string kind;
  std::string name;
  std::vector<std::string> fields;
};

const std::vector<golden_case>& all_cases() {
  static const std::vector<golden_case> cases = [] {
    std::vector<golden_case> out;
    std::ifstream in(YWS_TEST_FIXTURES "/lib0/golden.txt");
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream words(line);
      golden_case c;
      words >> c.kind >> c.name;
      for (std::string f; words >> f;) c.fields.push_back(f);
      out.push_back(std::move(c));
    }
    return out;
  }();
  return cases;
}

std::vector<const golden_case*> cases_of(std::string_view kind, std::size_t fields) {
  std::vector<const golden_case*> out;
  for (const golden_case& c : all_cases()) {
    if (c.kind != kind) continue;
    EXPECT_EQ(c.fields.size(), fields) << kind << ' ' << c.name;
    if (c.fields.size() == fields) out.push_back(&c);
  }
  EXPECT_FALSE(out.empty()) << "no golden case of kind " << kind;
  return out;
}

std::uint64_t parse_u64(std::string_view s) {
  std::uint64_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  EXPECT_TRUE(r.ec == std::errc() && r.ptr == s.data() + s.size()) << s;
  return v;
}

std::uint64_t parse_u64_hex(std::string_view s) {
  std::uint64_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  EXPECT_TRUE(r.ec == std::errc() && r.ptr == s.data() + s.size()) << s;
  return v;
}

// The values that the generator passes to writeAny, built again here by name.
std::map<std::string, any> any_values() {
  const any_object numeric_keys = {{"x", 1},          {"1", 2},          {"10", 3},
                                   {"01", 4},         {"-1", 5},         {"4294967294", 6},
                                   {"4294967295", 7}, {"2", 8},          {"1.5", 9}};
  any_array ints;
  for (int i = 0; i < 200; ++i) ints.emplace_back(i * 1000 - 100000);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  return {
      {"undefined", any()},
      {"null", nullptr},
      {"true", true},
      {"false", false},
      {"int_zero", 0},
      {"int_one", 1},
      {"int_neg_one", -1},
      {"int_p31m1", 2147483647},
      {"int_neg_p31m1", -2147483647},
      {"neg_zero", -0.0},
      {"num_p31", 2147483648.0},
      {"num_neg_p31", -2147483648.0},
      {"num_half", 0.5},
      {"num_1_1", 1.1},
      {"num_neg_1_5", -1.5},
      {"num_nan", nan},
      {"num_inf", inf},
      {"num_neg_inf", -inf},
      {"num_1e21", 1e21},
      {"num_1e_7", 1e-7},
      {"num_p53m1", 9007199254740991.0},
      {"num_float32_max", static_cast<double>(std::numeric_limits<float>::max())},
      {"num_min_subnormal", std::numeric_limits<double>::denorm_min()},
      {"bigint_zero", bigint{0}},
      {"bigint_neg_one", bigint{-1}},
      {"bigint_max", bigint{std::numeric_limits<std::int64_t>::max()}},
      {"bigint_min", bigint{std::numeric_limits<std::int64_t>::min()}},
      {"string_empty", ""},
      {"string_ascii", "hello"},
      {"string_two_byte", "é"},
      {"string_three_byte", "€"},
      {"string_four_byte", "😀"},
      {"string_lone_surrogate", "\xED\xA0\x80"},  // WTF-8 of '\ud800'
      {"object_empty", any_object{}},
      {"object_simple", any_object{{"a", 1}, {"b", "x"}}},
      {"object_numeric_keys", numeric_keys},
      {"object_nested",
       any_object{{"a", any_object{{"b", any_object{{"c", any_array{1, any_object{{"d", nullptr}}}}}}}},
                  {"7", any_object{{"3", true}, {"z", false}, {"0", "zero"}}}}},
      {"object_unicode_keys", any_object{{"é", 1}, {"😀", 2}, {"", 3}}},
      {"array_empty", any_array{}},
      {"array_mixed", any_array{1, "a", nullptr, any(), true, any_array{}, any_object{}, bytes{1, 2}}},
      {"array_200_ints", ints},
      {"binary_empty", bytes{}},
      {"binary_bytes", bytes{0, 1, 127, 128, 255}},
  };
}

TEST(golden, var_uint_bytes_match_lib0) {
  for (const golden_case* c : cases_of("var_uint", 2)) {
    const std::uint64_t n = parse_u64(c->fields[0]);
    encoder enc;
    enc.write_var_uint(n);
    EXPECT_EQ(to_hex(enc.data()), c->fields[1]) << c->name;
    const auto b = from_hex(c->fields[1]);
    decoder dec(b);
    const auto v = dec.read_var_uint();
    ASSERT_TRUE(v) << c->name;
    EXPECT_EQ(*v, n) << c->name;
    EXPECT_TRUE(dec.at_end()) << c->name;
  }
}

TEST(golden, var_int_bytes_match_lib0) {
  for (const golden_case* c : cases_of("var_int", 2)) {
    std::string_view text = c->fields[0];
    const bool negative = text.front() == '-';
    if (negative) text.remove_prefix(1);
    const var_int expected{parse_u64(text), negative};
    encoder enc;
    enc.write_var_int(expected.magnitude, expected.negative);
    EXPECT_EQ(to_hex(enc.data()), c->fields[1]) << c->name;
    const auto b = from_hex(c->fields[1]);
    decoder dec(b);
    const auto v = dec.read_var_int();
    ASSERT_TRUE(v) << c->name;
    EXPECT_EQ(*v, expected) << c->name;
    EXPECT_TRUE(dec.at_end()) << c->name;
  }
}

TEST(golden, var_string_bytes_match_lib0) {
  for (const golden_case* c : cases_of("string", 3)) {
    const std::string input = as_string(from_hex(c->fields[0]));
    const std::string read_back = as_string(from_hex(c->fields[1]));
    encoder enc;
    enc.write_var_string(input);
    EXPECT_EQ(to_hex(enc.data()), c->fields[2]) << c->name;
    const auto b = from_hex(c->fields[2]);
    decoder dec(b);
    const auto s = dec.read_var_string();
    ASSERT_TRUE(s) << c->name;
    EXPECT_EQ(to_hex(*s), to_hex(read_back)) << c->name;
    EXPECT_TRUE(dec.at_end()) << c->name;
    decoder view_dec(b);
    const auto view = view_dec.read_var_string_view();
    ASSERT_TRUE(view) << c->name;
    EXPECT_EQ(*view, read_back) << c->name;  // lib0 writes well-formed UTF-8 only
  }
}

TEST(golden, invalid_utf8_decodes_as_text_decoder) {
  for (const golden_case* c : cases_of("utf8_decode", 2)) {
    const auto raw = from_hex(c->fields[0]);
    std::string out;
    append_utf8_decoded(out, as_string(raw));
    EXPECT_EQ(to_hex(out), c->fields[1]) << c->name;
    EXPECT_EQ(is_valid_utf8(as_string(raw)), to_hex(raw) == c->fields[1]) << c->name;
    encoder enc;
    enc.write_var_bytes(raw);
    decoder dec(enc.data());
    const auto s = dec.read_var_string();
    ASSERT_TRUE(s) << c->name;
    EXPECT_EQ(to_hex(*s), c->fields[1]) << c->name;
  }
}

TEST(golden, any_bytes_match_lib0_both_ways) {
  const std::map<std::string, any> values = any_values();
  std::set<std::string> seen;
  for (const golden_case* c : cases_of("any", 1)) {
    const auto it = values.find(c->name);
    ASSERT_NE(it, values.end()) << "no C++ value for golden any " << c->name;
    seen.insert(c->name);
    EXPECT_EQ(any_hex(it->second), c->fields[0]) << c->name;
    const auto b = from_hex(c->fields[0]);
    decoder dec(b);
    const auto v = dec.read_any();
    ASSERT_TRUE(v) << c->name;
    EXPECT_TRUE(dec.at_end()) << c->name;
    // TextEncoder turned the lone surrogate into U+FFFD; everything else reads back as written.
    const any expected = c->name == "string_lone_surrogate" ? any("\xEF\xBF\xBD") : it->second;
    EXPECT_TRUE(same_value(*v, expected)) << c->name << ": " << to_json(*v);
    EXPECT_EQ(any_hex(*v), c->fields[0]) << c->name;
  }
  EXPECT_EQ(seen.size(), values.size()) << "a C++ value has no golden bytes";
}

TEST(golden, foreign_any_encodings_read_as_lib0_reads_them) {
  for (const golden_case* c : cases_of("any_read", 2)) {
    const auto b = from_hex(c->fields[0]);
    decoder dec(b);
    const auto v = dec.read_any();
    ASSERT_TRUE(v) << c->name;
    EXPECT_TRUE(dec.at_end()) << c->name;
    EXPECT_EQ(any_hex(*v), c->fields[1]) << c->name;
  }
}

TEST(golden, number_to_string_matches_v8) {
  for (const golden_case* c : cases_of("number", 2)) {
    const double v = std::bit_cast<double>(parse_u64_hex(c->fields[0]));
    EXPECT_EQ(js_number_to_string(v), c->fields[1]) << c->name;
  }
}

TEST(golden, to_json_matches_json_stringify) {
  for (const golden_case* c : cases_of("json_stringify", 2)) {
    const auto b = from_hex(c->fields[0]);
    decoder dec(b);
    const auto v = dec.read_any();
    ASSERT_TRUE(v) << c->name;
    EXPECT_EQ(to_hex(to_json(*v)), c->fields[1]) << c->name << ": " << to_json(*v);
  }
}

TEST(golden, parse_json_matches_json_parse) {
  for (const golden_case* c : cases_of("json_parse", 3)) {
    const std::string text = as_string(from_hex(c->fields[0]));
    const auto v = parse_json(text);
    ASSERT_TRUE(v) << c->name << ": " << v.error().message();
    EXPECT_EQ(any_hex(*v), c->fields[1]) << c->name;
    EXPECT_EQ(to_hex(to_json(*v)), c->fields[2]) << c->name << ": " << to_json(*v);
  }
}

TEST(golden, parse_json_rejects_what_json_parse_rejects) {
  for (const golden_case* c : cases_of("json_invalid", 1)) {
    const std::string text = as_string(from_hex(c->fields[0]));
    const auto v = parse_json(text);
    ASSERT_FALSE(v) << c->name << " accepted: " << text;
    EXPECT_EQ(v.error(), errc::invalid_json) << c->name;
  }
}

// Every proper prefix of a golden encoding is an error, never a crash or a shorter value.
TEST(golden, every_truncation_is_an_error) {
  std::size_t checked = 0;
  for (const golden_case& c : all_cases()) {
    std::string encoded;
    if (c.kind == "var_uint" || c.kind == "var_int") encoded = c.fields[1];
    if (c.kind == "string") encoded = c.fields[2];
    if (c.kind == "any" || c.kind == "json_stringify") encoded = c.fields[0];
    if (c.kind == "any_read") encoded = c.fields[0];
    if (encoded.empty()) continue;
    const auto b = from_hex(encoded);
    for (std::size_t n = 0; n < b.size(); ++n) {
      const std::span<const std::uint8_t> prefix(b.data(), n);
      decoder dec(prefix);
      bool failed = false;
      if (c.kind == "var_uint") failed = !dec.read_var_uint();
      else if (c.kind == "var_int") failed = !dec.read_var_int();
      else if (c.kind == "string") failed = !dec.read_var_string() && !decoder(prefix).read_var_string_view();
      else failed = !dec.read_any();
      EXPECT_TRUE(failed) << c.kind << ' ' << c.name << " truncated to " << n << " bytes";
      ++checked;
    }
  }
  EXPECT_GT(checked, 1000u);
}

// Truncated JSON texts may be valid JSON ("12" of "123") but must never crash.
TEST(golden, every_truncation_of_json_text_is_handled) {
  for (const golden_case& c : all_cases()) {
    if (c.kind != "json_parse" && c.kind != "json_invalid") continue;
    const std::string text = as_string(from_hex(c.fields[0]));
    for (std::size_t n = 0; n < text.size(); ++n) {
      const auto v = parse_json(std::string_view(text).substr(0, n));
      if (!v) {
        EXPECT_TRUE(v.error() == errc::invalid_json || v.error() == errc::nesting_too_deep);
      }
    }
  }
}

}  // namespace
}  // namespace yws::encoding
