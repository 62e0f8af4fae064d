// JSON.parse over UTF-8 text.
//
// The text is read as JSON.parse reads the JS string that TextDecoder makes of these bytes:
// invalid UTF-8 inside a string literal becomes U+FFFD; outside literals only ASCII is valid
// JSON anyway. A "\uD800" escape without its pair is kept as a lone surrogate (3-byte WTF-8,
// see utf8.hpp), so it stringifies back to "\ud800" and is written to lib0 as U+FFFD, exactly
// as a JS string holding it would be.
#include <charconv>
#include <limits>

#include "encoding/object_keys.hpp"
#include "encoding/utf8_scan.hpp"
#include "yws/encoding/json.hpp"

namespace yws::encoding {
namespace {

constexpr int max_json_depth = 256;

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

class json_parser {
 public:
  explicit json_parser(std::string_view text) noexcept : text_(text) {}

  result<any> parse_document() {
    YWS_TRY(v, parse_value(0));
    skip_whitespace();
    if (pos_ != text_.size()) return errc::invalid_json;
    return v;
  }

 private:
  bool at(char c) const noexcept { return pos_ < text_.size() && text_[pos_] == c; }

  void skip_whitespace() noexcept {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
      ++pos_;
    }
  }

  result<any> parse_value(int depth) {
    skip_whitespace();
    if (pos_ >= text_.size()) return errc::invalid_json;
    switch (text_[pos_]) {
      case '{': return parse_object(depth);
      case '[': return parse_array(depth);
      case '"': {
        YWS_TRY(s, parse_string());
        return any(std::move(s));
      }
      case 't': return parse_literal("true", any(true));
      case 'f': return parse_literal("false", any(false));
      case 'n': return parse_literal("null", any(nullptr));
      default: return parse_number();
    }
  }

  result<any> parse_literal(std::string_view word, any value) {
    if (text_.substr(pos_, word.size()) != word) return errc::invalid_json;
    pos_ += word.size();
    return value;
  }

  result<any> parse_object(int depth) {
    if (depth >= max_json_depth) return errc::nesting_too_deep;
    ++pos_;  // '{'
    any_object obj;
    skip_whitespace();
    if (at('}')) {
      ++pos_;
      return any(std::move(obj));
    }
    for (;;) {
      skip_whitespace();
      if (!at('"')) return errc::invalid_json;
      YWS_TRY(key, parse_string());
      skip_whitespace();
      if (!at(':')) return errc::invalid_json;
      ++pos_;
      YWS_TRY(value, parse_value(depth + 1));
      obj.emplace_back(std::move(key), std::move(value));
      skip_whitespace();
      if (at(',')) {
        ++pos_;
        continue;
      }
      if (!at('}')) return errc::invalid_json;
      ++pos_;
      break;
    }
    detail::assign_duplicate_keys(obj);
    return any(std::move(obj));
  }

  result<any> parse_array(int depth) {
    if (depth >= max_json_depth) return errc::nesting_too_deep;
    ++pos_;  // '['
    any_array arr;
    skip_whitespace();
    if (at(']')) {
      ++pos_;
      return any(std::move(arr));
    }
    for (;;) {
      YWS_TRY(value, parse_value(depth + 1));
      arr.push_back(std::move(value));
      skip_whitespace();
      if (at(',')) {
        ++pos_;
        continue;
      }
      if (!at(']')) return errc::invalid_json;
      ++pos_;
      return any(std::move(arr));
    }
  }

  // Four hex digits at pos_ (after "\u"), or -1.
  int read_hex4() noexcept {
    if (text_.size() - pos_ < 4) return -1;
    int v = 0;
    for (int i = 0; i < 4; ++i) {
      const int h = hex_value(text_[pos_ + static_cast<std::size_t>(i)]);
      if (h < 0) return -1;
      v = v * 16 + h;
    }
    pos_ += 4;
    return v;
  }

  result<void> parse_escape(std::string& out) {
    ++pos_;  // '\\'
    if (pos_ >= text_.size()) return errc::invalid_json;
    const char c = text_[pos_++];
    switch (c) {
      case '"': out.push_back('"'); return {};
      case '\\': out.push_back('\\'); return {};
      case '/': out.push_back('/'); return {};
      case 'b': out.push_back('\b'); return {};
      case 'f': out.push_back('\f'); return {};
      case 'n': out.push_back('\n'); return {};
      case 'r': out.push_back('\r'); return {};
      case 't': out.push_back('\t'); return {};
      case 'u': break;
      default: return errc::invalid_json;
    }
    const int unit = read_hex4();
    if (unit < 0) return errc::invalid_json;
    if (unit >= 0xD800 && unit <= 0xDBFF && text_.substr(pos_, 2) == "\\u") {
      const std::size_t save = pos_;
      pos_ += 2;
      const int low = read_hex4();
      if (low >= 0xDC00 && low <= 0xDFFF) {
        detail::append_code_point(out, 0x10000 + ((static_cast<char32_t>(unit) - 0xD800) << 10) +
                                           (static_cast<char32_t>(low) - 0xDC00));
        return {};
      }
      pos_ = save;  // not a pair: the next escape is read on its own
    }
    detail::append_code_point(out, static_cast<char32_t>(unit));
    return {};
  }

  result<std::string> parse_string() {
    ++pos_;  // '"'
    std::string out;
    const auto* base = reinterpret_cast<const unsigned char*>(text_.data());
    const auto* end = base + text_.size();
    for (;;) {
      // Copy the longest run that needs no translation in one append.
      const std::size_t run = pos_;
      detail::utf8_unit bad{};
      bool invalid = false;
      while (pos_ < text_.size()) {
        const unsigned char c = base[pos_];
        if (c < 0x80) {
          if (c < 0x20 || c == '"' || c == '\\') break;
          ++pos_;
          continue;
        }
        const detail::utf8_unit u = detail::decode_unit(base + pos_, end, false);
        if (u.what != detail::utf8_unit::kind::scalar) {
          bad = u;
          invalid = true;
          break;
        }
        pos_ += u.length;
      }
      out.append(text_.data() + run, pos_ - run);
      if (invalid) {
        detail::append_code_point(out, detail::replacement_char);
        pos_ += bad.length;
        continue;
      }
      if (pos_ >= text_.size()) return errc::invalid_json;
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c != '\\') return errc::invalid_json;  // a raw control character
      YWS_TRY_VOID(parse_escape(out));
    }
  }

  // JSON number grammar, then the nearest double as JSON.parse rounds it (overflow to
  // +-Infinity, underflow to +-0).
  result<any> parse_number() {
    const std::size_t start = pos_;
    if (at('-')) ++pos_;
    const std::size_t int_start = pos_;
    if (at('0')) {
      ++pos_;
    } else if (pos_ < text_.size() && is_digit(text_[pos_])) {
      while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    } else {
      return errc::invalid_json;
    }
    // Decimal position of the first significant digit relative to the point, for over/underflow.
    long long magnitude = 0;
    const std::string_view int_part = text_.substr(int_start, pos_ - int_start);
    const bool int_nonzero = int_part.find_first_of("123456789") != std::string_view::npos;
    if (int_nonzero) magnitude = static_cast<long long>(int_part.size());
    if (at('.')) {
      ++pos_;
      const std::size_t frac = pos_;
      while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
      if (pos_ == frac) return errc::invalid_json;
      if (!int_nonzero) {
        const std::size_t nz = text_.substr(frac, pos_ - frac).find_first_of("123456789");
        magnitude = nz == std::string_view::npos ? 0 : -static_cast<long long>(nz);
      }
    }
    if (at('e') || at('E')) {
      ++pos_;
      bool negative = false;
      if (at('+') || at('-')) negative = text_[pos_++] == '-';
      const std::size_t exp = pos_;
      long long e = 0;
      while (pos_ < text_.size() && is_digit(text_[pos_])) {
        if (e < 1'000'000'000) e = e * 10 + (text_[pos_] - '0');
        ++pos_;
      }
      if (pos_ == exp) return errc::invalid_json;
      magnitude += negative ? -e : e;
    }
    double d = 0;
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    const auto r = std::from_chars(first, last, d);
    if (r.ptr != last) return errc::invalid_json;
    if (r.ec == std::errc::result_out_of_range) {
      d = magnitude > 0 ? std::numeric_limits<double>::infinity() : 0.0;
      if (*first == '-') d = -d;
    } else if (r.ec != std::errc()) {
      return errc::invalid_json;
    }
    return any(d);
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

result<any> parse_json(std::string_view text) { return json_parser(text).parse_document(); }

}  // namespace yws::encoding
