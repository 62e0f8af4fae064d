// Reading pycrdt's FileYStore files and copying stores into one another.
#include "yws/store/pycrdt_import.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "store_test_support.hpp"
#include "yws/store/file_store.hpp"
#include "yws/store/memory_store.hpp"
#include "yws/store/sqlite_store.hpp"

namespace yws::store::test {
namespace {

// One FileYStore record as pycrdt writes it: three varUint8Arrays, the last the "<d" time.
void append_ystore_record(bytes& out, std::span<const std::uint8_t> update, std::string_view metadata, double t) {
  encoding::encoder enc;
  enc.write_var_bytes(update);
  enc.write_var_bytes(as_bytes(metadata));
  std::uint8_t le[8];
  const auto bits = std::bit_cast<std::uint64_t>(t);
  for (int i = 0; i < 8; ++i) le[i] = static_cast<std::uint8_t>(bits >> (8 * i));
  enc.write_var_bytes(le);
  out.insert(out.end(), enc.data().begin(), enc.data().end());
}

TEST(file_ystore, reads_the_documented_example) {
  // docs: update "foo", metadata "0", t = 1700000000.5.
  const bytes file = {'V', 'E', 'R', 'S', 'I', 'O', 'N', ':', '2', '\n', 0x03, 'f', 'o', 'o', 0x01, '0',
                      0x08, 0x00, 0x00, 0x20, 0x40, 0xfc, 0x54, 0xd9, 0x41};
  auto c = parse_file_ystore(file);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->version, 2);
  ASSERT_EQ(c->records.size(), 1u);
  EXPECT_EQ(c->records[0].update, to_bytes("foo"));
  EXPECT_EQ(c->records[0].metadata, to_bytes("0"));
  EXPECT_DOUBLE_EQ(c->records[0].timestamp, 1700000000.5);
  EXPECT_EQ(c->ignored_tail_bytes, 0u);
}

TEST(file_ystore, keeps_whole_records_before_a_torn_tail) {
  bytes file = to_bytes("VERSION:2\n");
  const auto updates = typing_updates(3);
  for (const auto& u : updates) append_ystore_record(file, u, "m", 1.0);
  const std::size_t whole = file.size();
  append_ystore_record(file, typing_update(7, 3, 'd'), "m", 2.0);
  for (std::size_t cut = whole + 1; cut < file.size(); ++cut) {
    auto c = parse_file_ystore(std::span(file).first(cut));
    ASSERT_TRUE(c);
    EXPECT_EQ(c->records.size(), 3u);
    EXPECT_EQ(c->ignored_tail_bytes, cut - whole);
  }
}

TEST(file_ystore, versions_and_damage) {
  bytes v1 = to_bytes("VERSION:1\n");
  encoding::encoder enc;
  enc.write_var_bytes(as_bytes("upd"));
  enc.write_var_bytes(as_bytes("md"));
  v1.insert(v1.end(), enc.data().begin(), enc.data().end());
  auto c = parse_file_ystore(v1);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->version, 1);
  ASSERT_EQ(c->records.size(), 1u);
  EXPECT_EQ(c->records[0].update, to_bytes("upd"));

  EXPECT_EQ(parse_file_ystore(to_bytes("\x03" "foo")).error(), errc::unsupported_feature);
  EXPECT_EQ(parse_file_ystore(to_bytes("VERSION:3\n")).error(), errc::unsupported_feature);
  EXPECT_EQ(parse_file_ystore(to_bytes("VERSION:2")).error(), errc::unsupported_feature);
  bytes bad_time = to_bytes("VERSION:2\n");
  bad_time.insert(bad_time.end(), {0x01, 'u', 0x00, 0x02, 0x00, 0x00});
  EXPECT_EQ(parse_file_ystore(bad_time).error(), errc::corruption);
  EXPECT_TRUE(parse_file_ystore(to_bytes("VERSION:2\n")).value().records.empty());
  EXPECT_EQ(read_file_ystore("/nonexistent/file.y").error(), errc::not_found);
}

TEST(file_ystore, imports_into_a_store_with_times_and_metadata) {
  temp_dir dir;
  bytes file = to_bytes("VERSION:2\n");
  const auto updates = typing_updates(10);
  for (std::size_t i = 0; i < updates.size(); ++i) append_ystore_record(file, updates[i], "u" + std::to_string(i), 1600000000.0 + i);
  const auto path = dir.path() / "doc.y";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(file.data()), static_cast<std::streamsize>(file.size()));
  auto contents = read_file_ystore(path);
  ASSERT_TRUE(contents);
  auto dest = make_sqlite_store((dir.path() / "yws.db").string());
  ASSERT_TRUE(dest);
  ASSERT_TRUE(import_records(**dest, "doc", contents->records));
  const auto h = (*dest)->history("doc").value();
  EXPECT_EQ(h, contents->records);
  EXPECT_EQ(text_of((*dest)->load("doc").value()).value(), typed_text(10));
}

TEST(import_store, copies_every_room_and_pycrdt_checkpoints) {
  temp_dir dir;
  const auto updates = typing_updates(25);
  {
    sqlite_store_options o;
    o.checkpoint_interval = 10;
    auto src = make_sqlite_store((dir.path() / "src.db").string(), o);
    ASSERT_TRUE(src);
    for (const auto& u : updates) ASSERT_TRUE((*src)->append("a", u, as_bytes("alice")));
    ASSERT_TRUE((*src)->append("b", as_bytes("opaque"), as_bytes("bob")));
  }
  sqlite_store_options ro;
  ro.read_only = true;
  auto src = make_sqlite_store((dir.path() / "src.db").string(), ro);
  ASSERT_TRUE(src);
  auto dest = make_file_store(dir.path() / "dest");
  ASSERT_TRUE(dest);
  std::vector<std::size_t> progress;
  auto summary = import_store(**src, **dest, [&](std::size_t done, std::size_t, std::string_view) { progress.push_back(done); });
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->rooms, 2u);
  EXPECT_EQ(progress, (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ((*dest)->list_rooms().value(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(text_of((*dest)->load("a").value()).value(), typed_text(25));
  const auto hb = (*dest)->history("b").value();
  ASSERT_EQ(hb.size(), 1u);
  EXPECT_EQ(hb[0].update, to_bytes("opaque"));
  EXPECT_EQ(hb[0].metadata, to_bytes("bob"));
  // The checkpoint came first, then every row with its own time and metadata.
  const auto ha = (*dest)->history("a").value();
  ASSERT_EQ(ha.size(), 26u);
  EXPECT_EQ(ha[1].metadata, to_bytes("alice"));
  EXPECT_EQ(ha[1].update, updates[0]);
}

}  // namespace
}  // namespace yws::store::test
