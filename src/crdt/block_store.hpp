// crdt/block_store.hpp: Yjs' StructStore: per client, its structs sorted by clock.
//
// Clients are numbered in order of appearance (client_index). Each client's array is contiguous
// from its first struct: the state of a client is the end clock of its last struct. Lookups use
// Yjs' findIndexSS (binary search with a pivot guess from the clock).
//
// Thread safety: none. Lifetime: holds pointers to items owned by the doc's item_pool.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "crdt/ids.hpp"
#include "crdt/item.hpp"

namespace yws::crdt::detail {

// One client's structs sorted by clock, as an array split into chunks so that the splits and
// merges in the middle of a long history do not move the whole array (Yjs uses one JS array).
// Indices are global positions, as in Yjs' findIndexSS / splice.
class struct_list {
 public:
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  item* operator[](std::size_t i) const noexcept {
    if (chunks_.size() == 1) return chunks_.front()[i];
    const std::size_t k = chunk_of(i);
    return chunks_[k][i - starts_[k]];
  }
  item* front() const noexcept { return chunks_.front().front(); }
  item* back() const noexcept { return chunks_.back().back(); }
  void push_back(item* it);
  // Inserts before position i (i == size() appends).
  void insert(std::size_t i, item* it);
  // Removes positions [first, last).
  void erase(std::size_t first, std::size_t last);
  // Index of the struct containing `clock` (Yjs findIndexSS). Requires: clock < state.
  std::size_t find_index(std::uint32_t clock) const;

 private:
  static constexpr std::size_t chunk_max = 1024;
  std::size_t chunk_of(std::size_t i) const noexcept;
  std::vector<std::vector<item*>> chunks_;  // never empty chunks
  std::vector<std::size_t> starts_;         // global position of each chunk's first struct
  std::vector<std::uint32_t> firsts_;       // clock of each chunk's first struct
  std::size_t size_ = 0;
};

class block_store {
 public:
  struct client_entry {
    std::uint64_t client = 0;
    struct_list structs;
  };

  // The index of `client`, or no_client if it was never seen.
  client_index find(std::uint64_t client) const noexcept {
    const auto it = index_.find(client);
    return it == index_.end() ? no_client : it->second;
  }
  // The index of `client`, registering it if needed (its struct array starts empty).
  client_index intern(std::uint64_t client);
  std::uint64_t client_id(client_index c) const noexcept { return clients_[c].client; }
  std::size_t client_count() const noexcept { return clients_.size(); }

  struct_list& structs(client_index c) noexcept { return clients_[c].structs; }
  const struct_list& structs(client_index c) const noexcept { return clients_[c].structs; }

  // Next expected clock of a client (0 when unknown).
  std::uint32_t state(client_index c) const noexcept {
    if (c >= clients_.size() || clients_[c].structs.empty()) return 0;
    return clients_[c].structs.back()->end_clock();
  }
  std::uint32_t state_of(std::uint64_t client) const noexcept { return state(find(client)); }

  // Appends a struct that starts exactly at its client's state (Yjs addStruct).
  void add(item* it);

  // Index of the struct containing `clock` (Yjs findIndexSS). Requires: clock < state.
  static std::size_t find_index(const struct_list& structs, std::uint32_t clock) { return structs.find_index(clock); }
  // The struct containing `id`. Requires: id.clock < state(id.client).
  item* find_struct(sid id) const {
    const struct_list& s = clients_[id.client].structs;
    return s[s.find_index(id.clock)];
  }

  const std::vector<client_entry>& entries() const noexcept { return clients_; }

 private:
  std::vector<client_entry> clients_;
  std::unordered_map<std::uint64_t, client_index> index_;
};

}  // namespace yws::crdt::detail
