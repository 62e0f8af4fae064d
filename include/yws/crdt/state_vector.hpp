// yws/crdt/state_vector.hpp: identifiers, state vectors and delete sets (Yjs vocabulary).
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "yws/error.hpp"

namespace yws::crdt {

// A Lamport timestamp: the clock-th struct unit created by `client`. Clients are 64-bit (yrs makes
// 53-bit ids, Yjs 32-bit); clocks count UTF-16 units and items, 32-bit as in yrs.
struct id {
  std::uint64_t client = 0;
  std::uint32_t clock = 0;
  friend bool operator==(const id&, const id&) = default;
};

// The next expected clock per client. Thread safety: a value type.
class state_vector {
 public:
  // 0 for a client that is not present.
  std::uint32_t get(std::uint64_t client) const noexcept;
  void set(std::uint64_t client, std::uint32_t clock);
  bool empty() const noexcept { return clocks_.empty(); }
  std::size_t size() const noexcept { return clocks_.size(); }
  const std::unordered_map<std::uint64_t, std::uint32_t>& clients() const noexcept { return clocks_; }

  // v1 (and v2) encoding: varUint(n), then (client, clock) pairs, clients descending as Yjs
  // writes them. Decoding accepts any client order.
  std::vector<std::uint8_t> encode_v1() const;
  [[nodiscard]] static result<state_vector> decode_v1(std::span<const std::uint8_t> bytes);

  friend bool operator==(const state_vector&, const state_vector&) = default;

 private:
  std::unordered_map<std::uint64_t, std::uint32_t> clocks_;
};

// Deleted clock ranges per client, sorted and merged. Thread safety: a value type.
class delete_set {
 public:
  struct range {
    std::uint32_t clock = 0;
    std::uint32_t len = 0;
    friend bool operator==(const range&, const range&) = default;
  };

  void add(std::uint64_t client, std::uint32_t clock, std::uint32_t len);
  // Sorts every client's ranges and merges overlapping or adjacent ones.
  void sort_and_merge();
  bool contains(const id& i) const;  // requires sort_and_merge() since the last add
  bool empty() const noexcept { return clients_.empty(); }
  const std::unordered_map<std::uint64_t, std::vector<range>>& clients() const noexcept { return clients_; }

  // v1 encoding, clients descending as Yjs writes them; decoding accepts any client order.
  std::vector<std::uint8_t> encode_v1() const;
  [[nodiscard]] static result<delete_set> decode_v1(std::span<const std::uint8_t> bytes);

  friend bool operator==(const delete_set&, const delete_set&) = default;

 private:
  std::unordered_map<std::uint64_t, std::vector<range>> clients_;
};

}  // namespace yws::crdt
