// yws/store/file_store.hpp: one append-only, checksummed log file per room in a directory.
//
//   yws::store::file_store_options o;
//   o.common.fsync = yws::store::fsync_policy::always;
//   auto s = yws::store::make_file_store("/var/lib/yws/rooms", o);
//
// Each room is a file <escaped room name>.ywslog: a magic, a header record naming the room, then
// framed records (length, type, CRC-32 of the header and of the payload) holding
// (timestamp, metadata, update); the format is in docs/store-format.md. On first use of a room
// its log is checked: a torn tail (the incomplete or unsynced last record a crash leaves) is cut;
// any other damage makes the room fail with errc::corruption rather than skipping data.
// Compaction writes a new log beside the old one, fsyncs it and renames it over, so a crash
// leaves either the old or the new log.
//
// Thread safety: as yws::store::store. One process at a time may open a directory for writing
// (an advisory lock on DIR/LOCK); read-only opens take no lock and repair nothing.
// Lifetime: the store keeps up to max_open_logs files open; destroying it syncs and closes them.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "yws/store/store.hpp"

namespace yws::store {

struct file_store_options {
  store_options common;
  // Open without writing anything: no lock, no torn-tail repair, appends fail.
  bool read_only = false;
  // Open room logs kept cached; the least recently used is closed beyond this.
  std::size_t max_open_logs = 256;
};

// Opens (creating it if needed, unless read_only) the directory `dir`.
[[nodiscard]] result<std::unique_ptr<store>> make_file_store(const std::filesystem::path& dir,
                                                             file_store_options options = {});

// The file name (without directory) of a room's log: bytes outside [a-z0-9_-] (and a leading '.')
// are escaped as %XX, so names differing only in case, path separators, "..", NUL and control
// bytes all map to distinct, safe names; names whose escaped form is long are shortened to a
// prefix plus the SHA-256 of the whole name. Exposed for tests and tools.
std::string room_file_name(std::string_view room);

}  // namespace yws::store
