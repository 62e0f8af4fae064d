// yws/encoding/utf8.hpp: the UTF-8 rules of the JavaScript side of the wire.
//
// yws strings are UTF-8 bytes, JS strings are UTF-16 code units. Two conversions matter:
//
// * Reading (TextDecoder, what lib0's readVarString does): bytes that are not well-formed UTF-8
//   become U+FFFD, one per "maximal subpart" (WHATWG Encoding, the same rule as Unicode's
//   "U+FFFD substitution of maximal subparts"). Encoded surrogates (ED A0..BF xx) are not
//   well-formed, so they become three U+FFFD.
// * Writing (TextEncoder, what lib0's writeVarString does): a JS string may hold lone surrogates;
//   TextEncoder writes each as U+FFFD. yws carries such strings as "WTF-8": a surrogate code
//   point is encoded in 3 bytes like any other BMP code point (parse_json produces that for a
//   lone "\ud800" escape). The writer therefore treats a 3-byte surrogate as a JS code unit: a
//   high surrogate directly followed by a low one is the pair's 4-byte character, any other
//   surrogate becomes U+FFFD. Bytes that are invalid even as WTF-8 become U+FFFD as on reading.
//
// Thread safety: free functions without state.
#pragma once

#include <string>
#include <string_view>

namespace yws::encoding {

// True when `s` is well-formed UTF-8 (no overlong forms, no surrogates, nothing over U+10FFFF).
bool is_valid_utf8(std::string_view s) noexcept;

// Appends `bytes` decoded as TextDecoder would (invalid sequences -> U+FFFD) to `out`.
void append_utf8_decoded(std::string& out, std::string_view bytes);

// Appends the UTF-8 that TextEncoder would produce for the JS string that the WTF-8 `s`
// represents (see above) to `out`.
void append_utf8_encoded(std::string& out, std::string_view s);

}  // namespace yws::encoding
