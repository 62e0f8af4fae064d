// Helpers shared by the protocol tests.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "support/hex.hpp"
#include "yws/crdt/doc.hpp"

namespace yws::protocol::test {

// Options for a doc with a fixed client id (tests must be deterministic).
inline crdt::doc::options with_client(std::uint64_t id) {
  crdt::doc::options o;
  o.client_id = id;
  return o;
}

inline std::span<const std::uint8_t> span_of(const std::vector<std::uint8_t>& b) { return b; }

inline std::span<const std::uint8_t> span_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

inline std::string hex(std::span<const std::uint8_t> b) { return yws::test::to_hex(b); }

inline std::vector<std::uint8_t> unhex(std::string_view s) { return yws::test::from_hex(s); }

}  // namespace yws::protocol::test
