// The store contract: one suite, run against every store implementation.
#include "yws/store/store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <thread>

#include "store_test_support.hpp"
#include "yws/store/file_store.hpp"
#include "yws/store/memory_store.hpp"
#include "yws/store/sqlite_store.hpp"

namespace yws::store::test {
namespace {

// How to open one kind of store in a directory (reopening it sees the same data when durable).
struct store_kind {
  std::string name;
  bool durable = false;
  std::function<result<std::unique_ptr<store>>(const std::filesystem::path& dir, store_options)> open;
};

void PrintTo(const store_kind& kind, std::ostream* os) { *os << kind.name; }

std::vector<store_kind> all_kinds() {
  return {
      {"memory", false, [](const auto&, store_options o) -> result<std::unique_ptr<store>> { return make_memory_store(std::move(o)); }},
      {"temp_dir", false, [](const auto&, store_options o) { return make_temp_dir_store(std::move(o)); }},
      {"file", true,
       [](const auto& dir, store_options o) {
         file_store_options fo;
         fo.common = std::move(o);
         return make_file_store(dir / "rooms", std::move(fo));
       }},
      {"sqlite", true,
       [](const auto& dir, store_options o) {
         sqlite_store_options so;
         so.common = std::move(o);
         return make_sqlite_store((dir / "yws.db").string(), std::move(so));
       }},
      {"sqlite_zlib", true,
       [](const auto& dir, store_options o) {
         sqlite_store_options so;
         so.common = std::move(o);
         so.compress = compression::zlib;
         so.checkpoint_interval = 7;  // checkpoints on the way, with compression
         return make_sqlite_store((dir / "yws.db").string(), std::move(so));
       }},
      {"sqlite_memory", false,
       [](const auto&, store_options o) {
         sqlite_store_options so;
         so.common = std::move(o);
         return make_sqlite_store(":memory:", std::move(so));
       }},
  };
}

class store_contract : public ::testing::TestWithParam<store_kind> {
 protected:
  void SetUp() override { open(); }

  void open(store_options o = {}) {
    s_.reset();
    if (!o.clock) o.clock = clock_.function();
    auto opened = GetParam().open(dir_.path(), std::move(o));
    ASSERT_TRUE(opened) << opened.error().message();
    s_ = std::move(*opened);
  }

  stored_doc load(std::string_view room) {
    auto d = s_->load(room);
    EXPECT_TRUE(d) << d.error().message();
    return d ? std::move(*d) : stored_doc{};
  }

  std::vector<record> history(std::string_view room) {
    auto h = s_->history(room);
    EXPECT_TRUE(h) << h.error().message();
    return h ? std::move(*h) : std::vector<record>{};
  }

  void append_all(std::string_view room, const std::vector<bytes>& updates, std::size_t batch = 1) {
    for (std::size_t i = 0; i < updates.size(); i += batch) {
      std::vector<append_record> b;
      for (std::size_t j = i; j < std::min(updates.size(), i + batch); ++j) b.push_back({updates[j], {}, {}});
      ASSERT_TRUE(s_->append_batch(room, b));
      clock_.now += 0.25;
    }
  }

  temp_dir dir_;
  manual_clock clock_;
  std::unique_ptr<store> s_;
};

TEST_P(store_contract, unknown_room_is_empty) {
  EXPECT_TRUE(load("nobody").empty());
  EXPECT_TRUE(history("nobody").empty());
  auto st = s_->stats("nobody");
  ASSERT_TRUE(st);
  EXPECT_EQ(*st, room_stats{});
  auto rooms = s_->list_rooms();
  ASSERT_TRUE(rooms);
  EXPECT_TRUE(rooms->empty());
  EXPECT_TRUE(s_->remove("nobody"));
  auto merged = load_merged(*s_, "nobody");
  ASSERT_TRUE(merged);
  EXPECT_EQ(*merged, (bytes{0, 0}));  // an empty document
}

TEST_P(store_contract, records_round_trip_with_metadata_and_time) {
  // pycrdt's test_ystore: arbitrary bytes are stored as they are, with their metadata.
  const char* data[] = {"foo", "bar", "baz"};
  const char* meta[] = {"0", "1", "2"};
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(s_->append("room", as_bytes(data[i]), as_bytes(meta[i])));
    clock_.now += 1;
  }
  const auto h = history("room");
  ASSERT_EQ(h.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(h[i].update, to_bytes(data[i]));
    EXPECT_EQ(h[i].metadata, to_bytes(meta[i]));
    EXPECT_DOUBLE_EQ(h[i].timestamp, 1700000000.0 + i);
  }
  const auto d = load("room");
  EXPECT_TRUE(d.snapshot.empty());
  EXPECT_EQ(d.tail, (std::vector<bytes>{to_bytes("foo"), to_bytes("bar"), to_bytes("baz")}));
  auto st = s_->stats("room");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->records, 3u);
  EXPECT_DOUBLE_EQ(st->first_timestamp, 1700000000.0);
  EXPECT_DOUBLE_EQ(st->last_timestamp, 1700000002.0);
}

TEST_P(store_contract, batch_is_stored_in_order) {
  const auto updates = typing_updates(50);
  append_all("r", updates, 50);
  EXPECT_EQ(load("r").tail, updates);
  EXPECT_EQ(text_of(load("r")).value(), typed_text(50));
}

TEST_P(store_contract, metadata_callback_runs_once_per_record) {
  int calls = 0;
  store_options o;
  o.on_metadata = [&](std::string_view room, std::span<const std::uint8_t> md) {
    ++calls;
    bytes out = to_bytes(room);
    out.push_back(':');
    out.insert(out.end(), md.begin(), md.end());
    return out;
  };
  open(std::move(o));
  const bytes u = typing_update(1, 0, 'x');
  const append_record batch[] = {{u, as_bytes("alice"), {}}, {u, {}, {}}};
  ASSERT_TRUE(s_->append_batch("doc", batch));
  EXPECT_EQ(calls, 2);
  const auto h = history("doc");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].metadata, to_bytes("doc:alice"));
  EXPECT_EQ(h[1].metadata, to_bytes("doc:"));
}

TEST_P(store_contract, time_never_goes_back_within_a_room) {
  const auto updates = typing_updates(3);
  ASSERT_TRUE(s_->append("r", updates[0]));
  clock_.now -= 100;  // the system clock steps back
  ASSERT_TRUE(s_->append("r", updates[1]));
  const auto h = history("r");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_DOUBLE_EQ(h[1].timestamp, h[0].timestamp);
  EXPECT_EQ(h[1].update, updates[1]);
}

TEST_P(store_contract, explicit_timestamps_are_kept) {
  const auto updates = typing_updates(2);
  const append_record batch[] = {{updates[0], as_bytes("m"), 1234.5}, {updates[1], {}, 1240.0}};
  ASSERT_TRUE(s_->append_batch("r", batch));
  const auto h = history("r");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_DOUBLE_EQ(h[0].timestamp, 1234.5);
  EXPECT_DOUBLE_EQ(h[1].timestamp, 1240.0);
}

TEST_P(store_contract, odd_room_names_are_distinct_rooms) {
  const std::vector<std::string> names = {
      "", "a", "A", "../x", "/etc/passwd", std::string("nul\0byte", 8), std::string("nul\0bytf", 8),
      ".", "..", "dir/sub/doc.ipynb", "Ünïcödé 文档", std::string(1000, 'L'), std::string(1000, 'L') + "2", "%41"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    ASSERT_TRUE(s_->append(names[i], typing_update(1, 0, static_cast<char>('a' + i)))) << i;
  }
  auto rooms = s_->list_rooms();
  ASSERT_TRUE(rooms);
  auto sorted = names;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(*rooms, sorted);
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto d = load(names[i]);
    ASSERT_EQ(d.tail.size(), 1u) << i;
    EXPECT_EQ(text_of(d).value(), std::string(1, static_cast<char>('a' + i)));
  }
}

TEST_P(store_contract, over_long_room_name_is_refused) {
  const std::string name(max_room_name_bytes + 1, 'x');
  EXPECT_EQ(s_->append(name, typing_update(1, 0, 'x')).error(), errc::invalid_argument);
  EXPECT_EQ(s_->load(name).error(), errc::invalid_argument);
}

TEST_P(store_contract, compaction_keeps_content_and_shrinks) {
  const auto updates = typing_updates(300);
  append_all("r", updates, 3);
  auto before_doc = load_merged(*s_, "r");
  ASSERT_TRUE(before_doc);
  auto c = s_->compact("r");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_TRUE(c->changed);
  EXPECT_EQ(c->before.records, 300u);
  EXPECT_EQ(c->after.records, 1u);
  EXPECT_LT(c->after.bytes, c->before.bytes / 4);
  auto after_doc = load_merged(*s_, "r");
  ASSERT_TRUE(after_doc);
  EXPECT_EQ(*after_doc, *before_doc);
  const auto d = load("r");
  EXPECT_EQ(d.snapshot.size() + d.tail.size() > 0, true);
  EXPECT_EQ(text_of(d).value(), typed_text(300));
  EXPECT_EQ(history("r").size(), 1u);

  // Compacting again changes nothing; appends after it are kept on top of the snapshot.
  auto again = s_->compact("r");
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->changed);
  const auto more = typing_updates(310);
  append_all("r", std::vector<bytes>(more.begin() + 300, more.end()));
  EXPECT_EQ(text_of(load("r")).value(), typed_text(310));
  EXPECT_EQ(history("r").size(), 11u);
}

TEST_P(store_contract, compaction_of_old_history_keeps_recent_records) {
  const auto updates = typing_updates(20);
  append_all("r", updates);  // times now+0, +0.25, ...
  const double cutoff = 1700000000.0 + 0.25 * 9;  // the first 10 records
  auto c = s_->compact("r", {cutoff});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_TRUE(c->changed);
  const auto h = history("r");
  ASSERT_EQ(h.size(), 11u);
  EXPECT_DOUBLE_EQ(h[0].timestamp, cutoff);
  for (std::size_t i = 1; i < h.size(); ++i) EXPECT_EQ(h[i].update, updates[9 + i]);
  EXPECT_EQ(text_of(load("r")).value(), typed_text(20));
}

TEST_P(store_contract, compaction_refuses_what_does_not_apply) {
  ASSERT_TRUE(s_->append("r", typing_update(1, 0, 'a')));
  ASSERT_TRUE(s_->append("r", as_bytes("not an update")));
  auto c = s_->compact("r");
  ASSERT_FALSE(c);
  EXPECT_EQ(history("r").size(), 2u);  // nothing changed
  EXPECT_FALSE(load_merged(*s_, "r"));
}

TEST_P(store_contract, remove_deletes_the_room_only) {
  ASSERT_TRUE(s_->append("a", typing_update(1, 0, 'a')));
  ASSERT_TRUE(s_->append("b", typing_update(1, 0, 'b')));
  ASSERT_TRUE(s_->remove("a"));
  EXPECT_TRUE(load("a").empty());
  EXPECT_EQ(s_->list_rooms().value(), std::vector<std::string>{"b"});
  ASSERT_TRUE(s_->append("a", typing_update(2, 0, 'z')));  // a removed room starts afresh
  EXPECT_EQ(text_of(load("a")).value(), "z");
}

// The durable kinds only: reopening the same place must see everything written before.
class durable_store_contract : public store_contract {};

std::vector<store_kind> durable_kinds() {
  std::vector<store_kind> out;
  for (auto& k : all_kinds()) {
    if (k.durable) out.push_back(std::move(k));
  }
  return out;
}

TEST_P(durable_store_contract, reopening_keeps_everything) {
  const auto updates = typing_updates(40);
  append_all("r", std::vector<bytes>(updates.begin(), updates.begin() + 30), 4);
  ASSERT_TRUE(s_->compact("r"));
  append_all("r", std::vector<bytes>(updates.begin() + 30, updates.end()));
  ASSERT_TRUE(s_->append("other", as_bytes("x"), as_bytes("meta")));
  ASSERT_TRUE(s_->flush());
  const auto h = history("r");
  open();
  EXPECT_EQ(history("r"), h);
  EXPECT_EQ(text_of(load("r")).value(), typed_text(40));
  EXPECT_EQ(s_->list_rooms().value(), (std::vector<std::string>{"other", "r"}));
  EXPECT_EQ(history("other").at(0).metadata, to_bytes("meta"));
}

TEST_P(store_contract, fsync_policies_all_store) {
  for (auto policy : {fsync_policy::always, fsync_policy::batch, fsync_policy::never}) {
    store_options o;
    o.fsync = policy;
    o.sync_window = std::chrono::milliseconds(1);
    open(std::move(o));
    ASSERT_TRUE(s_->append("r", typing_update(3, static_cast<std::uint32_t>(policy), 'p')));
    ASSERT_TRUE(s_->flush());
  }
  EXPECT_EQ(load("r").tail.size(), GetParam().durable ? 3u : 1u);
}

TEST_P(store_contract, concurrent_appends_and_compaction_lose_nothing) {
  constexpr int threads = 4;
  constexpr std::uint32_t per_thread = 150;
  std::atomic<bool> done{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < threads; ++t) {
    writers.emplace_back([&, t] {
      const auto updates = typing_updates(per_thread, 100 + t);
      const std::string room = t % 2 == 0 ? "even" : "odd";
      for (const auto& u : updates) ASSERT_TRUE(s_->append(room, u));
    });
  }
  std::thread compactor([&] {
    while (!done) {
      for (const char* room : {"even", "odd"}) {
        auto c = s_->compact(room);
        // A compaction may give up when the room changed under it, never fail otherwise.
        if (!c) {
          ASSERT_EQ(c.error(), errc::rejected) << c.error().message();
        }
      }
    }
  });
  for (auto& w : writers) w.join();
  done = true;
  compactor.join();
  for (const char* room : {"even", "odd"}) {
    auto merged = load_merged(*s_, room);
    ASSERT_TRUE(merged);
    crdt::doc d;
    ASSERT_TRUE(crdt::apply_update_v1(d, *merged));
    const auto sv = d.state();
    EXPECT_EQ(sv.size(), 2u) << room;
    for (const auto& [client, clock] : sv.clients()) EXPECT_EQ(clock, per_thread) << room << " client " << client;
  }
}

INSTANTIATE_TEST_SUITE_P(all_stores, store_contract, ::testing::ValuesIn(all_kinds()),
                         [](const auto& info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(durable_stores, durable_store_contract, ::testing::ValuesIn(durable_kinds()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace yws::store::test
