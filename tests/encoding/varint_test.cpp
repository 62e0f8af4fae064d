// lib0 integers, floats and raw byte reads.
#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "encoding/test_util.hpp"

namespace yws::encoding {
namespace {

using test::from_hex;
using test::to_hex;

std::string var_uint_hex(std::uint64_t n) {
  return test::written_hex([&](encoder& e) { e.write_var_uint(n); });
}

std::string var_int_hex(std::uint64_t magnitude, bool negative) {
  return test::written_hex([&](encoder& e) { e.write_var_int(magnitude, negative); });
}

result<std::uint64_t> read_var_uint_hex(std::string_view h) {
  const auto b = from_hex(h);
  decoder dec(b);
  return dec.read_var_uint();
}

result<var_int> read_var_int_hex(std::string_view h) {
  const auto b = from_hex(h);
  decoder dec(b);
  return dec.read_var_int();
}

TEST(var_uint, known_bytes) {
  EXPECT_EQ(var_uint_hex(0), "00");
  EXPECT_EQ(var_uint_hex(127), "7f");
  EXPECT_EQ(var_uint_hex(128), "8001");
  EXPECT_EQ(var_uint_hex(300), "ac02");
  EXPECT_EQ(var_uint_hex(std::numeric_limits<std::uint64_t>::max()), "ffffffffffffffffff01");
}

TEST(var_uint, round_trips_every_bit_length) {
  std::mt19937_64 rng(42);
  for (int bits = 0; bits <= 64; ++bits) {
    for (int i = 0; i < 20; ++i) {
      std::uint64_t v = bits == 0 ? 0 : rng() >> (64 - bits);
      if (i == 0 && bits > 0) v = bits == 64 ? ~0ULL : (1ULL << bits) - 1;
      if (i == 1 && bits > 0) v = 1ULL << (bits - 1);
      encoder enc;
      enc.write_var_uint(v);
      enc.write_u8(0xAA);  // the reader must stop at the value's end
      decoder dec(enc.data());
      const auto r = dec.read_var_uint();
      ASSERT_TRUE(r);
      EXPECT_EQ(*r, v);
      EXPECT_EQ(dec.remaining(), 1u);
    }
  }
}

TEST(var_uint, accepts_non_minimal_encodings_as_lib0_does) {
  EXPECT_EQ(*read_var_uint_hex("8000"), 0u);
  EXPECT_EQ(*read_var_uint_hex("818000"), 1u);
  EXPECT_EQ(*read_var_uint_hex("80808080808080808000"), 0u);  // 10 bytes, still 64 bits
}

TEST(var_uint, rejects_overlong_and_overflowing_input) {
  EXPECT_EQ(read_var_uint_hex("8080808080808080808000").error(), errc::integer_out_of_range);
  EXPECT_EQ(read_var_uint_hex("ffffffffffffffffff02").error(), errc::integer_out_of_range);
  EXPECT_EQ(read_var_uint_hex("ffffffffffffffffff81").error(), errc::integer_out_of_range);
  EXPECT_EQ(read_var_uint_hex("ffffffffffffffffff7f").error(), errc::integer_out_of_range);
}

TEST(var_uint, truncation_is_end_of_buffer) {
  EXPECT_EQ(read_var_uint_hex("-").error(), errc::unexpected_end_of_buffer);
  EXPECT_EQ(read_var_uint_hex("80").error(), errc::unexpected_end_of_buffer);
  EXPECT_EQ(read_var_uint_hex("ffffffffffffffffff").error(), errc::unexpected_end_of_buffer);
}

TEST(var_uint, read_var_uint32_checks_the_range) {
  const auto max = from_hex(var_uint_hex(0xFFFFFFFFu));
  decoder ok(max);
  ASSERT_TRUE(ok.read_var_uint32());
  const auto over = from_hex(var_uint_hex(0x100000000u));
  decoder bad(over);
  EXPECT_EQ(bad.read_var_uint32().error(), errc::integer_out_of_range);
  EXPECT_EQ(bad.position(), 0u);
}

TEST(var_int, known_bytes) {
  EXPECT_EQ(var_int_hex(42, false), "2a");
  EXPECT_EQ(var_int_hex(1, true), "41");
  EXPECT_EQ(var_int_hex(300, false), "ac04");
  EXPECT_EQ(var_int_hex(0, true), "40");  // JS -0
  EXPECT_EQ(var_int_hex(63, false), "3f");
  EXPECT_EQ(var_int_hex(64, false), "8001");
  encoder enc;
  enc.write_var_int(std::int64_t{-300});
  EXPECT_EQ(to_hex(enc.data()), "ec04");
}

TEST(var_int, negative_zero_survives) {
  const auto r = read_var_int_hex("40");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->negative);
  EXPECT_EQ(r->magnitude, 0u);
  EXPECT_EQ(r->value(), 0);
}

TEST(var_int, round_trips_up_to_2_pow_63_minus_1) {
  std::mt19937_64 rng(7);
  for (int bits = 0; bits <= 63; ++bits) {
    for (int i = 0; i < 20; ++i) {
      std::uint64_t m = bits == 0 ? 0 : rng() >> (64 - bits);
      if (i == 0 && bits > 0) m = (1ULL << bits) - 1;
      const bool negative = (i & 1) != 0;
      encoder enc;
      enc.write_var_int(m, negative);
      enc.write_u8(0xAA);
      decoder dec(enc.data());
      const auto r = dec.read_var_int();
      ASSERT_TRUE(r);
      EXPECT_EQ(r->magnitude, m);
      EXPECT_EQ(r->negative, negative);
      EXPECT_EQ(dec.remaining(), 1u);
      if (m <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        EXPECT_EQ(r->value(), negative ? -static_cast<std::int64_t>(m) : static_cast<std::int64_t>(m));
      }
    }
  }
}

TEST(var_int, rejects_magnitudes_over_2_pow_63_minus_1) {
  EXPECT_TRUE(read_var_int_hex("bfffffffffffffffff01"));                           // 2^63-1
  EXPECT_EQ(read_var_int_hex("bfffffffffffffffff02").error(), errc::integer_out_of_range);  // 2^63+
  EXPECT_EQ(read_var_int_hex("bfffffffffffffffff81").error(), errc::integer_out_of_range);
  EXPECT_EQ(read_var_int_hex("8080808080808080808000").error(), errc::integer_out_of_range);
}

TEST(var_int, truncation_is_end_of_buffer) {
  EXPECT_EQ(read_var_int_hex("-").error(), errc::unexpected_end_of_buffer);
  EXPECT_EQ(read_var_int_hex("80").error(), errc::unexpected_end_of_buffer);
  EXPECT_EQ(read_var_int_hex("c0ff").error(), errc::unexpected_end_of_buffer);
}

TEST(fixed_width, floats_and_bigints_are_big_endian) {
  encoder enc;
  enc.write_f32(1.0f);
  enc.write_f64(1.0);
  enc.write_bigint64(-2);
  EXPECT_EQ(to_hex(enc.data()), "3f800000" "3ff0000000000000" "fffffffffffffffe");
  decoder dec(enc.data());
  EXPECT_EQ(*dec.read_f32(), 1.0f);
  EXPECT_EQ(*dec.read_f64(), 1.0);
  EXPECT_EQ(*dec.read_bigint64(), -2);
  EXPECT_TRUE(dec.at_end());
}

TEST(fixed_width, truncation_is_end_of_buffer) {
  const auto b = from_hex("01020304050607");
  for (std::size_t n = 0; n <= b.size(); ++n) {
    decoder dec(std::span(b.data(), n));
    EXPECT_EQ(dec.read_f64().error(), errc::unexpected_end_of_buffer);
    EXPECT_EQ(decoder(std::span(b.data(), n)).read_bigint64().error(), errc::unexpected_end_of_buffer);
    if (n < 4) {
      EXPECT_EQ(decoder(std::span(b.data(), n)).read_f32().error(), errc::unexpected_end_of_buffer);
    }
  }
  decoder empty(std::span<const std::uint8_t>{});
  EXPECT_EQ(empty.read_u8().error(), errc::unexpected_end_of_buffer);
}

TEST(bytes, var_bytes_view_the_buffer) {
  encoder enc;
  const std::uint8_t payload[] = {1, 2, 3};
  enc.write_var_bytes(payload);
  enc.write_bytes(payload);
  EXPECT_EQ(to_hex(enc.data()), "03010203010203");
  decoder dec(enc.data());
  const auto v = dec.read_var_bytes();
  ASSERT_TRUE(v);
  EXPECT_EQ(v->data(), enc.data().data() + 1);
  EXPECT_EQ(v->size(), 3u);
  EXPECT_EQ(dec.position(), 4u);
  EXPECT_EQ(dec.rest().size(), 3u);
  const auto raw = dec.read_bytes(3);
  ASSERT_TRUE(raw);
  EXPECT_TRUE(dec.at_end());
  EXPECT_EQ(dec.read_bytes(1).error(), errc::unexpected_end_of_buffer);
  EXPECT_TRUE(dec.read_bytes(0));
}

TEST(bytes, length_past_the_end_is_an_error) {
  const auto b = from_hex("0401020304");
  EXPECT_TRUE(decoder(b).read_var_bytes());
  EXPECT_EQ(decoder(std::span(b.data(), 4)).read_var_bytes().error(), errc::unexpected_end_of_buffer);
  const auto huge = from_hex("ffffffffffffffffff0100");  // a 2^64-1 length must not wrap
  EXPECT_EQ(decoder(huge).read_var_bytes().error(), errc::unexpected_end_of_buffer);
}

TEST(encoder, take_clear_and_reserve) {
  encoder enc(64);
  enc.write_u8(1);
  EXPECT_EQ(enc.size(), 1u);
  enc.clear();
  EXPECT_EQ(enc.size(), 0u);
  enc.write_var_uint(1000);
  const std::vector<std::uint8_t> out = std::move(enc).take();
  EXPECT_EQ(to_hex(out), "e807");
}

}  // namespace
}  // namespace yws::encoding
