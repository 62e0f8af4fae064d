#include "store/compaction_plan.hpp"

#include <algorithm>

namespace yws::store::detail {

compaction_plan plan_compaction(std::span<const record_view> records, bool first_is_snapshot,
                                const std::optional<double>& older_than) {
  compaction_plan plan;
  bool first = true;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (!older_than || records[i].timestamp <= *older_than) {
      plan.snapshot_timestamp =
          first ? records[i].timestamp : std::max(plan.snapshot_timestamp, records[i].timestamp);
      first = false;
      plan.merged.push_back(i);
    } else {
      plan.kept.push_back(i);
    }
  }
  // A lone record is only rewritten when it is not a snapshot yet (a squash normalises it).
  const bool lone_snapshot = plan.merged.size() == 1 && plan.merged[0] == 0 && first_is_snapshot;
  plan.worthwhile = !plan.merged.empty() && !lone_snapshot;
  return plan;
}

room_stats stats_of(std::span<const record_view> records) {
  room_stats s;
  for (const auto& r : records) {
    if (s.records == 0) {
      s.first_timestamp = s.last_timestamp = r.timestamp;
    } else {
      s.first_timestamp = std::min(s.first_timestamp, r.timestamp);
      s.last_timestamp = std::max(s.last_timestamp, r.timestamp);
    }
    ++s.records;
    s.bytes += r.stored_bytes;
  }
  return s;
}

}  // namespace yws::store::detail
