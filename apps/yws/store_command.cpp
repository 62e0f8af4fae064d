// `yws store`: look into, compact, export and import durable stores.
//
//   yws store ls STORE                     rooms: records, bytes, last write
//   yws store inspect STORE ROOM [--json]  a room's history: time, sizes and metadata per record
//   yws store compact STORE [ROOM]         merge history into snapshots (every room by default)
//   yws store export STORE ROOM [-o FILE]  the room's document as one v1 update
//   yws store import SOURCE DEST           copy rooms into DEST from a store, or from pycrdt's
//                                          FileYStore files (pycrdt-file:PATH, a file or a folder)
//
// STORE is a URI: sqlite:PATH | file:DIR | memory (yws/store/open.hpp). Commands that only read
// open the store read-only (no lock, no repair), so they can look at a store a server is using.
// Long work shows its progress on stderr when stderr is a terminal.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "hex.hpp"
#include "yws/encoding/any.hpp"
#include "yws/encoding/json.hpp"
#include "yws/store/open.hpp"
#include "yws/store/pycrdt_import.hpp"

namespace yws::app {
namespace {

namespace fs = std::filesystem;
using yws::store::bytes;

struct store_cli_options {
  std::string store_uri;
  std::string source_uri;
  std::string room;
  std::optional<std::string> only_room;  // compact: one room, or every room
  std::string output;
  bool json = false;
  std::optional<double> older_than_seconds;
  std::string compression = "none";
};

void fail(const char* sub, const std::string& message) {
  std::fprintf(stderr, "yws store %s: %s\n", sub, message.c_str());
  exit_code = 1;
}

// A one-line progress indicator on stderr, redrawn at most ten times a second, only on a terminal.
class progress_line {
 public:
  explicit progress_line(const char* what) : what_(what), enabled_(::isatty(STDERR_FILENO) == 1) {}
  ~progress_line() {
    if (drawn_) std::fputs("\r\033[K", stderr);
  }
  void update(std::size_t done, std::size_t total, std::string_view item) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (drawn_ && done < total && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    drawn_ = true;
    std::fprintf(stderr, "\r\033[K%s %zu/%zu %.*s", what_, done, total, static_cast<int>(std::min<std::size_t>(item.size(), 60)),
                 item.data());
    std::fflush(stderr);
  }

 private:
  const char* what_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

// Room names and metadata are arbitrary bytes: printable ASCII as is, anything else as \xHH.
std::string printable(std::string_view s) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 0x0f]);
    }
  }
  return out;
}

std::string iso_time(double seconds) {
  if (!std::isfinite(seconds)) return "-";
  const auto whole = static_cast<std::time_t>(std::floor(seconds));
  std::tm tm{};
  if (gmtime_r(&whole, &tm) == nullptr) return "-";
  char buf[64];
  const int millis = static_cast<int>((seconds - std::floor(seconds)) * 1000);
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

std::string describe(std::error_code ec) { return ec.message(); }

std::unique_ptr<store::store> open_or_fail(const char* sub, const std::string& uri, bool read_only,
                                           const store_cli_options& o) {
  store::open_options options;
  options.read_only = read_only;
  options.common.fsync = store::fsync_policy::batch;
  options.common.on_event = [sub](const store::store_event& e) {
    std::string line = e.room.empty() ? std::string(e.what) : printable(e.room) + ": " + std::string(e.what);
    if (e.error) line += " (" + e.error.message() + ")";
    std::fprintf(stderr, "yws store %s: %s\n", sub, line.c_str());
  };
  if (o.compression == "zlib") options.sqlite.compress = store::compression::zlib;
  auto s = store::open_store(uri, options);
  if (!s) {
    fail(sub, "cannot open " + uri + ": " + describe(s.error()));
    return nullptr;
  }
  return std::move(*s);
}

void run_ls(const store_cli_options& o) {
  auto s = open_or_fail("ls", o.store_uri, true, o);
  if (!s) return;
  auto rooms = s->list_rooms();
  if (!rooms) return fail("ls", describe(rooms.error()));
  for (const auto& room : *rooms) {
    auto st = s->stats(room);
    if (!st) {
      std::printf("%s\t(error: %s)\n", printable(room).c_str(), describe(st.error()).c_str());
      exit_code = 1;
      continue;
    }
    std::printf("%s\t%llu records\t%llu bytes\t%s\n", printable(room).c_str(),
                static_cast<unsigned long long>(st->records), static_cast<unsigned long long>(st->bytes),
                iso_time(st->last_timestamp).c_str());
  }
}

void run_inspect(const store_cli_options& o) {
  auto s = open_or_fail("inspect", o.store_uri, true, o);
  if (!s) return;
  auto h = s->history(o.room);
  if (!h) return fail("inspect", describe(h.error()));
  for (std::size_t i = 0; i < h->size(); ++i) {
    const auto& r = (*h)[i];
    const std::string_view md(reinterpret_cast<const char*>(r.metadata.data()), r.metadata.size());
    if (o.json) {
      encoding::any_object line;
      line.emplace_back("index", encoding::any(static_cast<double>(i)));
      line.emplace_back("timestamp", encoding::any(r.timestamp));
      line.emplace_back("update", encoding::any(to_hex(r.update)));
      line.emplace_back("metadata", encoding::any(to_hex(r.metadata)));
      std::printf("%s\n", encoding::to_json(encoding::any(std::move(line))).c_str());
    } else {
      std::printf("%zu\t%s\t%zu bytes\t%s\n", i, iso_time(r.timestamp).c_str(), r.update.size(),
                  printable(md).c_str());
    }
  }
  if (h->empty() && !o.json) std::fprintf(stderr, "yws store inspect: no records for %s\n", printable(o.room).c_str());
}

void run_compact(const store_cli_options& o) {
  auto s = open_or_fail("compact", o.store_uri, false, o);
  if (!s) return;
  std::vector<std::string> rooms;
  if (o.only_room) {
    rooms.push_back(*o.only_room);
  } else {
    auto all = s->list_rooms();
    if (!all) return fail("compact", describe(all.error()));
    rooms = std::move(*all);
  }
  store::compact_options co;
  if (o.older_than_seconds) {
    const auto now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    co.older_than = now - *o.older_than_seconds;
  }
  progress_line progress("compacting");
  for (std::size_t i = 0; i < rooms.size(); ++i) {
    progress.update(i, rooms.size(), rooms[i]);
    auto c = s->compact(rooms[i], co);
    if (!c) {
      fail("compact", printable(rooms[i]) + ": " + describe(c.error()));
      continue;
    }
    std::printf("%s\t%llu -> %llu records\t%llu -> %llu bytes\n", printable(rooms[i]).c_str(),
                static_cast<unsigned long long>(c->before.records), static_cast<unsigned long long>(c->after.records),
                static_cast<unsigned long long>(c->before.bytes), static_cast<unsigned long long>(c->after.bytes));
  }
  if (auto ok = s->flush(); !ok) fail("compact", describe(ok.error()));
}

void run_export(const store_cli_options& o) {
  auto s = open_or_fail("export", o.store_uri, true, o);
  if (!s) return;
  auto update = store::load_merged(*s, o.room);
  if (!update) return fail("export", printable(o.room) + ": " + describe(update.error()));
  std::FILE* out = o.output.empty() || o.output == "-" ? stdout : std::fopen(o.output.c_str(), "wb");
  if (out == nullptr) return fail("export", "cannot write " + o.output);
  const bool written = std::fwrite(update->data(), 1, update->size(), out) == update->size();
  const bool closed = out == stdout ? std::fflush(out) == 0 : std::fclose(out) == 0;
  if (!written || !closed) fail("export", "cannot write " + (o.output.empty() ? std::string("stdout") : o.output));
}

// Imports one FileYStore file, or every file under a folder (rooms named by relative path).
void import_file_ystore(const fs::path& source, store::store& dest, const store_cli_options& o) {
  std::vector<std::pair<fs::path, std::string>> files;  // (file, room)
  std::error_code ec;
  if (fs::is_directory(source, ec)) {
    for (auto it = fs::recursive_directory_iterator(source, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (it->is_regular_file()) files.emplace_back(it->path(), fs::relative(it->path(), source).generic_string());
    }
    std::sort(files.begin(), files.end());
  } else {
    files.emplace_back(source, o.room.empty() ? source.filename().string() : o.room);
  }
  progress_line progress("importing");
  std::size_t records = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    progress.update(i, files.size(), files[i].second);
    auto contents = store::read_file_ystore(files[i].first);
    if (!contents) {
      fail("import", files[i].first.string() + ": " + describe(contents.error()));
      continue;
    }
    if (contents->ignored_tail_bytes != 0) {
      std::fprintf(stderr, "yws store import: %s: %zu bytes of an incomplete last record ignored\n",
                   files[i].first.c_str(), contents->ignored_tail_bytes);
    }
    if (auto ok = store::import_records(dest, files[i].second, contents->records); !ok) {
      fail("import", files[i].second + ": " + describe(ok.error()));
      continue;
    }
    records += contents->records.size();
  }
  std::fprintf(stderr, "yws store import: %zu records from %zu files\n", records, files.size());
}

void run_import(const store_cli_options& o) {
  auto dest = open_or_fail("import", o.store_uri, false, o);
  if (!dest) return;
  constexpr std::string_view pycrdt_file = "pycrdt-file:";
  if (std::string_view(o.source_uri).starts_with(pycrdt_file)) {
    import_file_ystore(fs::path(o.source_uri.substr(pycrdt_file.size())), *dest, o);
  } else {
    auto source = open_or_fail("import", o.source_uri, true, o);
    if (!source) return;
    progress_line progress("importing");
    auto summary = store::import_store(*source, *dest, [&](std::size_t done, std::size_t total, std::string_view room) {
      progress.update(done, total, room);
    });
    if (!summary) return fail("import", describe(summary.error()));
    std::fprintf(stderr, "yws store import: %zu records in %zu rooms\n", summary->records, summary->rooms);
  }
  if (auto ok = dest->flush(); !ok) fail("import", describe(ok.error()));
}

// Adds `yws store <name>` with its STORE argument; `run` is its body.
template <class Run>
CLI::App* add_store_subcommand(CLI::App* cmd, const char* name, const char* help, std::string& store_uri, Run run) {
  auto* sub = cmd->add_subcommand(name, help);
  sub->add_option("store", store_uri, "Store URI: sqlite:PATH | file:DIR | memory")->required();
  sub->callback([name, run] { run_guarded(std::string("yws store ") + name, run); });
  return sub;
}

}  // namespace

CLI::App* add_store_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("store", "Inspect, compact, export and import durable stores");
  cmd->require_subcommand(1);
  auto o = std::make_shared<store_cli_options>();

  add_store_subcommand(cmd, "ls", "List the rooms of a store", o->store_uri, [o] { run_ls(*o); });

  auto* inspect = add_store_subcommand(cmd, "inspect", "Print a room's history: time, size and metadata per record",
                                       o->store_uri, [o] { run_inspect(*o); });
  inspect->add_option("room", o->room, "Room name")->required();
  inspect->add_flag("--json", o->json, "One JSON object per record (update and metadata in hex)");

  auto* compact = add_store_subcommand(cmd, "compact", "Merge rooms' history into one snapshot each", o->store_uri,
                                       [o] { run_compact(*o); });
  compact->add_option("room", o->only_room, "Room name (default: every room)");
  compact->add_option("--older-than", o->older_than_seconds, "Only merge records older than this many seconds")
      ->check(CLI::NonNegativeNumber);
  compact->add_option("--compression", o->compression, "Blob compression of a SQLite store")
      ->check(CLI::IsMember({"none", "zlib"}));

  auto* exp = add_store_subcommand(cmd, "export", "Write a room's document as one v1 update", o->store_uri,
                                   [o] { run_export(*o); });
  exp->add_option("room", o->room, "Room name")->required();
  exp->add_option("-o,--output", o->output, "Output file (default: stdout)");

  auto* imp = cmd->add_subcommand("import", "Copy rooms from a store or from pycrdt FileYStore files into a store");
  imp->add_option("source", o->source_uri,
                  "sqlite:PATH (pycrdt SQLiteYStore or yws) | file:DIR | pycrdt-file:PATH (a FileYStore file or folder)")
      ->required();
  imp->add_option("dest", o->store_uri, "Store URI: sqlite:PATH | file:DIR | memory")->required();
  imp->add_option("--room", o->room, "Room name for a single pycrdt-file (default: its file name)");
  imp->add_option("--compression", o->compression, "Blob compression of a SQLite destination")
      ->check(CLI::IsMember({"none", "zlib"}));
  imp->callback([o] { run_guarded("yws store import", [o] { run_import(*o); }); });
  return cmd;
}

}  // namespace yws::app
