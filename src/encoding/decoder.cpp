#include "yws/encoding/decoder.hpp"

#include <bit>
#include <limits>

#include "encoding/byte_order.hpp"
#include "encoding/object_keys.hpp"
#include "yws/encoding/utf8.hpp"

namespace yws::encoding {
namespace {

// Capacity to reserve for a container that claims `n` entries. Claims are checked against the
// remaining bytes, but every nesting level could claim nearly all of them: reserving in full
// would let a small input ask for depth x size x sizeof(any) bytes. Beyond a few entries the
// vector grows with what is really decoded instead.
std::size_t reserve_hint(std::uint64_t n) noexcept { return static_cast<std::size_t>(n < 16 ? n : 16); }

}  // namespace

result<std::uint8_t> decoder::read_u8() noexcept {
  if (pos_ >= buf_.size()) return errc::unexpected_end_of_buffer;
  return buf_[pos_++];
}

// Non-minimal encodings (redundant 0x80 groups) are accepted as lib0 and yrs accept them, but
// never more than 10 bytes, and the 10th byte may only carry bit 63.
result<std::uint64_t> decoder::read_var_uint() noexcept {
  const std::uint8_t* p = buf_.data() + pos_;
  const std::size_t avail = buf_.size() - pos_;
  if (avail == 0) return errc::unexpected_end_of_buffer;
  if (p[0] < 0x80) {
    ++pos_;
    return std::uint64_t{p[0]};
  }
  std::uint64_t v = p[0] & 0x7F;
  for (std::size_t i = 1;; ++i) {
    if (i >= avail) return errc::unexpected_end_of_buffer;
    const std::uint8_t b = p[i];
    if (i == 9) {
      if (b > 1) return errc::integer_out_of_range;
      v |= std::uint64_t{b} << 63;
      pos_ += 10;
      return v;
    }
    v |= std::uint64_t{static_cast<std::uint8_t>(b & 0x7F)} << (7 * i);
    if (b < 0x80) {
      pos_ += i + 1;
      return v;
    }
  }
}

result<std::uint32_t> decoder::read_var_uint32() noexcept {
  const std::size_t start = pos_;
  YWS_TRY(v, read_var_uint());
  if (v > std::numeric_limits<std::uint32_t>::max()) {
    pos_ = start;
    return errc::integer_out_of_range;
  }
  return static_cast<std::uint32_t>(v);
}

// First byte: continue bit, sign bit 0x40, 6 bits of magnitude; then 7 bits per byte. The 10th
// byte holds bit 62 only, which caps the magnitude at 2^63-1.
result<var_int> decoder::read_var_int() noexcept {
  const std::uint8_t* p = buf_.data() + pos_;
  const std::size_t avail = buf_.size() - pos_;
  if (avail == 0) return errc::unexpected_end_of_buffer;
  var_int r;
  r.negative = (p[0] & 0x40) != 0;
  r.magnitude = p[0] & 0x3F;
  if (p[0] < 0x80) {
    ++pos_;
    return r;
  }
  for (std::size_t i = 1;; ++i) {
    if (i >= avail) return errc::unexpected_end_of_buffer;
    const std::uint8_t b = p[i];
    if (i == 9) {
      if (b > 1) return errc::integer_out_of_range;
      r.magnitude |= std::uint64_t{b} << 62;
      pos_ += 10;
      return r;
    }
    r.magnitude |= std::uint64_t{static_cast<std::uint8_t>(b & 0x7F)} << (6 + 7 * (i - 1));
    if (b < 0x80) {
      pos_ += i + 1;
      return r;
    }
  }
}

result<std::string_view> decoder::read_var_string_view() noexcept {
  YWS_TRY(bytes, read_var_bytes());
  return std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

result<std::string> decoder::read_var_string() {
  YWS_TRY(raw, read_var_string_view());
  if (is_valid_utf8(raw)) return std::string(raw);
  std::string fixed;
  append_utf8_decoded(fixed, raw);
  return fixed;
}

result<std::span<const std::uint8_t>> decoder::read_var_bytes() noexcept {
  const std::size_t start = pos_;
  YWS_TRY(n, read_var_uint());
  if (n > remaining()) {
    pos_ = start;
    return errc::unexpected_end_of_buffer;
  }
  return read_bytes(static_cast<std::size_t>(n));
}

result<std::span<const std::uint8_t>> decoder::read_bytes(std::size_t n) noexcept {
  if (n > remaining()) return errc::unexpected_end_of_buffer;
  const std::span<const std::uint8_t> s = buf_.subspan(pos_, n);
  pos_ += n;
  return s;
}

result<float> decoder::read_f32() noexcept {
  if (remaining() < 4) return errc::unexpected_end_of_buffer;
  const auto bits = detail::load_big_endian<std::uint32_t>(buf_.data() + pos_);
  pos_ += 4;
  return std::bit_cast<float>(bits);
}

result<double> decoder::read_f64() noexcept {
  if (remaining() < 8) return errc::unexpected_end_of_buffer;
  const auto bits = detail::load_big_endian<std::uint64_t>(buf_.data() + pos_);
  pos_ += 8;
  return std::bit_cast<double>(bits);
}

result<std::int64_t> decoder::read_bigint64() noexcept {
  if (remaining() < 8) return errc::unexpected_end_of_buffer;
  const auto bits = detail::load_big_endian<std::uint64_t>(buf_.data() + pos_);
  pos_ += 8;
  return static_cast<std::int64_t>(bits);
}

result<any> decoder::read_any() { return read_any_at_depth(0); }

result<any> decoder::read_any_at_depth(int depth) {
  YWS_TRY(tag, read_u8());
  switch (tag) {
    case 127: return any();
    case 126: return any(nullptr);
    case 125: {
      // lib0 writes |n| <= 2^31-1 here, yrs up to 2^53-1; both are plain JS numbers.
      YWS_TRY(n, read_var_int());
      const double magnitude = static_cast<double>(n.magnitude);
      return any(n.negative ? -magnitude : magnitude);
    }
    case 124: {
      YWS_TRY(f, read_f32());
      return any(static_cast<double>(f));
    }
    case 123: {
      YWS_TRY(d, read_f64());
      return any(d);
    }
    case 122: {
      YWS_TRY(b, read_bigint64());
      return any(bigint{b});
    }
    case 121: return any(false);
    case 120: return any(true);
    case 119: {
      YWS_TRY(s, read_var_string());
      return any(std::move(s));
    }
    case 118: {
      if (depth >= max_any_depth) return errc::nesting_too_deep;
      YWS_TRY(n, read_var_uint());
      if (n > remaining() / 2) return errc::unexpected_end_of_buffer;  // >= 2 bytes per entry
      any_object obj;
      obj.reserve(reserve_hint(n));
      for (std::uint64_t i = 0; i < n; ++i) {
        YWS_TRY(key, read_var_string());
        YWS_TRY(value, read_any_at_depth(depth + 1));
        obj.emplace_back(std::move(key), std::move(value));
      }
      detail::assign_duplicate_keys(obj);
      return any(std::move(obj));
    }
    case 117: {
      if (depth >= max_any_depth) return errc::nesting_too_deep;
      YWS_TRY(n, read_var_uint());
      if (n > remaining()) return errc::unexpected_end_of_buffer;  // >= 1 byte per element
      any_array arr;
      arr.reserve(reserve_hint(n));
      for (std::uint64_t i = 0; i < n; ++i) {
        YWS_TRY(value, read_any_at_depth(depth + 1));
        arr.push_back(std::move(value));
      }
      return any(std::move(arr));
    }
    case 116: {
      YWS_TRY(b, read_var_bytes());
      return any(bytes(b.begin(), b.end()));
    }
    default: return errc::invalid_any_tag;
  }
}

}  // namespace yws::encoding
