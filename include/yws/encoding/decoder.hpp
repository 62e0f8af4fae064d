// yws/encoding/decoder.hpp: lib0's binary reader (dmonad/lib0 decoding.js) over a byte span.
//
// Every read is bounds-checked and returns an error instead of reading past the buffer; nothing
// here throws. After an error the decoder's position is unspecified: stop decoding.
//
//   yws::encoding::decoder dec(bytes);
//   YWS_TRY(n, dec.read_var_uint());
//   YWS_TRY(name, dec.read_var_string());
//
// Thread safety: none. Lifetime: the decoder views, and must not outlive, the caller's buffer;
// spans and string_views it returns point into that buffer.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "yws/encoding/any.hpp"
#include "yws/error.hpp"

namespace yws::encoding {

// A decoded lib0 varInt: magnitude and sign kept apart so that -0 survives.
struct var_int {
  std::uint64_t magnitude = 0;
  bool negative = false;
  // The value as int64 (saturating is not needed: magnitudes over 2^63 are rejected on read).
  std::int64_t value() const noexcept {
    return negative ? -static_cast<std::int64_t>(magnitude) : static_cast<std::int64_t>(magnitude);
  }
  friend bool operator==(const var_int&, const var_int&) = default;
};

class decoder {
 public:
  // Depth limit of nested any arrays/objects, so hostile input cannot exhaust the stack.
  static constexpr int max_any_depth = 256;

  explicit decoder(std::span<const std::uint8_t> buf) noexcept : buf_(buf) {}

  [[nodiscard]] result<std::uint8_t> read_u8() noexcept;
  // varUint up to 2^64-1; longer or overflowing encodings are integer_out_of_range.
  [[nodiscard]] result<std::uint64_t> read_var_uint() noexcept;
  // varUint that must fit in 32 bits (lengths, clocks in yrs).
  [[nodiscard]] result<std::uint32_t> read_var_uint32() noexcept;
  // lib0 varInt; magnitude at most 2^63-1.
  [[nodiscard]] result<var_int> read_var_int() noexcept;
  // varString as TextDecoder reads it: invalid UTF-8 sequences become U+FFFD (one per maximal
  // subpart, WHATWG; a BOM is kept). Stricter peers exist: lib0 0.2.120 (pinned) reads with a
  // fatal TextDecoder and yrs with from_utf8, and both reject such input; yws is lenient.
  [[nodiscard]] result<std::string> read_var_string();
  // varString without copying; the bytes are returned as they are (not validated).
  [[nodiscard]] result<std::string_view> read_var_string_view() noexcept;
  [[nodiscard]] result<std::span<const std::uint8_t>> read_var_bytes() noexcept;
  [[nodiscard]] result<std::span<const std::uint8_t>> read_bytes(std::size_t n) noexcept;
  [[nodiscard]] result<float> read_f32() noexcept;
  [[nodiscard]] result<double> read_f64() noexcept;
  [[nodiscard]] result<std::int64_t> read_bigint64() noexcept;
  // lib0 readAny. Accepts both lib0's and yrs' number encodings. Duplicate object keys keep the
  // first key's position and the last value, as a JS object literal assignment does. Arrays and
  // objects nest at most max_any_depth levels (nesting_too_deep beyond); a count that cannot fit
  // in the remaining bytes fails before anything is allocated.
  [[nodiscard]] result<any> read_any();

  std::size_t position() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return buf_.size() - pos_; }
  bool at_end() const noexcept { return pos_ >= buf_.size(); }
  std::span<const std::uint8_t> rest() const noexcept { return buf_.subspan(pos_); }

 private:
  [[nodiscard]] result<any> read_any_at_depth(int depth);

  std::span<const std::uint8_t> buf_;
  std::size_t pos_ = 0;
};

}  // namespace yws::encoding
