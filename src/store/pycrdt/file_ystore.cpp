// Reading pycrdt's FileYStore files (pycrdt-store file.py, pycrdt-websocket ystore.py).
#include <bit>
#include <fstream>

#include "yws/encoding/decoder.hpp"
#include "yws/store/pycrdt_import.hpp"

namespace yws::store {
namespace {

constexpr std::string_view version_prefix = "VERSION:";

double f64_le(std::span<const std::uint8_t> b) {
  std::uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) bits |= static_cast<std::uint64_t>(b[i]) << (8 * i);
  return std::bit_cast<double>(bits);
}

}  // namespace

result<file_ystore_contents> parse_file_ystore(std::span<const std::uint8_t> data) {
  // The header is "VERSION:<int>\n"; pycrdt reads it with int(readline()).
  const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  if (!text.starts_with(version_prefix)) return errc::unsupported_feature;
  const std::size_t newline = text.find('\n');
  if (newline == std::string_view::npos) return errc::unsupported_feature;
  const std::string_view number = text.substr(version_prefix.size(), newline - version_prefix.size());
  file_ystore_contents out;
  if (number == "2") {
    out.version = 2;
  } else if (number == "1") {
    out.version = 1;  // ypy-websocket 0.7: (update, metadata) pairs, no timestamp
  } else {
    return errc::unsupported_feature;
  }
  const std::size_t fields = out.version == 2 ? 3 : 2;
  encoding::decoder dec(data.subspan(newline + 1));
  while (!dec.at_end()) {
    const std::size_t start = dec.position();
    std::span<const std::uint8_t> field[3];
    bool whole = true;
    for (std::size_t i = 0; i < fields && whole; ++i) {
      auto f = dec.read_var_bytes();
      if (!f) {
        whole = false;
      } else {
        field[i] = *f;
      }
    }
    if (!whole) {  // a write cut short: what pycrdt's reader chokes on, after the whole records
      out.ignored_tail_bytes = data.size() - (newline + 1) - start;
      break;
    }
    record r;
    r.update.assign(field[0].begin(), field[0].end());
    r.metadata.assign(field[1].begin(), field[1].end());
    if (fields == 3) {
      if (field[2].size() != 8) return errc::corruption;
      r.timestamp = f64_le(field[2]);
    }
    out.records.push_back(std::move(r));
  }
  return out;
}

result<file_ystore_contents> read_file_ystore(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return errc::not_found;
  bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return errc::io_error;
  return parse_file_ystore(data);
}

result<void> import_records(store& dest, std::string_view room, std::span<const record> records) {
  constexpr std::size_t batch_size = 1000;
  std::vector<append_record> batch;
  for (std::size_t i = 0; i < records.size(); i += batch_size) {
    batch.clear();
    for (std::size_t j = i; j < std::min(records.size(), i + batch_size); ++j) {
      batch.push_back(append_record{records[j].update, records[j].metadata, records[j].timestamp});
    }
    YWS_TRY_VOID(dest.append_batch(room, batch));
  }
  return {};
}

result<import_summary> import_store(store& source, store& dest, const progress_callback& progress) {
  YWS_TRY(rooms, source.list_rooms());
  import_summary summary;
  for (std::size_t i = 0; i < rooms.size(); ++i) {
    if (progress) progress(i, rooms.size(), rooms[i]);
    YWS_TRY(records, source.history(rooms[i]));
    YWS_TRY(doc, source.load(rooms[i]));
    // A pycrdt checkpoint is not part of the history, but may hold what the rows lost.
    if (!doc.snapshot.empty() && (records.empty() || records.front().update != doc.snapshot)) {
      const double first = records.empty() ? 0 : records.front().timestamp;
      records.insert(records.begin(), record{std::move(doc.snapshot), {}, first});
    }
    YWS_TRY_VOID(import_records(dest, rooms[i], records));
    ++summary.rooms;
    summary.records += records.size();
  }
  if (progress) progress(rooms.size(), rooms.size(), {});
  return summary;
}

}  // namespace yws::store
