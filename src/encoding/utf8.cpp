#include "yws/encoding/utf8.hpp"

#include "encoding/utf8_scan.hpp"

namespace yws::encoding {
namespace {

const unsigned char* ubegin(std::string_view s) noexcept {
  return reinterpret_cast<const unsigned char*>(s.data());
}

bool is_continuation(unsigned char b) noexcept { return (b & 0xC0) == 0x80; }

// The length of the well-formed character at p (non-ASCII), or 0. The same rules as
// detail::decode_unit without assembling the code point: this is the hot path of every string.
std::size_t well_formed_length(const unsigned char* p, const unsigned char* end) noexcept {
  const unsigned b0 = p[0];
  const std::size_t avail = static_cast<std::size_t>(end - p);
  if (b0 < 0xC2) return 0;
  if (b0 < 0xE0) return avail >= 2 && is_continuation(p[1]) ? 2 : 0;
  if (b0 < 0xF0) {
    if (avail < 3 || !is_continuation(p[2])) return 0;
    const unsigned b1 = p[1];
    const bool ok = b0 == 0xE0 ? (b1 >= 0xA0 && b1 <= 0xBF)
                  : b0 == 0xED ? (b1 >= 0x80 && b1 <= 0x9F)
                               : is_continuation(static_cast<unsigned char>(b1));
    return ok ? 3 : 0;
  }
  if (b0 > 0xF4 || avail < 4 || !is_continuation(p[2]) || !is_continuation(p[3])) return 0;
  const unsigned b1 = p[1];
  const bool ok = b0 == 0xF0 ? (b1 >= 0x90 && b1 <= 0xBF)
                : b0 == 0xF4 ? (b1 >= 0x80 && b1 <= 0x8F)
                             : is_continuation(static_cast<unsigned char>(b1));
  return ok ? 4 : 0;
}

// The end of the well-formed UTF-8 that starts at p.
const unsigned char* well_formed_end(const unsigned char* p, const unsigned char* end) noexcept {
  while (p < end) {
    if (*p < 0x80) {
      p += detail::ascii_prefix(p, end);
      continue;
    }
    const std::size_t n = well_formed_length(p, end);
    if (n == 0) break;
    p += n;
  }
  return p;
}

// Appends `s` to `out`, copying runs of well-formed UTF-8 as they are and handing every other
// unit to `fix(out, p, end)`, which appends its replacement and returns the bytes it consumed.
template <class Fix>
void append_fixed(std::string& out, std::string_view s, Fix fix) {
  const unsigned char* p = ubegin(s);
  const unsigned char* end = p + s.size();
  out.reserve(out.size() + s.size());
  while (p < end) {
    const unsigned char* run = p;
    p = well_formed_end(p, end);
    out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run));
    if (p == end) break;
    p += fix(out, p, end);
  }
}

}  // namespace

bool is_valid_utf8(std::string_view s) noexcept {
  const unsigned char* end = ubegin(s) + s.size();
  return well_formed_end(ubegin(s), end) == end;
}

void append_utf8_decoded(std::string& out, std::string_view bytes) {
  append_fixed(out, bytes, [](std::string& o, const unsigned char* p, const unsigned char* end) {
    detail::append_code_point(o, detail::replacement_char);
    return detail::decode_unit(p, end, false).length;
  });
}

void append_utf8_encoded(std::string& out, std::string_view s) {
  append_fixed(out, s, [](std::string& o, const unsigned char* p, const unsigned char* end) {
    const detail::utf8_unit u = detail::decode_js_unit(p, end);
    const bool scalar = u.what == detail::utf8_unit::kind::scalar;  // a pair written in halves
    detail::append_code_point(o, scalar ? u.code_point : detail::replacement_char);
    return u.length;
  });
}

}  // namespace yws::encoding
