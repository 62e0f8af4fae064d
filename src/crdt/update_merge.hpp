// crdt/update_merge.hpp: Yjs' update-level operations on decoded updates (updates.js).
//
// Used for pending data, whose bytes Yjs keeps merged with mergeUpdates and folds into
// encodeStateAsUpdate with diffUpdate + mergeUpdates: to re-encode pending data exactly as Yjs
// does, yws runs the same algorithms (struct order, slicing, Skip filling, GC merging).
//
// Thread safety: none. Lifetime: functions only; they consume their inputs.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "crdt/update_ir.hpp"

namespace yws::crdt::detail {

// Yjs mergeUpdates: one update holding the structs and deletes of all `updates`.
update_ir merge_updates(std::vector<update_ir> updates);

// Yjs diffUpdate: the structs of `u` that a peer at `sv` lacks (the first one sliced), and u's
// whole delete set.
update_ir diff_update(update_ir u, const std::function<std::uint32_t(std::uint64_t)>& sv);

// Yjs mergeDeleteSets: every range of every set, per client sorted and merged.
ir_delete_set merge_delete_sets(std::vector<ir_delete_set> sets);

// A deep copy.
update_ir clone(const update_ir& u);

// `u` as it reads back after being written (what Yjs keeps: bytes): encodes and decodes it.
// Returns nullopt if that fails, which only a bug can cause.
std::optional<update_ir> roundtrip(const update_ir& u);

}  // namespace yws::crdt::detail
