// store/compaction_plan.hpp: which records of a room a compaction merges, and the room_stats of
// a record list; shared by the memory and file stores, whose rooms are record lists.
//
// Thread safety: free functions over the caller's data.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "yws/store/store.hpp"

namespace yws::store::detail {

// A record as the planner sees it: where it sits and what it holds.
struct record_view {
  double timestamp = 0;
  std::span<const std::uint8_t> update;
  std::size_t stored_bytes = 0;  // what it costs in the store, for stats
};

struct compaction_plan {
  std::vector<std::size_t> merged;  // indices of the records to merge, in order
  std::vector<std::size_t> kept;    // indices of the records kept after the snapshot, in order
  double snapshot_timestamp = 0;    // the newest merged record's time
  bool worthwhile = false;          // false: nothing to do (no record, or already one snapshot)
};

// Plans the compaction of `records` (the first one is a snapshot when `first_is_snapshot`).
compaction_plan plan_compaction(std::span<const record_view> records, bool first_is_snapshot,
                                const std::optional<double>& older_than);

room_stats stats_of(std::span<const record_view> records);

}  // namespace yws::store::detail
