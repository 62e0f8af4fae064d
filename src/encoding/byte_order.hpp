// Private: big-endian loads and stores, the byte order of lib0's DataView numbers.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace yws::encoding::detail {

inline std::uint32_t to_big_endian(std::uint32_t v) noexcept {
  if constexpr (std::endian::native == std::endian::little) return __builtin_bswap32(v);
  return v;
}

inline std::uint64_t to_big_endian(std::uint64_t v) noexcept {
  if constexpr (std::endian::native == std::endian::little) return __builtin_bswap64(v);
  return v;
}

template <class U>
inline U load_big_endian(const std::uint8_t* p) noexcept {
  U v;
  std::memcpy(&v, p, sizeof v);
  return to_big_endian(v);  // the swap is its own inverse
}

}  // namespace yws::encoding::detail
