#include "yws/encoding/any.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>

#include "encoding/object_keys.hpp"

namespace yws::encoding {
namespace detail {
namespace {

// Up to this many keys, duplicates are found by pairwise comparison without allocating.
constexpr std::size_t small_object = 16;

}  // namespace

std::vector<std::size_t> first_occurrences(const any_object& obj) {
  const std::size_t n = obj.size();
  if (n < 2) return {};
  if (n <= small_object) {
    bool duplicate = false;
    for (std::size_t i = 1; i < n && !duplicate; ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (obj[i].first == obj[j].first) {
          duplicate = true;
          break;
        }
      }
    }
    if (!duplicate) return {};
    std::vector<std::size_t> first(n);
    for (std::size_t i = 0; i < n; ++i) {
      first[i] = i;
      for (std::size_t j = 0; j < i; ++j) {
        if (obj[i].first == obj[j].first) {
          first[i] = j;
          break;
        }
      }
    }
    return first;
  }
  std::vector<std::size_t> by_key(n);
  std::iota(by_key.begin(), by_key.end(), std::size_t{0});
  std::stable_sort(by_key.begin(), by_key.end(),
                   [&](std::size_t a, std::size_t b) { return obj[a].first < obj[b].first; });
  std::vector<std::size_t> first(n);
  bool duplicate = false;
  for (std::size_t g = 0; g < n;) {
    std::size_t e = g + 1;
    while (e < n && obj[by_key[e]].first == obj[by_key[g]].first) ++e;
    duplicate = duplicate || e - g > 1;
    for (std::size_t k = g; k < e; ++k) first[by_key[k]] = by_key[g];  // stable: smallest first
    g = e;
  }
  if (!duplicate) return {};
  return first;
}

void assign_duplicate_keys(any_object& obj) {
  const std::vector<std::size_t> first = first_occurrences(obj);
  if (first.empty()) return;
  for (std::size_t i = 0; i < obj.size(); ++i) {
    if (first[i] != i) obj[first[i]].second = std::move(obj[i].second);
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < obj.size(); ++i) {
    if (first[i] != i) continue;
    if (kept != i) obj[kept] = std::move(obj[i]);
    ++kept;
  }
  obj.erase(obj.begin() + static_cast<std::ptrdiff_t>(kept), obj.end());
}

}  // namespace detail

namespace {

// The numeric value of an array-index key (see is_array_index_key).
std::uint32_t array_index(std::string_view key) noexcept {
  std::uint64_t v = 0;
  for (char c : key) v = v * 10 + static_cast<std::uint64_t>(c - '0');
  return static_cast<std::uint32_t>(v);
}

bool numbers_equal(double a, double b, bool same_value) noexcept {
  if (!same_value) return a == b;
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return a == b && std::signbit(a) == std::signbit(b);
}

bool equal(const any& a, const any& b, bool same_value);

bool objects_equal(const any_object& a, const any_object& b, bool same_value) {
  std::vector<std::size_t> ka = js_key_order(a);
  std::vector<std::size_t> kb = js_key_order(b);
  if (ka.size() != kb.size()) return false;
  std::sort(ka.begin(), ka.end(), [&](std::size_t x, std::size_t y) { return a[x].first < a[y].first; });
  std::sort(kb.begin(), kb.end(), [&](std::size_t x, std::size_t y) { return b[x].first < b[y].first; });
  for (std::size_t i = 0; i < ka.size(); ++i) {
    if (a[ka[i]].first != b[kb[i]].first) return false;
    if (!equal(a[ka[i]].second, b[kb[i]].second, same_value)) return false;
  }
  return true;
}

bool equal(const any& a, const any& b, bool same_value) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case any::kind::undefined:
    case any::kind::null: return true;
    case any::kind::boolean: return a.as_bool() == b.as_bool();
    case any::kind::number: return numbers_equal(a.as_number(), b.as_number(), same_value);
    case any::kind::bigint: return a.as_bigint() == b.as_bigint();
    case any::kind::string: return a.as_string() == b.as_string();
    case any::kind::binary: return a.as_binary() == b.as_binary();
    case any::kind::array: {
      const any_array& x = a.as_array();
      const any_array& y = b.as_array();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i) {
        if (!equal(x[i], y[i], same_value)) return false;
      }
      return true;
    }
    case any::kind::object: return objects_equal(a.as_object(), b.as_object(), same_value);
  }
  return false;
}

}  // namespace

const any* any::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  const any_object& obj = as_object();
  for (auto it = obj.rbegin(); it != obj.rend(); ++it) {
    if (it->first == key) return &it->second;
  }
  return nullptr;
}

bool operator==(const any& a, const any& b) { return equal(a, b, false); }

bool same_value(const any& a, const any& b) { return equal(a, b, true); }

bool detail::is_in_js_key_order(const any_object& obj) {
  bool past_indices = false;
  std::uint32_t previous = 0;
  for (std::size_t i = 0; i < obj.size(); ++i) {
    if (!is_array_index_key(obj[i].first)) {
      past_indices = true;
      continue;
    }
    const std::uint32_t index = array_index(obj[i].first);
    if (past_indices || (i > 0 && index <= previous)) return false;
    previous = index;
  }
  return first_occurrences(obj).empty();
}

bool is_array_index_key(std::string_view key) noexcept {
  if (key.empty() || key.size() > 10) return false;
  if (key[0] == '0') return key.size() == 1;
  std::uint64_t v = 0;
  for (char c : key) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v <= 4294967294ULL;  // 2^32 - 2, the largest array index
}

std::vector<std::size_t> js_key_order(const any_object& obj) {
  const std::vector<std::size_t> first = detail::first_occurrences(obj);
  // value_of[i]: for a first occurrence i, the entry holding the key's last value.
  std::vector<std::size_t> value_of(obj.size());
  std::iota(value_of.begin(), value_of.end(), std::size_t{0});
  if (!first.empty()) {
    for (std::size_t i = 0; i < obj.size(); ++i) value_of[first[i]] = i;
  }
  std::vector<std::size_t> indices;  // first occurrences of array-index keys
  std::vector<std::size_t> order;
  order.reserve(obj.size());
  for (std::size_t i = 0; i < obj.size(); ++i) {
    if (!first.empty() && first[i] != i) continue;
    if (is_array_index_key(obj[i].first)) {
      indices.push_back(i);
    } else {
      order.push_back(i);
    }
  }
  std::sort(indices.begin(), indices.end(), [&](std::size_t x, std::size_t y) {
    return array_index(obj[x].first) < array_index(obj[y].first);
  });
  order.insert(order.begin(), indices.begin(), indices.end());
  for (std::size_t& i : order) i = value_of[i];
  return order;
}

}  // namespace yws::encoding
