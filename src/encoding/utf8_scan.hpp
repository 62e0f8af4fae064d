// Private: the one UTF-8 scanner behind utf8.cpp and the JSON writer and reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace yws::encoding::detail {

inline constexpr char32_t replacement_char = 0xFFFD;

struct utf8_unit {
  enum class kind : std::uint8_t { scalar, surrogate, invalid };
  char32_t code_point;     // 0xFFFD for invalid
  std::uint8_t length;     // bytes consumed (the maximal subpart for invalid, at least 1)
  kind what;
};

// Decodes one non-ASCII unit at p (p < end, *p >= 0x80). With `allow_surrogates`, a 3-byte
// encoded surrogate (ED A0..BF 80..BF) is a `surrogate` unit; without it, ED only accepts
// 80..9F as WHATWG requires, so an encoded surrogate is three invalid units.
inline utf8_unit decode_unit(const unsigned char* p, const unsigned char* end,
                             bool allow_surrogates) noexcept {
  const unsigned b0 = p[0];
  unsigned need = 0;
  unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  char32_t cp = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2;
    cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED && !allow_surrogates) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3;
    cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return {replacement_char, 1, utf8_unit::kind::invalid};
  }
  std::uint8_t len = 1;
  for (unsigned i = 0; i < need; ++i) {
    if (p + len >= end) return {replacement_char, len, utf8_unit::kind::invalid};
    const unsigned b = p[len];
    if (b < lo || b > hi) return {replacement_char, len, utf8_unit::kind::invalid};
    lo = 0x80;
    hi = 0xBF;
    cp = (cp << 6) | (b & 0x3F);
    ++len;
  }
  if (cp >= 0xD800 && cp <= 0xDFFF) return {cp, len, utf8_unit::kind::surrogate};
  return {cp, len, utf8_unit::kind::scalar};
}

// Length of the leading run of ASCII bytes in [p, end), eight bytes at a time.
inline std::size_t ascii_prefix(const unsigned char* p, const unsigned char* end) noexcept {
  const unsigned char* q = p;
  while (end - q >= 8) {
    std::uint64_t w;
    std::memcpy(&w, q, 8);
    if (w & 0x8080808080808080ULL) break;
    q += 8;
  }
  while (q < end && *q < 0x80) ++q;
  return static_cast<std::size_t>(q - p);
}

// Appends code point `cp` (surrogates included, giving WTF-8) as UTF-8.
inline void append_code_point(std::string& out, char32_t cp) {
  char buf[4];
  std::size_t n;
  if (cp < 0x80) {
    buf[0] = static_cast<char>(cp);
    n = 1;
  } else if (cp < 0x800) {
    buf[0] = static_cast<char>(0xC0 | (cp >> 6));
    buf[1] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    buf[0] = static_cast<char>(0xE0 | (cp >> 12));
    buf[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buf[2] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    buf[0] = static_cast<char>(0xF0 | (cp >> 18));
    buf[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    buf[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buf[3] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 4;
  }
  out.append(buf, n);
}

// Reads the JS view of a WTF-8 unit at p (non-ASCII): a high surrogate directly followed by a
// low one is combined into one supplementary code point (consuming both); a lone surrogate is
// returned as such; invalid bytes as U+FFFD `invalid` units.
inline utf8_unit decode_js_unit(const unsigned char* p, const unsigned char* end) noexcept {
  utf8_unit u = decode_unit(p, end, true);
  if (u.what == utf8_unit::kind::surrogate && u.code_point <= 0xDBFF && end - p >= 6) {
    const utf8_unit next = decode_unit(p + 3, end, true);
    if (next.what == utf8_unit::kind::surrogate && next.code_point >= 0xDC00) {
      const char32_t cp = 0x10000 + ((u.code_point - 0xD800) << 10) + (next.code_point - 0xDC00);
      return {cp, 6, utf8_unit::kind::scalar};
    }
  }
  return u;
}

}  // namespace yws::encoding::detail
