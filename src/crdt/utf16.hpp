// crdt/utf16.hpp: UTF-16 arithmetic over the UTF-8 strings yws stores.
//
// Yjs measures text in UTF-16 code units (JS string length); yws keeps text as UTF-8. These
// helpers convert positions. Inputs are well-formed UTF-8 (content strings always are: decoded
// strings went through TextDecoder rules and local input is sanitised).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace yws::crdt::detail {

// Number of UTF-16 code units of the well-formed UTF-8 string `s`.
std::uint32_t utf16_length(std::string_view s) noexcept;

// Where UTF-16 offset `units` falls in `s`.
struct utf16_position {
  std::size_t byte = 0;       // byte offset of the split (start of the character at `units`)
  bool inside_pair = false;   // `units` is between the two surrogates of one 4-byte character;
                              // then `byte` is that character's start and `pair_end` its end
  std::size_t pair_end = 0;
};
// Requires: units <= utf16_length(s). `ascii_hint`: s is known to be ASCII (bytes == units).
utf16_position find_utf16_offset(std::string_view s, std::uint32_t units, bool ascii_hint) noexcept;

// Appends the UTF-16 code units of `s` one by one as strings (Yjs ContentString.getContent():
// str.split('')). A surrogate half is written as WTF-8 (3 bytes), the form yws' any strings use
// for lone surrogates.
template <class F>
void for_each_utf16_unit(std::string_view s, F&& f);

// The UTF-8 bytes of U+FFFD, what Yjs puts in place of a surrogate pair split in two.
inline constexpr std::string_view replacement_char = "\xEF\xBF\xBD";

// `s` with ill-formed sequences replaced by U+FFFD (TextDecoder rules); `s` itself when valid.
std::string sanitize_utf8(std::string_view s);

template <class F>
void for_each_utf16_unit(std::string_view s, F&& f) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    const std::size_t n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    if (n < 4) {
      f(s.substr(i, n));
    } else {
      // Decode the code point and emit its two surrogates as 3-byte WTF-8 sequences.
      const std::uint32_t cp = ((b & 0x07u) << 18) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 12) |
                               ((static_cast<unsigned char>(s[i + 2]) & 0x3Fu) << 6) |
                               (static_cast<unsigned char>(s[i + 3]) & 0x3Fu);
      const std::uint32_t v = cp - 0x10000;
      for (const std::uint32_t unit : {0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF)}) {
        const char enc[3] = {static_cast<char>(0xE0 | (unit >> 12)), static_cast<char>(0x80 | ((unit >> 6) & 0x3F)),
                             static_cast<char>(0x80 | (unit & 0x3F))};
        f(std::string_view(enc, 3));
      }
    }
    i += n;
  }
}

}  // namespace yws::crdt::detail
