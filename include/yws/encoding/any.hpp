// yws/encoding/any.hpp: lib0's `Any`, the JSON-like value Yjs stores in maps, arrays, embeds,
// format attributes and awareness states.
//
// It keeps every distinction lib0 makes: undefined vs null, a JS number (double, -0 kept) vs a
// bigint (int64), strings (UTF-8) vs binary (Uint8Array). Objects are ordered vectors of
// (key, value): decode order is preserved in memory, and writers (lib0 binary and JSON) emit keys
// in JavaScript's Object.keys() order (canonical array-index keys ascending first, then the rest
// in insertion order), which is what Yjs emits.
//
// Thread safety: a value type; distinct objects may be used from distinct threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace yws::encoding {

class any;
using any_array = std::vector<any>;
using any_object = std::vector<std::pair<std::string, any>>;
using bytes = std::vector<std::uint8_t>;

struct undefined_t {
  friend bool operator==(undefined_t, undefined_t) = default;
};
inline constexpr undefined_t undefined{};

// A JS bigint as lib0 writes it (tag 122, 64-bit two's complement).
struct bigint {
  std::int64_t value = 0;
  friend bool operator==(bigint, bigint) = default;
};

class any {
 public:
  enum class kind : std::uint8_t { undefined, null, boolean, number, bigint, string, binary, array, object };

  any() = default;  // undefined
  any(undefined_t) {}
  any(std::nullptr_t) : v_(nullptr) {}
  any(bool b) : v_(b) {}
  any(double d) : v_(d) {}
  any(int i) : v_(static_cast<double>(i)) {}
  any(std::int64_t i) : v_(static_cast<double>(i)) {}  // a JS number, not a bigint
  any(bigint b) : v_(b) {}
  any(std::string s) : v_(std::move(s)) {}
  any(std::string_view s) : v_(std::string(s)) {}
  any(const char* s) : v_(std::string(s)) {}
  any(bytes b) : v_(std::move(b)) {}
  any(any_array a) : v_(std::move(a)) {}
  any(any_object o) : v_(std::move(o)) {}

  kind type() const noexcept { return static_cast<kind>(v_.index()); }
  bool is_undefined() const noexcept { return type() == kind::undefined; }
  bool is_null() const noexcept { return type() == kind::null; }
  bool is_bool() const noexcept { return type() == kind::boolean; }
  bool is_number() const noexcept { return type() == kind::number; }
  bool is_bigint() const noexcept { return type() == kind::bigint; }
  bool is_string() const noexcept { return type() == kind::string; }
  bool is_binary() const noexcept { return type() == kind::binary; }
  bool is_array() const noexcept { return type() == kind::array; }
  bool is_object() const noexcept { return type() == kind::object; }

  // Requires: the matching is_*() is true.
  bool as_bool() const { return std::get<bool>(v_); }
  double as_number() const { return std::get<double>(v_); }
  std::int64_t as_bigint() const { return std::get<bigint>(v_).value; }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const bytes& as_binary() const { return std::get<bytes>(v_); }
  const any_array& as_array() const { return std::get<any_array>(v_); }
  any_array& as_array() { return std::get<any_array>(v_); }
  const any_object& as_object() const { return std::get<any_object>(v_); }
  any_object& as_object() { return std::get<any_object>(v_); }

  // Object lookup by key (last write wins, as in JS); nullptr when absent or not an object.
  const any* find(std::string_view key) const;

  // Structural equality. Numbers compare by value with -0 == 0 and NaN != NaN (as JS `===`);
  // objects compare as key sets (order-insensitive), as two JS objects with equal JSON would.
  friend bool operator==(const any& a, const any& b);

 private:
  std::variant<undefined_t, std::nullptr_t, bool, double, bigint, std::string, bytes, any_array, any_object> v_;
};

// Equality as JS Object.is compares numbers (NaN equals NaN, -0 differs from 0), otherwise as
// operator==. This is what "decodes to the same value" means in round-trip checks.
bool same_value(const any& a, const any& b);

// True when `key` is a canonical JS array index ("0", "1", ... up to 2^32-2, no leading zeros),
// the keys that JS orders first and ascending in Object.keys().
bool is_array_index_key(std::string_view key) noexcept;

// The order in which JS would enumerate `obj`'s keys: indices into `obj`. With duplicate keys
// (possible in a hand-built object), one index per distinct key: the entry holding its last
// value, placed where the key first appeared, as consecutive JS assignments would leave it.
std::vector<std::size_t> js_key_order(const any_object& obj);

}  // namespace yws::encoding
