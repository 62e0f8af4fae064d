// The file store's log: torn-tail recovery, corruption reports, compaction atomicity, the
// directory lock and the open-file cache.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <thread>

#include "store/file/log_format.hpp"
#include "store_test_support.hpp"
#include "yws/store/file_store.hpp"

namespace yws::store::test {
namespace {

namespace fs = std::filesystem;

bytes read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_all(const fs::path& p, std::span<const std::uint8_t> data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

class file_log : public ::testing::Test {
 protected:
  std::unique_ptr<store> open(bool read_only = false) {
    file_store_options o;
    o.read_only = read_only;
    o.common.fsync = fsync_policy::never;
    o.common.on_event = [this](const store_event& e) { events_.push_back(std::string(e.what)); };
    auto s = make_file_store(dir_.path(), std::move(o));
    EXPECT_TRUE(s) << s.error().message();
    return s ? std::move(*s) : nullptr;
  }

  fs::path log_path(std::string_view room) const { return dir_.path() / room_file_name(room); }

  // Writes `n` typing updates to `room` and returns the file size after each record.
  std::vector<std::uint64_t> write_records(std::string_view room, std::uint32_t n) {
    auto s = open();
    std::vector<std::uint64_t> sizes;
    for (const auto& u : typing_updates(n)) {
      EXPECT_TRUE(s->append(room, u, as_bytes("meta")));
      sizes.push_back(fs::file_size(log_path(room)));
    }
    return sizes;
  }

  temp_dir dir_;
  std::vector<std::string> events_;
};

TEST_F(file_log, torn_tail_is_cut_at_every_offset_of_the_last_record) {
  const auto sizes = write_records("room", 5);
  const bytes whole = read_all(log_path("room"));
  const std::uint64_t last_start = sizes[3];
  ASSERT_EQ(whole.size(), sizes[4]);
  for (std::uint64_t cut = last_start; cut < whole.size(); ++cut) {
    write_all(log_path("room"), std::span(whole).first(cut));
    auto s = open();
    auto d = s->load("room");
    ASSERT_TRUE(d) << "cut at " << cut << ": " << d.error().message();
    EXPECT_EQ(d->tail.size(), 4u) << "cut at " << cut;
    EXPECT_EQ(text_of(*d).value(), typed_text(4));
    EXPECT_EQ(fs::file_size(log_path("room")), last_start) << "the torn tail is cut on open";
    // The log takes appends again, and they survive a reopen.
    ASSERT_TRUE(s->append("room", typing_updates(5)[4]));
    s.reset();
    s = open();
    EXPECT_EQ(text_of(s->load("room").value()).value(), typed_text(5)) << "cut at " << cut;
  }
}

TEST_F(file_log, zero_filled_tail_is_cut) {
  const auto sizes = write_records("room", 3);
  bytes data = read_all(log_path("room"));
  data.resize(data.size() + 4096, 0);  // a crash after the file grew, before its data landed
  write_all(log_path("room"), data);
  auto s = open();
  EXPECT_EQ(s->load("room").value().tail.size(), 3u);
  EXPECT_EQ(fs::file_size(log_path("room")), sizes[2]);
  ASSERT_FALSE(events_.empty());
  EXPECT_NE(events_.back().find("torn tail cut"), std::string::npos);
}

TEST_F(file_log, last_record_failing_its_checksum_is_cut) {
  const auto sizes = write_records("room", 3);
  bytes data = read_all(log_path("room"));
  data.back() ^= 0x01;  // the last payload byte never reached the disk
  write_all(log_path("room"), data);
  auto s = open();
  EXPECT_EQ(s->load("room").value().tail.size(), 2u);
  EXPECT_EQ(fs::file_size(log_path("room")), sizes[1]);
}

TEST_F(file_log, corruption_in_the_middle_is_reported_not_skipped) {
  const auto sizes = write_records("room", 5);
  const bytes whole = read_all(log_path("room"));
  struct damage {
    const char* what;
    std::uint64_t offset;
  };
  // Inside the third record: its payload, its length field, its type.
  const damage cases[] = {{"payload", sizes[1] + detail::frame_header_size + 3},
                          {"length", sizes[1] + 5},
                          {"type", sizes[1] + 8}};
  for (const auto& c : cases) {
    bytes data = whole;
    data[c.offset] ^= 0x40;
    write_all(log_path("room"), data);
    auto s = open();
    EXPECT_EQ(s->load("room").error(), errc::corruption) << c.what;
    EXPECT_EQ(s->history("room").error(), errc::corruption) << c.what;
    EXPECT_EQ(s->append("room", typing_update(9, 0, 'x')).error(), errc::corruption) << c.what;
    EXPECT_EQ(s->compact("room").error(), errc::corruption) << c.what;
    s.reset();
    EXPECT_EQ(read_all(log_path("room")), data) << c.what << ": a damaged log is left as it is";
  }
}

TEST_F(file_log, damaged_header_is_corruption) {
  write_records("room", 2);
  bytes data = read_all(log_path("room"));
  data[0] = 'X';
  write_all(log_path("room"), data);
  auto s = open();
  EXPECT_EQ(s->load("room").error(), errc::corruption);
  // Removing a damaged room is how an operator gives up on it.
  ASSERT_TRUE(s->remove("room"));
  EXPECT_TRUE(s->load("room").value().empty());
}

TEST_F(file_log, log_of_another_room_is_corruption) {
  write_records("a", 1);
  fs::rename(log_path("a"), log_path("b"));
  auto s = open();
  EXPECT_EQ(s->load("b").error(), errc::corruption);
}

TEST_F(file_log, read_only_open_repairs_nothing) {
  const auto sizes = write_records("room", 3);
  bytes data = read_all(log_path("room"));
  data.resize(data.size() - 2);
  write_all(log_path("room"), data);
  auto s = open(true);
  EXPECT_EQ(s->load("room").value().tail.size(), 2u);
  EXPECT_EQ(fs::file_size(log_path("room")), data.size());
  EXPECT_EQ(s->append("room", typing_update(1, 0, 'x')).error(), errc::rejected);
  EXPECT_EQ(s->list_rooms().value(), std::vector<std::string>{"room"});
}

TEST_F(file_log, one_writer_per_directory) {
  auto first = open();
  file_store_options o;
  EXPECT_EQ(make_file_store(dir_.path(), o).error(), errc::rejected);
  o.read_only = true;
  EXPECT_TRUE(make_file_store(dir_.path(), o));
  first.reset();
  o.read_only = false;
  EXPECT_TRUE(make_file_store(dir_.path(), o));
}

TEST_F(file_log, compaction_replaces_the_log_in_one_rename) {
  write_records("room", 50);
  auto s = open();
  const auto before = read_all(log_path("room"));
  auto c = s->compact("room");
  ASSERT_TRUE(c) << c.error().message();
  const bytes after = read_all(log_path("room"));
  EXPECT_LT(after.size(), before.size() / 4);
  // The new log is whole: a header, then one snapshot record.
  auto start = detail::parse_log_start(after);
  ASSERT_TRUE(start);
  EXPECT_EQ(start->room, "room");
  auto scan = detail::scan_records(after, start->data_start);
  ASSERT_TRUE(scan);
  ASSERT_EQ(scan->entries.size(), 1u);
  EXPECT_EQ(scan->entries[0].type, detail::record_type::snapshot);
  EXPECT_FALSE(scan->torn_tail);
  // No temporary file is left behind.
  for (const auto& e : fs::directory_iterator(dir_.path())) {
    EXPECT_FALSE(e.path().string().ends_with(".tmp")) << e.path();
  }
}

TEST_F(file_log, crash_during_compaction_leaves_the_old_log) {
  write_records("room", 10);
  // What a crash before the rename leaves: a partial new log beside the old one.
  fs::path temp = log_path("room");
  temp += ".tmp";
  write_all(temp, as_bytes("partial compaction output"));
  auto s = open();
  EXPECT_FALSE(fs::exists(temp)) << "leftovers are removed on open";
  EXPECT_EQ(text_of(s->load("room").value()).value(), typed_text(10));
}

TEST_F(file_log, appends_during_compaction_are_kept) {
  auto s = open();
  const auto updates = typing_updates(2000);
  for (std::size_t i = 0; i < 1000; ++i) ASSERT_TRUE(s->append("room", updates[i]));
  std::thread writer([&] {
    for (std::size_t i = 1000; i < updates.size(); ++i) ASSERT_TRUE(s->append("room", updates[i]));
  });
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(s->compact("room"));
  writer.join();
  EXPECT_EQ(text_of(s->load("room").value()).value(), typed_text(2000));
  s.reset();
  s = open();
  EXPECT_EQ(text_of(s->load("room").value()).value(), typed_text(2000));
}

TEST_F(file_log, many_rooms_with_few_open_files) {
  file_store_options o;
  o.max_open_logs = 2;
  o.common.fsync = fsync_policy::batch;
  o.common.sync_window = std::chrono::milliseconds(1);
  auto s = make_file_store(dir_.path(), o);
  ASSERT_TRUE(s);
  const auto updates = typing_updates(10);
  for (int round = 0; round < 10; ++round) {
    for (int room = 0; room < 7; ++room) ASSERT_TRUE((*s)->append("room" + std::to_string(room), updates[round]));
  }
  for (int room = 0; room < 7; ++room) {
    EXPECT_EQ(text_of((*s)->load("room" + std::to_string(room)).value()).value(), typed_text(10));
  }
  EXPECT_EQ((*s)->list_rooms().value().size(), 7u);
}

TEST_F(file_log, record_framing_round_trips) {
  bytes log = detail::encode_log_start(std::string("r\0oom", 5));
  detail::append_update_record(log, detail::record_type::update, 1.5, as_bytes("md"), as_bytes("upd"));
  auto start = detail::parse_log_start(log);
  ASSERT_TRUE(start);
  EXPECT_EQ(start->room, std::string("r\0oom", 5));
  auto scan = detail::scan_records(log, start->data_start);
  ASSERT_TRUE(scan);
  ASSERT_EQ(scan->entries.size(), 1u);
  EXPECT_DOUBLE_EQ(scan->entries[0].timestamp, 1.5);
  EXPECT_EQ(bytes(scan->entries[0].metadata.begin(), scan->entries[0].metadata.end()), to_bytes("md"));
  EXPECT_EQ(bytes(scan->entries[0].update.begin(), scan->entries[0].update.end()), to_bytes("upd"));
  EXPECT_EQ(scan->valid_end, log.size());
}

}  // namespace
}  // namespace yws::store::test
