// The memory store: per room, a vector of records whose first may be a snapshot.
#include <map>
#include <mutex>

#include "store/compaction_plan.hpp"
#include "store/merge.hpp"
#include "store/store_context.hpp"
#include "yws/store/memory_store.hpp"

namespace yws::store {
namespace {

struct memory_room {
  std::vector<record> records;
  bool first_is_snapshot = false;
  double newest = detail::store_context::no_time;
  // Changes when the records are rewritten or the room is removed and re-created: a compaction
  // that started before gives up.
  std::uint64_t generation = 0;
};

std::vector<detail::record_view> views_of(const std::vector<record>& records) {
  std::vector<detail::record_view> views;
  views.reserve(records.size());
  for (const auto& r : records) views.push_back({r.timestamp, r.update, r.update.size() + r.metadata.size()});
  return views;
}

class memory_store final : public store {
 public:
  explicit memory_store(store_options options) : ctx_(std::move(options)) {}

  result<void> append_batch(std::string_view room, std::span<const append_record> batch) override {
    YWS_TRY_VOID(detail::store_context::check_room_name(room));
    std::lock_guard lock(mu_);
    auto it = rooms_.find(room);
    if (it == rooms_.end()) {
      it = rooms_.emplace(std::string(room), memory_room{}).first;
      it->second.generation = ++generations_;
    }
    memory_room& r = it->second;
    const double now = ctx_.now();
    for (const auto& a : batch) {
      const double ts = detail::store_context::next_timestamp(a, now, r.newest);
      r.newest = std::max(r.newest, ts);
      r.records.push_back(record{bytes(a.update.begin(), a.update.end()), ctx_.metadata_for(room, a.metadata), ts});
    }
    if (r.records.empty()) rooms_.erase(it);
    return {};
  }

  result<stored_doc> load(std::string_view room) override {
    YWS_TRY_VOID(detail::store_context::check_room_name(room));
    std::lock_guard lock(mu_);
    stored_doc doc;
    auto it = rooms_.find(room);
    if (it == rooms_.end()) return doc;
    const memory_room& r = it->second;
    std::size_t i = 0;
    if (r.first_is_snapshot) doc.snapshot = r.records[i++].update;
    for (; i < r.records.size(); ++i) doc.tail.push_back(r.records[i].update);
    return doc;
  }

  result<std::vector<record>> history(std::string_view room) override {
    YWS_TRY_VOID(detail::store_context::check_room_name(room));
    std::lock_guard lock(mu_);
    auto it = rooms_.find(room);
    if (it == rooms_.end()) return std::vector<record>{};
    return it->second.records;
  }

  result<compact_result> compact(std::string_view room, const compact_options& options) override {
    YWS_TRY_VOID(detail::store_context::check_room_name(room));
    std::lock_guard serial(compact_mu_);
    // Phase 1: copy what to merge, under the lock.
    std::vector<record> records;
    bool first_is_snapshot = false;
    std::uint64_t generation = 0;
    {
      std::lock_guard lock(mu_);
      auto it = rooms_.find(room);
      if (it == rooms_.end()) return compact_result{};
      records = it->second.records;
      first_is_snapshot = it->second.first_is_snapshot;
      generation = it->second.generation;
    }
    const auto views = views_of(records);
    compact_result out;
    out.before = detail::stats_of(views);
    const auto plan = detail::plan_compaction(views, first_is_snapshot, options.older_than);
    if (!plan.worthwhile) {
      out.after = out.before;
      return out;
    }
    // Phase 2: merge without the lock; appends go on.
    std::vector<std::span<const std::uint8_t>> updates;
    for (std::size_t i : plan.merged) updates.emplace_back(records[i].update);
    YWS_TRY(snapshot, detail::merge_updates(updates));

    // Phase 3: swap in the snapshot, keeping what was appended meanwhile.
    std::lock_guard lock(mu_);
    auto it = rooms_.find(room);
    if (it == rooms_.end() || it->second.generation != generation) return errc::rejected;
    memory_room& r = it->second;
    std::vector<record> rewritten;
    rewritten.reserve(plan.kept.size() + 1 + r.records.size() - records.size());
    rewritten.push_back(record{std::move(snapshot), ctx_.metadata_for(room, {}), plan.snapshot_timestamp});
    for (std::size_t i : plan.kept) rewritten.push_back(std::move(records[i]));
    for (std::size_t i = records.size(); i < r.records.size(); ++i) rewritten.push_back(std::move(r.records[i]));
    r.records = std::move(rewritten);
    r.first_is_snapshot = true;
    r.generation = ++generations_;
    out.after = detail::stats_of(views_of(r.records));
    out.changed = true;
    return out;
  }

  result<void> remove(std::string_view room) override {
    YWS_TRY_VOID(detail::store_context::check_room_name(room));
    std::lock_guard lock(mu_);
    auto it = rooms_.find(room);
    if (it != rooms_.end()) rooms_.erase(it);
    return {};
  }

  result<std::vector<std::string>> list_rooms() override {
    std::lock_guard lock(mu_);
    std::vector<std::string> names;
    for (const auto& [name, r] : rooms_) names.push_back(name);
    return names;
  }

  result<room_stats> stats(std::string_view room) override {
    YWS_TRY_VOID(detail::store_context::check_room_name(room));
    std::lock_guard lock(mu_);
    auto it = rooms_.find(room);
    if (it == rooms_.end()) return room_stats{};
    return detail::stats_of(views_of(it->second.records));
  }

  result<void> flush() override { return {}; }

 private:
  detail::store_context ctx_;
  std::mutex compact_mu_;  // one compaction at a time, so only remove() races with one
  std::mutex mu_;          // guards rooms_
  std::map<std::string, memory_room, std::less<>> rooms_;
  std::uint64_t generations_ = 0;  // source of memory_room::generation
};

}  // namespace

std::unique_ptr<store> make_memory_store(store_options options) {
  return std::make_unique<memory_store>(std::move(options));
}

}  // namespace yws::store
