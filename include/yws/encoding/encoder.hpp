// yws/encoding/encoder.hpp: lib0's binary writer (dmonad/lib0 encoding.js), byte-exact.
//
//   yws::encoding::encoder enc;
//   enc.write_var_uint(1);
//   enc.write_var_string("t");
//   std::vector<std::uint8_t> bytes = std::move(enc).take();
//
// Thread safety: none; one encoder per thread. Lifetime: owns its buffer.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "yws/encoding/any.hpp"

namespace yws::encoding {

class encoder {
 public:
  encoder() = default;
  explicit encoder(std::size_t reserve) { buf_.reserve(reserve); }

  void write_u8(std::uint8_t b) { buf_.push_back(b); }
  // varUint: little-endian groups of 7 bits, 0x80 = continue. Full 64-bit range.
  void write_var_uint(std::uint64_t n);
  // varInt in lib0's sign-magnitude format (not zig-zag): the first byte carries bit 0x40 as the
  // sign and 6 bits of magnitude. `negative` with magnitude 0 writes JS's -0 (0x40).
  void write_var_int(std::uint64_t magnitude, bool negative);
  void write_var_int(std::int64_t v) {
    write_var_int(v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v), v < 0);
  }
  // varString: varUint(UTF-8 byte length) + bytes. Invalid UTF-8 (e.g. a lone surrogate encoded
  // as CESU) is replaced by U+FFFD, as TextEncoder does with lone surrogates.
  void write_var_string(std::string_view utf8);
  // varUint8Array: varUint(length) + bytes.
  void write_var_bytes(std::span<const std::uint8_t> b);
  // Raw bytes without a length (lib0 writeUint8Array).
  void write_bytes(std::span<const std::uint8_t> b) { append(b.data(), b.size()); }
  // Big-endian, as lib0's DataView writes.
  void write_f32(float v);
  void write_f64(double v);
  void write_bigint64(std::int64_t v);
  // lib0 writeAny with lib0's number rules (integers within +-(2^31-1), -0 included, as tag 125;
  // float32 when exact; else float64) and JS key order for objects.
  void write_any(const any& v);

  std::span<const std::uint8_t> data() const noexcept { return buf_; }
  std::size_t size() const noexcept { return buf_.size(); }
  std::vector<std::uint8_t> take() && { return std::move(buf_); }
  void clear() noexcept { buf_.clear(); }

 private:
  void append(const void* p, std::size_t n);

  std::vector<std::uint8_t> buf_;
};

}  // namespace yws::encoding
