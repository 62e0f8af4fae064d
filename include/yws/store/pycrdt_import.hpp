// yws/store/pycrdt_import.hpp: reading pycrdt's FileYStore files, and copying any store into another.
//
//   YWS_TRY(f, yws::store::read_file_ystore("notebook.ipynb.y"));   // VERSION:2 (or 1) file
//   YWS_TRY_VOID(yws::store::import_records(*dest, "notebook.ipynb", f.records));
//
// A FileYStore file is the text header "VERSION:2\n", then per record three lib0
// varUint8Arrays: the update, the metadata, and 8 bytes of little-endian float64 time.time()
// (VERSION:1 files have no timestamp). pycrdt's SQLiteYStore databases need no reader of their
// own: open them with make_sqlite_store (read_only) and copy with import_store.
//
// Thread safety: free functions without state; `import_store` calls both stores from the calling
// thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "yws/store/store.hpp"

namespace yws::store {

struct file_ystore_contents {
  int version = 2;
  std::vector<record> records;
  // Bytes after the last whole record (a write cut by a crash): not imported.
  std::size_t ignored_tail_bytes = 0;
};

// Parses the bytes of a FileYStore file. errc::unsupported_feature for a file without a
// VERSION:1/VERSION:2 header; errc::corruption for a timestamp field that is not 8 bytes.
[[nodiscard]] result<file_ystore_contents> parse_file_ystore(std::span<const std::uint8_t> data);
[[nodiscard]] result<file_ystore_contents> read_file_ystore(const std::filesystem::path& path);

// Appends `records` to `room` of `dest`, keeping their metadata and timestamps, in batches.
[[nodiscard]] result<void> import_records(store& dest, std::string_view room,
                                          std::span<const record> records);

// Progress of a long copy: rooms done so far out of the total.
using progress_callback = std::function<void(std::size_t done, std::size_t total, std::string_view room)>;

struct import_summary {
  std::size_t rooms = 0;
  std::size_t records = 0;
};

// Copies every room of `source` (its history, preceded by its snapshot when that is not already
// the first record, e.g. a pycrdt checkpoint) into `dest`.
[[nodiscard]] result<import_summary> import_store(store& source, store& dest,
                                                  const progress_callback& progress = {});

}  // namespace yws::store
