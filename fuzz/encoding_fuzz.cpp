// libFuzzer target for the lib0 decoder, readAny, parse_json and the UTF-8 conversions.
//
// The first byte chooses what the rest is fed to. Besides "no crash, no sanitizer report", it
// checks round trips: whatever decodes must re-encode to bytes that decode to the same value,
// and the writers' output must be a fixed point.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "yws/encoding/decoder.hpp"
#include "yws/encoding/encoder.hpp"
#include "yws/encoding/json.hpp"
#include "yws/encoding/utf8.hpp"

namespace {

using namespace yws::encoding;

void check(bool ok) {
  if (!ok) std::abort();  // libFuzzer reports the input
}

// A sequence of primitive reads, each chosen by one input byte, each value round-tripped.
void fuzz_primitives(std::span<const std::uint8_t> in) {
  decoder dec(in);
  while (!dec.at_end()) {
    const auto op = dec.read_u8();
    check(op.has_value());
    encoder enc;
    switch (*op % 9) {
      case 0: {
        const auto v = dec.read_var_uint();
        if (!v) return;
        enc.write_var_uint(*v);
        check(*decoder(enc.data()).read_var_uint() == *v);
        break;
      }
      case 1: {
        const auto v = dec.read_var_int();
        if (!v) return;
        check(v->magnitude <= 0x7FFFFFFFFFFFFFFFULL);
        enc.write_var_int(v->magnitude, v->negative);
        check(*decoder(enc.data()).read_var_int() == *v);
        break;
      }
      case 2: {
        const auto s = dec.read_var_string();
        if (!s) return;
        check(is_valid_utf8(*s));
        enc.write_var_string(*s);
        check(*decoder(enc.data()).read_var_string() == *s);
        break;
      }
      case 3: {
        const auto s = dec.read_var_string_view();
        if (!s) return;
        enc.write_var_string(*s);  // sanitises: the result must be valid
        check(is_valid_utf8(*decoder(enc.data()).read_var_string_view()));
        break;
      }
      case 4: {
        const auto b = dec.read_var_bytes();
        if (!b) return;
        enc.write_var_bytes(*b);
        const auto back = decoder(enc.data()).read_var_bytes();
        check(back && std::equal(back->begin(), back->end(), b->begin(), b->end()));
        break;
      }
      case 5:
        if (!dec.read_f32() || !dec.read_f64()) return;
        break;
      case 6:
        if (!dec.read_bigint64()) return;
        break;
      case 7:
        if (!dec.read_var_uint32()) return;
        break;
      default:
        if (!dec.read_any()) return;
        break;
    }
  }
}

void fuzz_any(std::span<const std::uint8_t> in) {
  decoder dec(in);
  const auto v = dec.read_any();
  if (!v) return;
  encoder enc;
  enc.write_any(*v);
  decoder again(enc.data());
  const auto back = again.read_any();
  check(back && again.at_end() && same_value(*back, *v));
  encoder enc2;
  enc2.write_any(*back);
  check(std::ranges::equal(enc.data(), enc2.data()));
  // Any value stringifies to JSON that parses, and the text is stable after one normalisation
  // (bigints, NaN and binary only change on the first pass).
  if (v->is_undefined()) return;
  const auto p1 = parse_json(to_json(*v));
  if (!p1) {
    // A Uint8Array at the deepest level stringifies as one more level of object.
    check(p1.error() == yws::errc::nesting_too_deep);
    return;
  }
  const std::string t2 = to_json(*p1);
  const auto p2 = parse_json(t2);
  check(p2 && to_json(*p2) == t2);
}

void fuzz_json(std::string_view text) {
  const auto v = parse_json(text);
  if (!v) return;
  const std::string t1 = to_json(*v);
  const auto v2 = parse_json(t1);
  check(v2 && to_json(*v2) == t1);
  encoder enc;
  enc.write_any(*v);
  const auto back = decoder(enc.data()).read_any();
  check(back.has_value());
  encoder enc2;
  enc2.write_any(*back);
  check(std::ranges::equal(enc.data(), enc2.data()));
}

void fuzz_utf8(std::string_view s) {
  std::string decoded;
  append_utf8_decoded(decoded, s);
  check(is_valid_utf8(decoded));
  check((decoded == s) == is_valid_utf8(s));
  std::string encoded;
  append_utf8_encoded(encoded, s);
  check(is_valid_utf8(encoded));
  if (is_valid_utf8(s)) check(encoded == s);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::uint8_t> in(data + 1, size - 1);
  const std::string_view text(reinterpret_cast<const char*>(in.data()), in.size());
  switch (data[0] % 4) {
    case 0: fuzz_primitives(in); break;
    case 1: fuzz_any(in); break;
    case 2: fuzz_json(text); break;
    default: fuzz_utf8(text); break;
  }
  return 0;
}
