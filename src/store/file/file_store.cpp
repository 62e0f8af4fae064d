// The file store: one log per room (log_format.hpp), a cache of open logs, and compaction by
// write-new-then-rename.
#include <fcntl.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>

#include "store/compaction_plan.hpp"
#include "store/file/log_format.hpp"
#include "store/file/posix_io.hpp"
#include "store/merge.hpp"
#include "store/store_context.hpp"
#include "store/sync_scheduler.hpp"
#include "yws/store/file_store.hpp"

namespace yws::store {
namespace {

namespace fs = std::filesystem;
using namespace detail;

constexpr std::string_view log_suffix = ".ywslog";
constexpr std::string_view temp_suffix = ".tmp";

// What the store knows about one room's log.
struct room_log {
  room_log(std::string name, fs::path file) : room(std::move(name)), path(std::move(file)) {}

  const std::string room;
  const fs::path path;
  std::mutex compact_mu;  // one compaction of this room at a time

  std::mutex mu;  // guards everything below
  bool known = false;         // the fields below describe the file
  bool exists = false;        // the log file exists
  std::error_code broken;     // the log failed its checks: every call on the room fails so
  unique_fd fd;               // cached; closed again when evicted
  std::uint64_t size = 0;     // bytes of whole records: the file's size once repaired
  room_stats stats;
  double newest = store_context::no_time;
  bool dirty = false;         // written since the last fsync
  std::uint64_t generation = 0;  // changes when the file is replaced or removed

  // Hints for eviction, readable without mu.
  std::atomic<std::uint64_t> last_used{0};
  std::atomic<bool> fd_open{false};
};

// A log read into memory: its bytes and the records found in them (spans into `content`).
struct log_contents {
  bytes content;
  log_start start;
  scanned_log scan;
};

result<log_contents> parse_contents(bytes content) {
  log_contents out;
  out.content = std::move(content);
  YWS_TRY(start, parse_log_start(out.content));
  out.start = std::move(start);
  YWS_TRY(scan, scan_records(out.content, out.start.data_start));
  out.scan = std::move(scan);
  return out;
}

std::vector<record_view> views_of(const std::vector<log_entry>& entries) {
  std::vector<record_view> views;
  views.reserve(entries.size());
  for (const auto& e : entries) views.push_back({e.timestamp, e.update, e.update.size() + e.metadata.size()});
  return views;
}

class file_store final : public store {
 public:
  file_store(fs::path dir, file_store_options options, unique_fd dir_lock)
      : dir_(std::move(dir)), options_(options), ctx_(std::move(options.common)), dir_lock_(std::move(dir_lock)) {
    if (!options_.read_only && ctx_.options().fsync == fsync_policy::batch) {
      scheduler_ = std::make_unique<sync_scheduler>(ctx_.options().sync_window, [this] {
        if (auto ok = flush(); !ok) ctx_.report({}, "background fsync failed: " + last_error_text(), ok.error());
      });
    }
  }

  ~file_store() override {
    scheduler_.reset();
    if (auto ok = flush(); !ok) ctx_.report({}, "fsync on close failed: " + last_error_text(), ok.error());
  }

  result<void> append_batch(std::string_view room, std::span<const append_record> batch) override {
    YWS_TRY_VOID(store_context::check_room_name(room));
    if (options_.read_only) return errc::rejected;
    if (batch.empty()) return {};
    auto r = get_room(room);
    std::lock_guard lock(r->mu);
    YWS_TRY_VOID(ensure_known(*r, nullptr));
    if (!r->exists) YWS_TRY_VOID(create_log(*r));

    bytes buf;
    room_stats stats = r->stats;
    double newest = r->newest;
    const double now = ctx_.now();
    for (const auto& a : batch) {
      const double ts = store_context::next_timestamp(a, now, newest);
      newest = std::max(newest, ts);
      const bytes metadata = ctx_.metadata_for(room, a.metadata);
      append_update_record(buf, record_type::update, ts, metadata, a.update);
      add_to_stats(stats, ts, a.update.size() + metadata.size());
    }
    if (auto ok = write_at(r->fd.get(), buf, r->size); !ok) return undo_append(*r, ok.error());
    if (ctx_.options().fsync == fsync_policy::always) {
      if (auto ok = sync_data(r->fd.get()); !ok) return undo_append(*r, ok.error());
    }
    r->size += buf.size();
    r->stats = stats;
    r->newest = newest;
    r->dirty = ctx_.options().fsync != fsync_policy::always;
    if (scheduler_) scheduler_->notify();
    return {};
  }

  result<stored_doc> load(std::string_view room) override {
    YWS_TRY_VOID(store_context::check_room_name(room));
    auto r = get_room(room);
    std::lock_guard lock(r->mu);
    YWS_TRY(log, read_log(*r));
    stored_doc doc;
    for (std::size_t i = 0; i < log.scan.entries.size(); ++i) {
      const auto& e = log.scan.entries[i];
      if (i == 0 && e.type == record_type::snapshot) {
        doc.snapshot.assign(e.update.begin(), e.update.end());
      } else {
        doc.tail.emplace_back(e.update.begin(), e.update.end());
      }
    }
    return doc;
  }

  result<std::vector<record>> history(std::string_view room) override {
    YWS_TRY_VOID(store_context::check_room_name(room));
    auto r = get_room(room);
    std::lock_guard lock(r->mu);
    YWS_TRY(log, read_log(*r));
    std::vector<record> out;
    out.reserve(log.scan.entries.size());
    for (const auto& e : log.scan.entries) {
      out.push_back(record{bytes(e.update.begin(), e.update.end()), bytes(e.metadata.begin(), e.metadata.end()),
                           e.timestamp});
    }
    return out;
  }

  result<compact_result> compact(std::string_view room, const compact_options& options) override {
    YWS_TRY_VOID(store_context::check_room_name(room));
    if (options_.read_only) return errc::rejected;
    auto r = get_room(room);
    std::lock_guard serial(r->compact_mu);

    // Phase 1: read the log as it is now.
    std::uint64_t generation = 0;
    std::uint64_t end = 0;
    log_contents old;
    {
      std::lock_guard lock(r->mu);
      YWS_TRY(log, read_log(*r));
      old = std::move(log);
      generation = r->generation;
      end = r->size;
    }
    compact_result out;
    const auto views = views_of(old.scan.entries);
    out.before = stats_of(views);
    const bool first_is_snapshot = !old.scan.entries.empty() && old.scan.entries[0].type == record_type::snapshot;
    const auto plan = plan_compaction(views, first_is_snapshot, options.older_than);
    if (!plan.worthwhile) {
      out.after = out.before;
      return out;
    }

    // Phase 2: merge, while appends go on.
    std::vector<std::span<const std::uint8_t>> updates;
    updates.reserve(plan.merged.size());
    for (std::size_t i : plan.merged) updates.push_back(old.scan.entries[i].update);
    YWS_TRY(snapshot, merge_updates(updates));

    // Phase 3: write the new log (snapshot, kept records, records appended since phase 1),
    // sync it, and rename it over the old one.
    std::lock_guard lock(r->mu);
    if (r->generation != generation || !r->exists) return errc::rejected;
    YWS_TRY_VOID(ensure_known(*r, nullptr));
    YWS_TRY(appended, read_at(r->fd.get(), end, r->size - end));
    bytes content = encode_log_start(r->room);
    append_update_record(content, record_type::snapshot, plan.snapshot_timestamp, ctx_.metadata_for(room, {}),
                         snapshot);
    for (std::size_t i : plan.kept) {
      const auto& e = old.scan.entries[i];
      content.insert(content.end(), old.content.begin() + e.offset, old.content.begin() + e.end);
    }
    content.insert(content.end(), appended.begin(), appended.end());
    YWS_TRY(rewritten, parse_contents(content));
    if (rewritten.scan.torn_tail) return errc::corruption;  // appended bytes were not whole records

    const fs::path temp = fs::path(r->path).concat(temp_suffix);
    if (auto ok = write_new_file(temp, content); !ok) {
      (void)remove_file(temp);
      return report_failure(room, "compaction write", ok.error());
    }
    if (auto ok = rename_file(temp, r->path); !ok) {
      (void)remove_file(temp);
      return report_failure(room, "compaction rename", ok.error());
    }
    // From here the new log is in place: the state follows it whatever happens next.
    if (auto ok = sync_dir(dir_); !ok) ctx_.report(room, "directory fsync failed: " + last_error_text(), ok.error());
    close_fd(*r);
    r->size = content.size();
    r->stats = stats_of(views_of(rewritten.scan.entries));
    r->dirty = false;  // the whole new file was synced
    r->generation = ++generations_;
    out.after = r->stats;
    out.changed = true;
    return out;
  }

  result<void> remove(std::string_view room) override {
    YWS_TRY_VOID(store_context::check_room_name(room));
    if (options_.read_only) return errc::rejected;
    auto r = get_room(room);
    std::lock_guard lock(r->mu);
    close_fd(*r);
    YWS_TRY_VOID(remove_file(r->path));
    if (auto ok = sync_dir(dir_); !ok) ctx_.report(room, "directory fsync failed: " + last_error_text(), ok.error());
    r->known = true;
    r->exists = false;
    r->broken = {};
    r->size = 0;
    r->stats = {};
    r->newest = store_context::no_time;
    r->dirty = false;
    r->generation = ++generations_;
    return {};
  }

  result<std::vector<std::string>> list_rooms() override {
    std::error_code ec;
    fs::directory_iterator it(dir_, ec);
    if (ec) return errc::io_error;
    std::vector<std::string> names;
    for (const auto& entry : it) {
      const std::string file = entry.path().filename().string();
      if (file.size() <= log_suffix.size() || !file.ends_with(log_suffix)) continue;
      auto name = room_of_file(entry.path());
      if (!name) {
        ctx_.report({}, "unreadable log " + entry.path().string(), name.error());
        continue;
      }
      if (*name) names.push_back(std::move(**name));
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
  }

  result<room_stats> stats(std::string_view room) override {
    YWS_TRY_VOID(store_context::check_room_name(room));
    auto r = get_room(room);
    std::lock_guard lock(r->mu);
    YWS_TRY_VOID(ensure_known(*r, nullptr));
    return r->exists ? r->stats : room_stats{};
  }

  result<void> flush() override {
    std::vector<std::shared_ptr<room_log>> rooms;
    {
      std::lock_guard lock(map_mu_);
      for (const auto& [name, r] : rooms_) rooms.push_back(r);
    }
    result<void> first;
    for (const auto& r : rooms) {
      std::lock_guard lock(r->mu);
      if (!r->dirty || !r->fd.valid()) continue;
      if (auto ok = sync_data(r->fd.get()); !ok) {
        if (first) first = ok.error();
        continue;
      }
      r->dirty = false;
    }
    return first;
  }

 private:
  std::shared_ptr<room_log> get_room(std::string_view room) {
    std::lock_guard lock(map_mu_);
    auto it = rooms_.find(room);
    if (it == rooms_.end()) {
      it = rooms_.emplace(std::string(room), std::make_shared<room_log>(std::string(room), dir_ / room_file_name(room))).first;
    }
    it->second->last_used = ++ticks_;
    return it->second;
  }

  static void add_to_stats(room_stats& s, double ts, std::size_t stored_bytes) {
    s.first_timestamp = s.records == 0 ? ts : std::min(s.first_timestamp, ts);
    s.last_timestamp = s.records == 0 ? ts : std::max(s.last_timestamp, ts);
    ++s.records;
    s.bytes += stored_bytes;
  }

  std::error_code report_failure(std::string_view room, std::string_view what, std::error_code ec) {
    ctx_.report(room, std::string(what) + " failed: " + last_error_text(), ec);
    return ec;
  }

  // Undoes a partly written append so that no torn record stays in the middle of the log.
  std::error_code undo_append(room_log& r, std::error_code ec) {
    if (!truncate_to(r.fd.get(), r.size)) {
      // The log may now end in a partial record: cut again (as a torn tail) on the next open.
      close_fd(r);
      r.known = false;
    }
    return report_failure(r.room, "append", ec);
  }

  // Makes r's fields describe its file, checking (and repairing) the log on first use; keeps the
  // file open. When it reads the whole file it moves the (repaired) bytes to *content.
  // Requires: r.mu held.
  result<void> ensure_known(room_log& r, bytes* content) {
    if (r.broken) return r.broken;
    if (r.known) {
      if (r.exists && !r.fd.valid()) YWS_TRY_VOID(open_fd(r));
      return {};
    }
    auto fd = open_file(r.path, options_.read_only ? O_RDONLY : O_RDWR);
    if (!fd) {
      if (fd.error() != errc::not_found) return report_failure(r.room, "open", fd.error());
      r.known = true;
      r.exists = false;
      return {};
    }
    YWS_TRY(size, file_size(fd->get()));
    YWS_TRY(data, read_at(fd->get(), 0, size));
    auto log = parse_contents(std::move(data));
    if (!log || log->start.room != r.room) {
      r.broken = log ? make_error_code(errc::corruption) : log.error();
      ctx_.report(r.room, "log failed its checks: " + r.path.string(), r.broken);
      return r.broken;
    }
    const std::uint64_t valid_end = log->scan.valid_end;
    if (log->scan.torn_tail) {
      const std::string cut = std::to_string(size - valid_end) + " bytes of torn tail";
      if (options_.read_only) {
        ctx_.report(r.room, cut + " ignored (read-only)");
      } else {
        YWS_TRY_VOID(truncate_to(fd->get(), valid_end));
        YWS_TRY_VOID(sync_data(fd->get()));
        ctx_.report(r.room, cut + " cut");
      }
    }
    const auto& entries = log->scan.entries;
    r.stats = stats_of(views_of(entries));
    r.newest = entries.empty() ? store_context::no_time : r.stats.last_timestamp;
    r.size = valid_end;
    r.known = true;
    r.exists = true;
    r.fd = std::move(*fd);
    note_opened(r);
    if (content) {
      log->content.resize(valid_end);
      *content = std::move(log->content);
    }
    return {};
  }

  // Reads and checks the whole log of a room. Requires: r.mu held.
  result<log_contents> read_log(room_log& r) {
    bytes content;
    YWS_TRY_VOID(ensure_known(r, &content));
    if (!r.exists) {
      log_contents empty;
      empty.content = encode_log_start(r.room);
      YWS_TRY(start, parse_log_start(empty.content));
      empty.start = std::move(start);
      empty.scan.valid_end = empty.content.size();
      return empty;
    }
    if (content.empty()) {
      YWS_TRY(data, read_at(r.fd.get(), 0, r.size));
      content = std::move(data);
    }
    auto log = parse_contents(std::move(content));
    if (!log || log->scan.torn_tail || log->start.room != r.room) {
      // Whole records were written here: damage since the log was opened.
      r.broken = make_error_code(errc::corruption);
      ctx_.report(r.room, "log failed its checks: " + r.path.string(), r.broken);
      return r.broken;
    }
    return log;
  }

  // Creates an empty log for r atomically (written aside, synced, renamed). Requires: r.mu held.
  result<void> create_log(room_log& r) {
    const fs::path temp = fs::path(r.path).concat(temp_suffix);
    const bytes start = encode_log_start(r.room);
    if (auto ok = write_new_file(temp, start); !ok) {
      (void)remove_file(temp);
      return report_failure(r.room, "create", ok.error());
    }
    if (auto ok = rename_file(temp, r.path); !ok) {
      (void)remove_file(temp);
      return report_failure(r.room, "create", ok.error());
    }
    if (auto ok = sync_dir(dir_); !ok) return report_failure(r.room, "create", ok.error());
    r.known = true;
    r.exists = true;
    r.size = start.size();
    r.stats = {};
    r.newest = store_context::no_time;
    r.generation = ++generations_;
    return open_fd(r);
  }

  result<void> open_fd(room_log& r) {
    YWS_TRY(fd, open_file(r.path, options_.read_only ? O_RDONLY : O_RDWR));
    r.fd = std::move(fd);
    note_opened(r);
    return {};
  }

  // Closes r's file (syncing it first if needed). Requires: r.mu held.
  void close_fd(room_log& r) {
    if (!r.fd.valid()) return;
    if (r.dirty) {
      if (auto ok = sync_data(r.fd.get()); !ok) ctx_.report(r.room, "fsync failed: " + last_error_text(), ok.error());
      r.dirty = false;
    }
    r.fd.reset();
    r.fd_open = false;
    --open_fds_;
  }

  // Counts a newly opened file and closes the least recently used other one beyond the limit.
  // Requires: r.mu held (other rooms are only try_locked, so no lock order is violated).
  void note_opened(room_log& r) {
    r.fd_open = true;
    if (++open_fds_ <= options_.max_open_logs) return;
    std::vector<std::shared_ptr<room_log>> candidates;
    {
      std::lock_guard lock(map_mu_);
      for (const auto& [name, other] : rooms_) {
        if (other.get() != &r && other->fd_open) candidates.push_back(other);
      }
    }
    std::sort(candidates.begin(), candidates.end(),
              [](const auto& a, const auto& b) { return a->last_used < b->last_used; });
    for (const auto& other : candidates) {
      std::unique_lock lock(other->mu, std::try_to_lock);
      if (!lock.owns_lock()) continue;
      close_fd(*other);
      if (open_fds_ <= options_.max_open_logs) return;
    }
  }

  // The room named in a log's header, or nullopt for a log without records.
  result<std::optional<std::string>> room_of_file(const fs::path& path) {
    YWS_TRY(fd, open_file(path, O_RDONLY));
    YWS_TRY(size, file_size(fd.get()));
    const std::uint64_t head = std::min<std::uint64_t>(size, log_magic.size() + frame_header_size + max_room_name_bytes + 16);
    YWS_TRY(data, read_at(fd.get(), 0, head));
    YWS_TRY(start, parse_log_start(data));
    if (size <= start.data_start) return std::optional<std::string>{};
    return std::optional<std::string>(std::move(start.room));
  }

  const fs::path dir_;
  const file_store_options options_;  // its `common` lives in ctx_
  const store_context ctx_;
  unique_fd dir_lock_;
  std::atomic<std::size_t> open_fds_{0};
  std::atomic<std::uint64_t> generations_{0};
  std::mutex map_mu_;  // guards rooms_ and ticks_
  std::map<std::string, std::shared_ptr<room_log>, std::less<>> rooms_;
  std::uint64_t ticks_ = 0;
  std::unique_ptr<sync_scheduler> scheduler_;  // last member: stopped first
};

// Deletes compaction or creation leftovers of a crashed process.
void remove_stale_temp_files(const fs::path& dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(std::string(log_suffix) + std::string(temp_suffix))) (void)remove_file(entry.path());
  }
}

}  // namespace

result<std::unique_ptr<store>> make_file_store(const fs::path& dir, file_store_options options) {
  std::error_code ec;
  unique_fd lock;
  if (options.read_only) {
    if (!fs::is_directory(dir, ec)) return errc::not_found;
  } else {
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir, ec)) return errc::io_error;
    YWS_TRY(held, lock_file(dir / "LOCK"));
    lock = std::move(held);
    remove_stale_temp_files(dir);
  }
  return std::unique_ptr<store>(std::make_unique<file_store>(dir, std::move(options), std::move(lock)));
}

}  // namespace yws::store
