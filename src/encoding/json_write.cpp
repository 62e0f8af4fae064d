// JSON.stringify and Number#toString, byte for byte as V8 writes them.
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "encoding/object_keys.hpp"
#include "encoding/utf8_scan.hpp"
#include "yws/encoding/json.hpp"

namespace yws::encoding {
namespace {

void append_hex4(std::string& out, unsigned v) {
  static constexpr char digits[] = "0123456789abcdef";
  const char buf[6] = {'\\', 'u', digits[(v >> 12) & 0xF], digits[(v >> 8) & 0xF],
                       digits[(v >> 4) & 0xF], digits[v & 0xF]};
  out.append(buf, 6);
}

void append_escaped(std::string& out, unsigned char c) {
  switch (c) {
    case '"': out.append("\\\""); return;
    case '\\': out.append("\\\\"); return;
    case '\b': out.append("\\b"); return;
    case '\f': out.append("\\f"); return;
    case '\n': out.append("\\n"); return;
    case '\r': out.append("\\r"); return;
    case '\t': out.append("\\t"); return;
    default: append_hex4(out, c); return;
  }
}

// A JSON string literal of the JS string that the WTF-8 `s` represents: lone surrogates are
// escaped as JSON.stringify does (well-formed stringify), invalid bytes become U+FFFD.
void append_json_string(std::string& out, std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  const auto* run = p;
  auto flush = [&] { out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run)); };
  out.push_back('"');
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      if (c >= 0x20 && c != '"' && c != '\\') {
        ++p;
        continue;
      }
      flush();
      append_escaped(out, c);
      run = ++p;
      continue;
    }
    const detail::utf8_unit u = detail::decode_js_unit(p, end);
    if (u.what == detail::utf8_unit::kind::scalar && u.length <= 4) {  // copied as it is
      p += u.length;
      continue;
    }
    flush();
    if (u.what == detail::utf8_unit::kind::surrogate) {
      append_hex4(out, static_cast<unsigned>(u.code_point));
    } else {  // a surrogate pair written as two 3-byte halves, or invalid bytes
      detail::append_code_point(out, u.code_point);
    }
    run = p += u.length;
  }
  flush();
  out.push_back('"');
}

std::size_t format_finite(char* out, double v);

void append_number(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out.append("null");
  } else if (d == 0) {
    out.push_back('0');
  } else {
    char buf[32];
    out.append(buf, format_finite(buf, d));
  }
}

}  // namespace

namespace {

// Writes Number::toString(v) of a finite, non-zero `v` into `out` (at least 32 chars); returns
// the length.
std::size_t format_finite(char* out, double v) {
  char* o = out;
  if (v < 0) {
    *o++ = '-';
    v = -v;
  }
  if (v < 9007199254740992.0 && std::trunc(v) == v) {  // the common case: a safe integer
    return static_cast<std::size_t>(
        std::to_chars(o, out + 32, static_cast<std::uint64_t>(v)).ptr - out);
  }
  // The shortest round-trip digits, then ECMA-262 Number::toString's layout of them.
  char sci[32];
  const char* sci_end = std::to_chars(sci, sci + sizeof sci, v, std::chars_format::scientific).ptr;
  char digits[20];  // d[.ddd]e(+|-)xx: at most 17 significant digits
  int k = 0;
  const char* c = sci;
  for (; *c != 'e'; ++c) {
    if (*c != '.') digits[k++] = *c;
  }
  ++c;  // 'e'
  if (*c == '+') ++c;
  int exponent = 0;
  std::from_chars(c, sci_end, exponent);
  const int n = exponent + 1;  // v = 0.digits * 10^n
  auto put = [&](const char* p, int count) {
    std::memcpy(o, p, static_cast<std::size_t>(count));
    o += count;
  };
  auto zeros = [&](int count) {
    std::memset(o, '0', static_cast<std::size_t>(count));
    o += count;
  };
  if (k <= n && n <= 21) {
    put(digits, k);
    zeros(n - k);
  } else if (0 < n && n <= 21) {
    put(digits, n);
    *o++ = '.';
    put(digits + n, k - n);
  } else if (-6 < n && n <= 0) {
    put("0.", 2);
    zeros(-n);
    put(digits, k);
  } else {
    *o++ = digits[0];
    if (k > 1) {
      *o++ = '.';
      put(digits + 1, k - 1);
    }
    *o++ = 'e';
    *o++ = n - 1 < 0 ? '-' : '+';
    o = std::to_chars(o, out + 32, std::abs(n - 1)).ptr;
  }
  return static_cast<std::size_t>(o - out);
}

}  // namespace

std::string js_number_to_string(double v) {
  if (std::isnan(v)) return "NaN";
  if (v == 0) return "0";
  if (std::isinf(v)) return v < 0 ? "-Infinity" : "Infinity";
  char buf[32];
  return std::string(buf, format_finite(buf, v));
}

void append_json(std::string& out, const any& v) {
  switch (v.type()) {
    case any::kind::undefined: return;  // JSON.stringify(undefined) writes nothing
    case any::kind::null: out.append("null"); return;
    case any::kind::boolean: out.append(v.as_bool() ? "true" : "false"); return;
    case any::kind::number: append_number(out, v.as_number()); return;
    case any::kind::bigint: out.append(std::to_string(v.as_bigint())); return;
    case any::kind::string: append_json_string(out, v.as_string()); return;
    case any::kind::binary: {  // a Uint8Array stringifies as an object of its indices
      out.push_back('{');
      const bytes& b = v.as_binary();
      for (std::size_t i = 0; i < b.size(); ++i) {
        if (i > 0) out.push_back(',');
        out.push_back('"');
        out.append(std::to_string(i));
        out.append("\":");
        out.append(std::to_string(b[i]));
      }
      out.push_back('}');
      return;
    }
    case any::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const any& e : v.as_array()) {
        if (!first) out.push_back(',');
        first = false;
        if (e.is_undefined()) {
          out.append("null");
        } else {
          append_json(out, e);
        }
      }
      out.push_back(']');
      return;
    }
    case any::kind::object: {
      const any_object& o = v.as_object();
      bool first = true;
      auto member = [&](const std::pair<std::string, any>& kv) {
        if (kv.second.is_undefined()) return;
        if (!first) out.push_back(',');
        first = false;
        append_json_string(out, kv.first);
        out.push_back(':');
        append_json(out, kv.second);
      };
      out.push_back('{');
      if (detail::is_in_js_key_order(o)) {
        for (const auto& kv : o) member(kv);
      } else {
        for (std::size_t i : js_key_order(o)) member(o[i]);
      }
      out.push_back('}');
      return;
    }
  }
}

std::string to_json(const any& v) {
  std::string out;
  append_json(out, v);
  return out;
}

}  // namespace yws::encoding
