// yws/encoding/json.hpp: JSON text as JavaScript's JSON.stringify writes it and JSON.parse reads
// it, on the values Yjs puts in JSON (v1 Embed and Format values, legacy ContentJSON, awareness
// states).
//
// Byte identity with Yjs needs stringify's exact rules: no whitespace; keys in JS order; numbers
// as Number#toString (shortest round trip, 1e+21, 1e-7, -0 -> 0, NaN/Infinity -> null); strings
// escaping only '"', '\\' and U+0000..U+001F (\b \f \n \r \t, others \u00xx lowercase); `/` and
// non-ASCII unescaped; undefined in arrays -> null, in objects -> key dropped; binary as JS would
// stringify a Uint8Array ({"0":1,...}); a bigint cannot be stringified in JS and is written as
// its decimal digits.
//
// Thread safety: free functions without state.
#pragma once

#include <string>
#include <string_view>

#include "yws/encoding/any.hpp"
#include "yws/error.hpp"

namespace yws::encoding {

// JSON.stringify(v). A lone surrogate (3-byte WTF-8, see utf8.hpp) is written as "\udXXX" as
// well-formed JSON.stringify does; other invalid UTF-8 as U+FFFD. A top-level undefined yields
// "undefined"'s JS result, which is no text at all; this returns the empty string for it.
std::string to_json(const any& v);
void append_json(std::string& out, const any& v);

// JSON.parse(text): numbers become doubles, objects keep JS key order (duplicate keys: the first
// position, the last value). Errors: invalid_json, nesting_too_deep (over 256 levels).
//
// Details: objects hold their keys in source order (which is JS order for any text that
// JSON.stringify wrote; the writers emit JS order in any case). The bytes are read as JSON.parse
// reads the string TextDecoder makes of them: invalid UTF-8 inside a string literal becomes
// U+FFFD. A "\ud800" escape without its pair is kept as a lone surrogate in 3-byte WTF-8 form
// (see utf8.hpp), so that to_json() writes "\ud800" back and the lib0 writer turns it into
// U+FFFD, as JS does with such a string. Numbers round to nearest; out of range they become
// +-Infinity or +-0 as in JS. Unlike V8, nesting is limited (V8 accepts thousands of levels).
[[nodiscard]] result<any> parse_json(std::string_view text);

// JS Number.prototype.toString() of `v`: "NaN", "Infinity", "-Infinity", "0" for -0.
std::string js_number_to_string(double v);

}  // namespace yws::encoding
