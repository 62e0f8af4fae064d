// Hex text for byte strings in tests: expected bytes are written as hex literals, and failures
// print hex. One implementation for every test suite.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace yws::test {

// Lower-case hex, one `separator` between bytes (none by default).
inline std::string to_hex(std::span<const std::uint8_t> bytes, std::string_view separator = {}) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * (2 + separator.size()));
  for (const std::uint8_t b : bytes) {
    if (!out.empty()) out += separator;
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

// Parses hex digits of either case; white space between them is ignored, so expected bytes can
// be grouped ("01 03 | ..." style groups use spaces). Requires: only hex digits and white space,
// and an even number of digits (a test literal that breaks this is a bug in the test: abort).
inline std::vector<std::uint8_t> from_hex(std::string_view text) {
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 2);
  int high = -1;
  for (const char c : text) {
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else if (c == ' ' || c == '\n' || c == '\t') continue;
    else std::abort();
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  if (high >= 0) std::abort();
  return out;
}

}  // namespace yws::test
