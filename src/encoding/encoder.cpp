#include "yws/encoding/encoder.hpp"

#include <bit>
#include <cmath>
#include <limits>
#include <string>

#include "encoding/byte_order.hpp"
#include "encoding/object_keys.hpp"
#include "yws/encoding/utf8.hpp"

namespace yws::encoding {
namespace {

// lib0 writes integers of magnitude up to 2^31-1 as varInt (tag 125).
constexpr double max_any_integer = 2147483647.0;

// lib0 isFloat32(v): float32 holds v exactly. Values past float range are not cast: that is UB.
bool is_float32(double v) noexcept {
  if (std::isnan(v)) return false;
  if (std::isinf(v)) return true;
  if (std::fabs(v) > static_cast<double>(std::numeric_limits<float>::max())) return false;
  return static_cast<double>(static_cast<float>(v)) == v;
}

}  // namespace

// push_back per byte: for the few bytes of a varint it is several times faster than a range
// insert (measured with g++ 12 -O2: 2 ns against 20 ns per varUint).
void encoder::write_var_uint(std::uint64_t n) {
  while (n > 0x7F) {
    buf_.push_back(static_cast<std::uint8_t>(0x80 | (n & 0x7F)));
    n >>= 7;
  }
  buf_.push_back(static_cast<std::uint8_t>(n));
}

void encoder::write_var_int(std::uint64_t magnitude, bool negative) {
  buf_.push_back(static_cast<std::uint8_t>((magnitude > 0x3F ? 0x80 : 0) | (negative ? 0x40 : 0) |
                                           (magnitude & 0x3F)));
  magnitude >>= 6;
  while (magnitude > 0) {
    buf_.push_back(static_cast<std::uint8_t>((magnitude > 0x7F ? 0x80 : 0) | (magnitude & 0x7F)));
    magnitude >>= 7;
  }
}

void encoder::append(const void* p, std::size_t n) {
  // Raw uint8 pointers: inserting from char iterators is an element loop, ~15x slower.
  const auto* b = static_cast<const std::uint8_t*>(p);
  if (n <= 8) {
    for (std::size_t i = 0; i < n; ++i) buf_.push_back(b[i]);
  } else {
    buf_.insert(buf_.end(), b, b + n);
  }
}

void encoder::write_var_string(std::string_view utf8) {
  if (is_valid_utf8(utf8)) {
    write_var_uint(utf8.size());
    append(utf8.data(), utf8.size());
    return;
  }
  std::string fixed;
  append_utf8_encoded(fixed, utf8);
  write_var_uint(fixed.size());
  append(fixed.data(), fixed.size());
}

void encoder::write_var_bytes(std::span<const std::uint8_t> b) {
  write_var_uint(b.size());
  write_bytes(b);
}

void encoder::write_f32(float v) {
  const std::uint32_t be = detail::to_big_endian(std::bit_cast<std::uint32_t>(v));
  append(&be, 4);
}

void encoder::write_f64(double v) {
  const std::uint64_t be = detail::to_big_endian(std::bit_cast<std::uint64_t>(v));
  append(&be, 8);
}

void encoder::write_bigint64(std::int64_t v) {
  const std::uint64_t be = detail::to_big_endian(static_cast<std::uint64_t>(v));
  append(&be, 8);
}

void encoder::write_any(const any& v) {
  switch (v.type()) {
    case any::kind::undefined: write_u8(127); return;
    case any::kind::null: write_u8(126); return;
    case any::kind::boolean: write_u8(v.as_bool() ? 120 : 121); return;
    case any::kind::number: {
      const double d = v.as_number();
      if (std::fabs(d) <= max_any_integer && std::trunc(d) == d) {
        write_u8(125);  // -0 keeps its sign: 7d 40
        write_var_int(static_cast<std::uint64_t>(std::fabs(d)), std::signbit(d));
      } else if (is_float32(d)) {
        write_u8(124);
        write_f32(static_cast<float>(d));
      } else {
        write_u8(123);
        write_f64(d);  // NaN payloads too: V8's DataView keeps them
      }
      return;
    }
    case any::kind::bigint:
      write_u8(122);
      write_bigint64(v.as_bigint());
      return;
    case any::kind::string:
      write_u8(119);
      write_var_string(v.as_string());
      return;
    case any::kind::binary:
      write_u8(116);
      write_var_bytes(v.as_binary());
      return;
    case any::kind::array: {
      const any_array& a = v.as_array();
      write_u8(117);
      write_var_uint(a.size());
      for (const any& e : a) write_any(e);
      return;
    }
    case any::kind::object: {
      const any_object& o = v.as_object();
      write_u8(118);
      if (detail::is_in_js_key_order(o)) {
        write_var_uint(o.size());
        for (const auto& [key, value] : o) {
          write_var_string(key);
          write_any(value);
        }
        return;
      }
      const std::vector<std::size_t> order = js_key_order(o);
      write_var_uint(order.size());
      for (std::size_t i : order) {
        write_var_string(o[i].first);
        write_any(o[i].second);
      }
      return;
    }
  }
}

}  // namespace yws::encoding
