// varString and the UTF-8 rules of TextEncoder/TextDecoder.
#include <gtest/gtest.h>

#include "encoding/test_util.hpp"
#include "encoding/utf8_scan.hpp"
#include "yws/encoding/utf8.hpp"

namespace yws::encoding {
namespace {

using test::as_string;
using test::from_hex;
using test::to_hex;

std::string written(std::string_view s) {
  return test::written_hex([&](encoder& e) { e.write_var_string(s); });
}

std::string decoded(std::string_view hex_bytes) {
  std::string out;
  append_utf8_decoded(out, as_string(from_hex(hex_bytes)));
  return to_hex(out);
}

TEST(var_string, writes_length_in_bytes) {
  EXPECT_EQ(written(""), "00");
  EXPECT_EQ(written("t"), "0174");
  EXPECT_EQ(written("é€😀"), "09c3a9e282acf09f9880");
  EXPECT_EQ(written(std::string(200, 'a')).substr(0, 6), "c80161");
}

TEST(var_string, lone_surrogates_become_replacement_chars_as_text_encoder_does) {
  EXPECT_EQ(written("\xED\xA0\x80"), "03efbfbd");                  // '\ud800'
  EXPECT_EQ(written("a\xED\xB0\x80z"), "0561efbfbd7a");             // '\udc00'
  EXPECT_EQ(written("\xED\xA0\xBD\xED\xB8\x80"), "04f09f9880");     // a pair in two halves
  EXPECT_EQ(written("\xED\xB8\x80\xED\xA0\xBD"), "06efbfbdefbfbd");  // reversed: two lone ones
}

TEST(var_string, other_invalid_bytes_become_replacement_chars) {
  EXPECT_EQ(written("\xFF"), "03efbfbd");
  EXPECT_EQ(written("a\xC3"), "0461efbfbd");
  EXPECT_EQ(written("\xE2\x82"), "03efbfbd");  // one maximal subpart, one U+FFFD
}

TEST(var_string, read_replaces_invalid_utf8) {
  const auto b = from_hex("04c328ff41");
  decoder dec(b);
  const auto s = dec.read_var_string();
  ASSERT_TRUE(s);
  EXPECT_EQ(to_hex(*s), "efbfbd28efbfbd41");
  EXPECT_TRUE(dec.at_end());
}

TEST(var_string, view_points_into_the_buffer_without_validation) {
  const auto b = from_hex("03ff6162");
  decoder dec(b);
  const auto v = dec.read_var_string_view();
  ASSERT_TRUE(v);
  EXPECT_EQ(static_cast<const void*>(v->data()), static_cast<const void*>(b.data() + 1));
  EXPECT_EQ(*v, "\xFF" "ab");
}

TEST(var_string, truncation_is_end_of_buffer) {
  const auto b = from_hex("0361626380");
  for (std::size_t n = 0; n < 4; ++n) {
    EXPECT_EQ(decoder(std::span(b.data(), n)).read_var_string().error(), errc::unexpected_end_of_buffer);
    EXPECT_EQ(decoder(std::span(b.data(), n)).read_var_string_view().error(),
              errc::unexpected_end_of_buffer);
  }
  const auto bad_len = from_hex("80");
  EXPECT_EQ(decoder(bad_len).read_var_string().error(), errc::unexpected_end_of_buffer);
}

TEST(utf8, decoding_uses_maximal_subparts) {
  EXPECT_EQ(decoded("eda080"), "efbfbdefbfbdefbfbd");   // encoded surrogate: 3 subparts
  EXPECT_EQ(decoded("f09f98"), "efbfbd");               // truncated 4-byte char: 1 subpart
  EXPECT_EQ(decoded("f09f9841"), "efbfbd41");
  EXPECT_EQ(decoded("c080"), "efbfbdefbfbd");           // overlong
  EXPECT_EQ(decoded("f4908080"), "efbfbdefbfbdefbfbdefbfbd");  // over U+10FFFF
  EXPECT_EQ(decoded("efbbbf"), "efbbbf");               // a BOM is kept (ignoreBOM)
}

TEST(utf8, validity_across_the_ascii_fast_path) {
  // Put one bad or good non-ASCII byte at every offset around the 8-byte blocks.
  for (std::size_t len = 0; len < 40; ++len) {
    for (std::size_t at = 0; at < len; ++at) {
      std::string s(len, 'a');
      s[at] = '\xFF';
      EXPECT_FALSE(is_valid_utf8(s)) << len << ' ' << at;
      std::string out;
      append_utf8_decoded(out, s);
      EXPECT_EQ(out.size(), len + 2);
      std::string good(len, 'a');
      good.replace(at, 1, "\xC3\xA9");
      EXPECT_TRUE(is_valid_utf8(good));
    }
    EXPECT_TRUE(is_valid_utf8(std::string(len, 'b')));
  }
}

// Every code point encodes to UTF-8 that strict decoding accepts, except the surrogates, which
// only the WTF-8 reading knows.
TEST(utf8, every_code_point) {
  for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    std::string s;
    detail::append_code_point(s, cp);
    const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
    ASSERT_EQ(is_valid_utf8(s), !surrogate) << std::hex << static_cast<std::uint32_t>(cp);
    if (cp < 0x80) continue;
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const detail::utf8_unit u = detail::decode_unit(p, p + s.size(), true);
    ASSERT_EQ(u.code_point, cp);
    ASSERT_EQ(u.length, s.size());
  }
}

}  // namespace
}  // namespace yws::encoding
