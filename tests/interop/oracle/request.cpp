#include "request.hpp"

#include <cmath>

#include "hex.hpp"

namespace yws::interop {
namespace {
const encoding::any null_value{nullptr};
const encoding::any_array empty_array;
}  // namespace

const encoding::any& request::field(std::string_view key) {
  if (const auto* v = find(key)) return *v;
  fail("missing field \"" + std::string(key) + "\"");
  return null_value;
}

std::string request::string(std::string_view key) {
  const auto& v = field(key);
  if (v.is_string()) return v.as_string();
  fail("field \"" + std::string(key) + "\" must be a string");
  return {};
}

std::optional<std::string> request::optional_string(std::string_view key) {
  const auto* v = find(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (v->is_string()) return v->as_string();
  fail("field \"" + std::string(key) + "\" must be a string");
  return std::nullopt;
}

std::uint64_t request::integer(std::string_view key, std::uint64_t max) {
  const auto& v = field(key);
  if (v.is_number()) {
    double d = v.as_number();
    if (d >= 0 && d <= static_cast<double>(max) && std::floor(d) == d) return static_cast<std::uint64_t>(d);
  }
  fail("field \"" + std::string(key) + "\" must be an integer in [0, " + std::to_string(max) + "]");
  return 0;
}

bool request::boolean(std::string_view key, bool fallback) {
  const auto* v = find(key);
  if (v == nullptr) return fallback;
  if (v->is_bool()) return v->as_bool();
  fail("field \"" + std::string(key) + "\" must be a boolean");
  return fallback;
}

encoding::any_object request::object(std::string_view key) {
  const auto* v = find(key);
  if (v == nullptr || v->is_null()) return {};
  if (v->is_object()) return v->as_object();
  fail("field \"" + std::string(key) + "\" must be an object");
  return {};
}

const encoding::any_array& request::array(std::string_view key) {
  const auto& v = field(key);
  if (v.is_array()) return v.as_array();
  fail("field \"" + std::string(key) + "\" must be an array");
  return empty_array;
}

std::vector<std::uint8_t> request::bytes(std::string_view key) {
  auto text = string(key);
  auto decoded = app::from_hex(text);
  if (decoded) return std::move(*decoded);
  fail("field \"" + std::string(key) + "\" must be a hex string");
  return {};
}

}  // namespace yws::interop
