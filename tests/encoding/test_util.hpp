// Helpers shared by the encoding tests: hex conversion and one-call encode/decode.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "support/hex.hpp"
#include "yws/encoding/decoder.hpp"
#include "yws/encoding/encoder.hpp"

namespace yws::encoding::test {

// "-" is the empty byte string, as in the golden fixtures.
inline std::vector<std::uint8_t> from_hex(std::string_view h) {
  return h == "-" ? std::vector<std::uint8_t>{} : yws::test::from_hex(h);
}

inline std::string to_hex(std::span<const std::uint8_t> b) { return b.empty() ? "-" : yws::test::to_hex(b); }

inline std::string to_hex(std::string_view s) {
  return to_hex(std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

inline std::string as_string(std::span<const std::uint8_t> b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

// The hex of what `write(encoder&)` writes.
template <class Write>
std::string written_hex(Write write) {
  encoder enc;
  write(enc);
  return to_hex(enc.data());
}

inline std::string any_hex(const any& v) {
  return written_hex([&](encoder& e) { e.write_any(v); });
}

}  // namespace yws::encoding::test


namespace yws::encoding::test {

// A random lib0 value (seeded, so deterministic). With `json_safe`, only values that survive
// JSON.stringify + JSON.parse unchanged: no undefined, bigint, binary, non-finite numbers or -0.
inline any random_any(std::mt19937_64& rng, int depth, bool json_safe) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  static const char* const keys[] = {"a", "b", "0", "1", "10", "01", "é", "😀", "", "key", "\n"};
  static const double numbers[] = {0, 1, -1, 0.5, 1.1, 2147483647, 2147483648.0, -2147483648.0,
                                   1e21, 1e-7, 3.4028234663852886e38, 5e-324, 123456789.125};
  const int kind = pick(depth > 3 ? 9 : 11);
  switch (kind) {
    case 0: return json_safe ? any(nullptr) : any();
    case 1: return nullptr;
    case 2: return pick(2) == 0;
    case 3: return numbers[pick(static_cast<int>(std::size(numbers)))];
    case 4: {
      const double d = std::bit_cast<double>(rng());
      if (json_safe && (!std::isfinite(d) || d == 0)) return 7.25;
      return d;
    }
    case 5: return json_safe ? any(static_cast<double>(pick(1000))) : any(bigint{static_cast<std::int64_t>(rng())});
    case 6: {
      std::string s;
      for (int i = pick(12); i > 0; --i) s += keys[pick(static_cast<int>(std::size(keys)))];
      return s;
    }
    case 7: {
      if (json_safe) return "bin";
      bytes b(static_cast<std::size_t>(pick(6)));
      for (auto& c : b) c = static_cast<std::uint8_t>(rng());
      return b;
    }
    case 8: return static_cast<double>(static_cast<std::int32_t>(rng()));
    case 9: {
      any_array a;
      for (int i = pick(5); i > 0; --i) a.push_back(random_any(rng, depth + 1, json_safe));
      return a;
    }
    default: {
      any_object o;
      for (int i = pick(5); i > 0; --i) {
        std::string key = keys[pick(static_cast<int>(std::size(keys)))];
        bool taken = false;
        for (const auto& kv : o) taken = taken || kv.first == key;
        if (!taken) o.emplace_back(std::move(key), random_any(rng, depth + 1, json_safe));
      }
      return o;
    }
  }
}

}  // namespace yws::encoding::test
