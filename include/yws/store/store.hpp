// yws/store/store.hpp: the durable store of room documents, as a synchronous interface.
//
// A store keeps, per room, the Yjs v1 updates applied to the room's document, each with opaque
// metadata and a timestamp (pycrdt's (update, metadata, timestamp) records). Rooms load their
// document from it before serving anyone and append every update they apply. Compaction merges
// old records into one snapshot so loading stays fast and storage bounded.
//
//   auto s = yws::store::open_store("sqlite:./yws.db");          // see open.hpp
//   if (!s) return s.error();
//   YWS_TRY_VOID((*s)->append("room-1", update_bytes, user_metadata));
//   YWS_TRY(doc, (*s)->load("room-1"));                          // snapshot + tail
//   for (auto& u : doc.tail) ...apply_update_v1(d, u)...
//
// Stores never parse what they keep except to compact it (then they apply the updates to a
// crdt::doc, which also validates them), so arbitrary bytes round-trip as in pycrdt.
//
// Implementations: memory_store.hpp (memory, temporary directory), file_store.hpp (one checksummed
// log per room), sqlite_store.hpp (pycrdt-store's schema).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "yws/error.hpp"

namespace yws::store {

using bytes = std::vector<std::uint8_t>;

// One stored record, as pycrdt's read() yields it.
struct record {
  bytes update;          // a v1 update (or whatever bytes were appended)
  bytes metadata;        // opaque; empty when none was given
  double timestamp = 0;  // seconds since the Unix epoch, as Python's time.time()
  friend bool operator==(const record&, const record&) = default;
};

// One record to append. The spans must stay valid during the call only.
struct append_record {
  std::span<const std::uint8_t> update;
  std::span<const std::uint8_t> metadata;  // handed to the metadata callback
  // Default: the store's clock, never earlier than the room's newest record (so records stay in
  // time order even if the system clock steps back). Import passes the original time.
  std::optional<double> timestamp;
};

// What a room needs to rebuild its document: apply `snapshot` (if any), then every `tail` update
// in order. Applying all of them to an empty doc gives the stored document.
struct stored_doc {
  bytes snapshot;           // merged v1 update of the compacted prefix; empty when none
  std::vector<bytes> tail;  // records after the snapshot, oldest first
  // True for a room that has never been written (or was removed): an empty document.
  bool empty() const noexcept { return snapshot.empty() && tail.empty(); }
};

// Size of a room's stored history, to decide when to compact.
struct room_stats {
  std::uint64_t records = 0;  // records (rows) stored, the snapshot included
  std::uint64_t bytes = 0;    // stored update and metadata bytes (as stored: compressed if so)
  double first_timestamp = 0;
  double last_timestamp = 0;
  friend bool operator==(const room_stats&, const room_stats&) = default;
};

struct compact_options {
  // Merge only records with timestamp <= older_than (pycrdt's squash_history_older_than);
  // default: every record, leaving one snapshot.
  std::optional<double> older_than;
};

struct compact_result {
  room_stats before;
  room_stats after;
  bool changed = false;  // false when there was nothing to merge
};

// How appends reach the disk. The contract (docs/store-format.md):
// - always: append() returns after the data is on stable storage (fdatasync / SQLite FULL).
// - batch:  append() returns after the data is in the operating system; a background flush
//           makes it durable within `sync_window`. A crashed process loses nothing; a power cut
//           or kernel crash may lose the last window.
// - never:  durability is left to the operating system (tests, caches).
enum class fsync_policy { always, batch, never };

// Called once per record written (appended, or produced by squashing with empty `metadata`),
// with the metadata the caller passed; what it returns is stored. The default stores `metadata`
// as is. Like pycrdt's metadata_callback, it can stamp each record with a user or a version.
// It runs on the appending thread inside the store's lock: it must not call the store.
using metadata_callback =
    std::function<bytes(std::string_view room, std::span<const std::uint8_t> metadata)>;

// Seconds since the Unix epoch. Injectable so that tests control squash timing without sleeping.
using clock_function = std::function<double()>;

// Something a store did on its own or could not do, reported instead of failing a call:
// a torn tail cut on open, a squash or checkpoint that failed, a size cleanup.
struct store_event {
  std::string_view room;  // empty for store-wide events
  std::string_view what;
  std::error_code error;  // set when something failed
};
using event_callback = std::function<void(const store_event&)>;

// Options every store understands.
struct store_options {
  metadata_callback on_metadata;  // default: store the caller's metadata
  clock_function clock;           // default: the system clock
  event_callback on_event;        // default: ignore
  fsync_policy fsync = fsync_policy::batch;
  // Upper bound on how long appended data stays unsynced under fsync_policy::batch.
  std::chrono::milliseconds sync_window{100};
};

// Room names are opaque byte strings up to this many bytes (an empty name is a valid room).
inline constexpr std::size_t max_room_name_bytes = 64 * 1024;

// The store interface. Every call is synchronous and may block on disk: the server runs them on a
// thread pool, never on a room's executor.
//
// Thread safety: every implementation is safe to call from several threads at once; calls on the
// same room are serialised, calls on different rooms may run in parallel.
// Errors: results, never exceptions: errc::corruption for stored data failing its checks,
// errc::io_error when the system refuses, errc::invalid_argument for a bad room name; a failed
// call leaves the room as it was.
// Lifetime: destroying a store flushes what was appended (per its fsync policy) and closes it;
// no call may be running then.
class store {
 public:
  virtual ~store() = default;

  // Appends records to the room in one unit: all are stored or none (one transaction, one write).
  [[nodiscard]] virtual result<void> append_batch(std::string_view room,
                                                  std::span<const append_record> records) = 0;
  [[nodiscard]] result<void> append(std::string_view room, std::span<const std::uint8_t> update,
                                    std::span<const std::uint8_t> metadata = {});

  // The room's document as snapshot plus tail; an unknown room loads as an empty stored_doc.
  [[nodiscard]] virtual result<stored_doc> load(std::string_view room) = 0;
  // Every stored record of the room, oldest first (a snapshot counts as one record).
  [[nodiscard]] virtual result<std::vector<record>> history(std::string_view room) = 0;
  // Merges records into one snapshot (all, or those older than options.older_than). The merged
  // content is checked to be the content before; on any failure nothing changes. Appends to the
  // room may proceed while the merge runs.
  [[nodiscard]] virtual result<compact_result> compact(std::string_view room,
                                                       const compact_options& options = {}) = 0;
  // Deletes every record of the room. Removing an unknown room succeeds.
  [[nodiscard]] virtual result<void> remove(std::string_view room) = 0;
  // Names of the rooms with at least one record, sorted.
  [[nodiscard]] virtual result<std::vector<std::string>> list_rooms() = 0;
  [[nodiscard]] virtual result<room_stats> stats(std::string_view room) = 0;
  // Makes everything appended so far durable now (room unload, shutdown), whatever the policy.
  [[nodiscard]] virtual result<void> flush() = 0;
};

// Loads the room and merges snapshot and tail into one v1 update (the document's state, as Yjs'
// encodeStateAsUpdate), checking that every record applies. An unknown room gives the update of
// an empty document.
[[nodiscard]] result<bytes> load_merged(store& s, std::string_view room);

}  // namespace yws::store
