// Access to tests/fixtures/protocol/golden.json (written by tests/interop/gen-protocol-fixtures.mjs).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/test_util.hpp"
#include "yws/encoding/any.hpp"
#include "yws/encoding/json.hpp"

namespace yws::protocol::test {

// The parsed fixture file; a test fails (and gets an empty object) when it cannot be read.
inline const encoding::any& golden() {
  static const encoding::any root = [] {
    const std::string path = std::string(YWS_TEST_FIXTURES) + "/protocol/golden.json";
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = encoding::parse_json(text.str());
    if (!in || !parsed || !parsed->is_object()) {
      ADD_FAILURE() << "cannot read " << path;
      return encoding::any(encoding::any_object{});
    }
    return *parsed;
  }();
  return root;
}

// Field `key` of object `v`; a test failure and null when absent.
inline const encoding::any& field(const encoding::any& v, std::string_view key) {
  static const encoding::any null_value(nullptr);
  const encoding::any* f = v.find(key);
  if (!f) {
    ADD_FAILURE() << "fixture field missing: " << key;
    return null_value;
  }
  return *f;
}

inline bool has_field(const encoding::any& v, std::string_view key) { return v.find(key) != nullptr; }

inline std::string text(const encoding::any& v, std::string_view key) {
  const auto& f = field(v, key);
  return f.is_string() ? f.as_string() : std::string{};
}

inline std::vector<std::uint8_t> bytes_of(const encoding::any& v, std::string_view key) { return unhex(text(v, key)); }

inline std::uint64_t number(const encoding::any& v) { return v.is_number() ? static_cast<std::uint64_t>(v.as_number()) : 0; }

inline std::vector<std::uint64_t> numbers(const encoding::any& v) {
  std::vector<std::uint64_t> out;
  if (v.is_array()) {
    for (const auto& e : v.as_array()) out.push_back(number(e));
  }
  return out;
}

inline const encoding::any_array& list(const encoding::any& v, std::string_view key) {
  static const encoding::any_array empty;
  const auto& f = field(v, key);
  return f.is_array() ? f.as_array() : empty;
}

}  // namespace yws::protocol::test
