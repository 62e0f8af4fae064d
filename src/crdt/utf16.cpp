#include "crdt/utf16.hpp"

#include "yws/encoding/utf8.hpp"

namespace yws::crdt::detail {

namespace {
std::size_t sequence_length(unsigned char b) noexcept { return b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4; }
}  // namespace

std::uint32_t utf16_length(std::string_view s) noexcept {
  std::uint32_t units = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const std::size_t n = sequence_length(b);
    units += n == 4 ? 2 : 1;
    i += n;
  }
  return units;
}

utf16_position find_utf16_offset(std::string_view s, std::uint32_t units, bool ascii_hint) noexcept {
  if (ascii_hint) return {units, false, 0};
  std::uint32_t seen = 0;
  std::size_t i = 0;
  while (i < s.size() && seen < units) {
    const std::size_t n = sequence_length(static_cast<unsigned char>(s[i]));
    if (n == 4) {
      if (seen + 1 == units) return {i, true, i + 4};
      seen += 2;
    } else {
      seen += 1;
    }
    i += n;
  }
  return {i, false, 0};
}

std::string sanitize_utf8(std::string_view s) {
  if (encoding::is_valid_utf8(s)) return std::string(s);
  std::string out;
  encoding::append_utf8_decoded(out, s);
  return out;
}

}  // namespace yws::crdt::detail
