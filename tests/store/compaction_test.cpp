// Compaction at scale: a room of 100,000 small updates loads at least ten times faster once
// compacted, with the same content, in every durable store.
//
// The updates are encoded directly (store_test_support.hpp) rather than made by editing a doc,
// which keeps building them cheap in the debug and sanitizer builds.
#include <gtest/gtest.h>

#include <chrono>

#include "store_test_support.hpp"
#include "yws/store/file_store.hpp"
#include "yws/store/sqlite_store.hpp"

namespace yws::store::test {
namespace {

constexpr std::uint32_t update_count = 100000;

// Load the room and rebuild its document: what a room does before serving anyone.
double timed_load(store& s, std::string& text) {
  const auto start = std::chrono::steady_clock::now();
  auto d = s.load("big");
  EXPECT_TRUE(d);
  auto t = text_of(*d);
  EXPECT_TRUE(t);
  text = t ? *t : std::string();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void check_compaction_speeds_up_loading(store& s) {
  const auto updates = typing_updates(update_count);
  std::vector<append_record> batch;
  for (std::size_t i = 0; i < updates.size(); i += 5000) {
    batch.clear();
    for (std::size_t j = i; j < std::min(updates.size(), i + 5000); ++j) batch.push_back({updates[j], {}, {}});
    ASSERT_TRUE(s.append_batch("big", batch));
  }
  std::string before_text;
  const double before = timed_load(s, before_text);
  ASSERT_EQ(before_text, typed_text(update_count));
  const auto before_merged = load_merged(s, "big");
  ASSERT_TRUE(before_merged);

  auto c = s.compact("big");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->before.records, update_count);
  EXPECT_EQ(c->after.records, 1u);
  EXPECT_LT(c->after.bytes * 10, c->before.bytes);

  std::string after_text;
  const double after = timed_load(s, after_text);
  EXPECT_EQ(after_text, before_text);
  EXPECT_EQ(load_merged(s, "big").value(), *before_merged);
  std::printf("load of %u updates: %.4f s before compaction, %.4f s after (%.1fx); %llu -> %llu bytes\n",
              update_count, before, after, before / after, static_cast<unsigned long long>(c->before.bytes),
              static_cast<unsigned long long>(c->after.bytes));
  EXPECT_LE(after * 10, before);
}

TEST(compaction, file_store_loads_ten_times_faster) {
  temp_dir dir;
  file_store_options o;
  o.common.fsync = fsync_policy::never;
  auto s = make_file_store(dir.path(), o);
  ASSERT_TRUE(s);
  check_compaction_speeds_up_loading(**s);
}

TEST(compaction, sqlite_store_loads_ten_times_faster) {
  temp_dir dir;
  sqlite_store_options o;
  o.common.fsync = fsync_policy::never;
  o.checkpoint_interval = 0;  // measure the rows themselves, not a checkpoint
  auto s = make_sqlite_store((dir.path() / "big.db").string(), o);
  ASSERT_TRUE(s);
  check_compaction_speeds_up_loading(**s);
}

}  // namespace
}  // namespace yws::store::test
