// crdt/ids.hpp: compact identifiers used inside a doc.
//
// A doc numbers the clients it has seen (client_index) so that every ID stored in an item takes
// 8 bytes instead of 16. Indices are local to one doc and never leave it; the wire always carries
// the 64-bit client id (block_store translates).
#pragma once

#include <cstdint>
#include <limits>

namespace yws::crdt::detail {

using client_index = std::uint32_t;
inline constexpr client_index no_client = std::numeric_limits<client_index>::max();

// Index of a branch (shared type) in its doc's branch table.
using branch_index = std::uint32_t;
inline constexpr branch_index no_branch = std::numeric_limits<branch_index>::max();

// Index of an interned map key (parentSub) in its doc's key table.
using key_index = std::uint32_t;
inline constexpr key_index no_key = std::numeric_limits<key_index>::max();

// An ID whose client is a doc-local index; client == no_client means "no ID" (Yjs null).
struct sid {
  client_index client = no_client;
  std::uint32_t clock = 0;

  bool valid() const noexcept { return client != no_client; }
  friend bool operator==(const sid&, const sid&) = default;
};

// Largest clock + length a struct may reach: clocks are 32-bit (as in yrs).
inline constexpr std::uint64_t max_clock_end = std::numeric_limits<std::uint32_t>::max();

}  // namespace yws::crdt::detail
