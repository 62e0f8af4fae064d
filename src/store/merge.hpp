// store/merge.hpp: merging stored updates into one snapshot, the heart of compaction.
//
// Thread safety: free functions; each call uses its own crdt::doc.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "yws/store/store.hpp"

namespace yws::store::detail {

// Applies `updates` in order to a fresh doc (gc on, as y-websocket's and pycrdt's servers) and
// returns its state as one v1 update. Before returning, checks that the snapshot is what it
// claims: applied to another fresh doc it gives the same state vector and re-encodes to the same
// bytes, so a squash can never replace history by something else (pycrdt-store's bug).
// errc::malformed_update (or another decoding error) when an update does not apply;
// errc::corruption when the check fails.
[[nodiscard]] result<bytes> merge_updates(std::span<const std::span<const std::uint8_t>> updates);

}  // namespace yws::store::detail
