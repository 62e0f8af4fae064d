// The SQLite store against pycrdt-store's schema and behaviour (and its bugs, not copied).
#include "yws/store/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/compression.hpp"
#include "store_test_support.hpp"

namespace yws::store::test {
namespace {

// Direct SQL access to the database file, as pycrdt (or a test) would have it.
class raw_db {
 public:
  explicit raw_db(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) std::abort();
  }
  ~raw_db() { sqlite3_close(db_); }
  void exec(const std::string& sql) { ASSERT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db_); }
  std::int64_t integer(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr);
    std::int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return v;
  }
  std::string text(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr);
    std::string v;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != nullptr) {
      v = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return v;
  }
  std::vector<bytes> blobs(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr);
    std::vector<bytes> out;
    while (sqlite3_step(st) == SQLITE_ROW) {
      auto p = static_cast<const std::uint8_t*>(sqlite3_column_blob(st, 0));
      out.emplace_back(p, p + sqlite3_column_bytes(st, 0));
    }
    sqlite3_finalize(st);
    return out;
  }
  // INSERT INTO yupdates as pycrdt's write() does.
  void insert(const std::string& room, std::span<const std::uint8_t> update, std::string_view metadata, double ts) {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db_, "INSERT INTO yupdates VALUES (?, ?, ?, ?)", -1, &st, nullptr);
    sqlite3_bind_text(st, 1, room.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 2, update.data(), static_cast<int>(update.size()), SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 3, metadata.data(), static_cast<int>(metadata.size()), SQLITE_TRANSIENT);
    sqlite3_bind_double(st, 4, ts);
    EXPECT_EQ(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
  }
  void insert_checkpoint(const std::string& room, std::span<const std::uint8_t> blob, double ts) {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO ycheckpoints VALUES (?, ?, ?)", -1, &st, nullptr);
    sqlite3_bind_text(st, 1, room.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 2, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
    sqlite3_bind_double(st, 3, ts);
    EXPECT_EQ(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
  }

 private:
  sqlite3* db_ = nullptr;
};

// Rows of `room` as pycrdt wrote them, one second apart from `t0`.
void insert_all(raw_db& db, const std::string& room, const std::vector<bytes>& updates, std::string_view metadata,
                double t0) {
  for (std::size_t i = 0; i < updates.size(); ++i) db.insert(room, updates[i], metadata, t0 + static_cast<double>(i));
}

// pycrdt-websocket 0.15 / pycrdt-store <= 0.1.2: no ycheckpoints table.
void create_old_pycrdt_schema(raw_db& db) {
  db.exec("CREATE TABLE yupdates (path TEXT NOT NULL, yupdate BLOB, metadata BLOB, timestamp REAL NOT NULL)");
  db.exec("CREATE INDEX idx_yupdates_path_timestamp ON yupdates (path, timestamp)");
  db.exec("PRAGMA user_version = 2");
}

// pycrdt-store 0.1.5's _init_db.
void create_pycrdt_schema(raw_db& db) {
  db.exec("PRAGMA auto_vacuum = FULL");
  db.exec("VACUUM");
  create_old_pycrdt_schema(db);
  db.exec("CREATE TABLE ycheckpoints (path TEXT NOT NULL, checkpoint BLOB NOT NULL, timestamp REAL NOT NULL, PRIMARY KEY(path))");
}

class sqlite_store_test : public ::testing::Test {
 protected:
  std::unique_ptr<store> open(sqlite_store_options o = {}) {
    o.common.clock = clock_.function();
    o.common.fsync = fsync_policy::never;
    o.common.on_event = [this](const store_event& e) {
      events_.push_back(std::string(e.what) + (e.error ? ": " + e.error.message() : ""));
    };
    auto s = make_sqlite_store(path_, std::move(o));
    EXPECT_TRUE(s) << s.error().message();
    return s ? std::move(*s) : nullptr;
  }

  std::int64_t rows(const std::string& room = "doc") {
    raw_db db(path_);
    return db.integer("SELECT COUNT(*) FROM yupdates WHERE path = '" + room + "'");
  }

  temp_dir dir_;
  std::string path_ = (dir_.path() / ".jupyter_ystore.db").string();
  manual_clock clock_;
  std::vector<std::string> events_;
};

TEST_F(sqlite_store_test, schema_is_pycrdt_stores) {
  auto s = open();
  raw_db db(path_);
  EXPECT_EQ(db.integer("PRAGMA user_version"), 2);
  EXPECT_EQ(db.integer("PRAGMA auto_vacuum"), 1);  // FULL
  EXPECT_EQ(db.text("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(db.text("SELECT sql FROM sqlite_master WHERE name = 'yupdates'"),
            "CREATE TABLE yupdates (path TEXT NOT NULL, yupdate BLOB, metadata BLOB, timestamp REAL NOT NULL)");
  EXPECT_EQ(db.text("SELECT sql FROM sqlite_master WHERE name = 'idx_yupdates_path_timestamp'"),
            "CREATE INDEX idx_yupdates_path_timestamp ON yupdates (path, timestamp)");
  EXPECT_EQ(db.text("SELECT sql FROM sqlite_master WHERE name = 'ycheckpoints'"),
            "CREATE TABLE ycheckpoints (path TEXT NOT NULL, checkpoint BLOB NOT NULL, timestamp REAL NOT NULL, "
            "PRIMARY KEY(path))");
}

TEST_F(sqlite_store_test, rows_are_written_as_pycrdt_writes_them) {
  auto s = open();
  ASSERT_TRUE(s->append("doc", as_bytes("foo"), {}));
  raw_db db(path_);
  EXPECT_EQ(db.text("SELECT typeof(path) || typeof(yupdate) || typeof(metadata) || typeof(timestamp) FROM yupdates"),
            "textblobblobreal");
  EXPECT_EQ(db.blobs("SELECT metadata FROM yupdates"), std::vector<bytes>{bytes{}});  // b"", not NULL
  EXPECT_EQ(db.text("SELECT timestamp FROM yupdates"), "1700000000.0");
}

TEST_F(sqlite_store_test, opens_a_pycrdt_database_as_is) {
  const auto updates = typing_updates(30);
  {
    raw_db db(path_);
    create_pycrdt_schema(db);
    insert_all(db, "notebook.ipynb", updates, "user", 1600000000.0);
  }
  auto s = open();
  const auto h = s->history("notebook.ipynb").value();
  ASSERT_EQ(h.size(), 30u);
  EXPECT_EQ(h[5].update, updates[5]);
  EXPECT_EQ(h[5].metadata, to_bytes("user"));
  EXPECT_DOUBLE_EQ(h[5].timestamp, 1600000005.0);
  EXPECT_EQ(text_of(s->load("notebook.ipynb").value()).value(), typed_text(30));
  EXPECT_EQ(s->list_rooms().value(), std::vector<std::string>{"notebook.ipynb"});
}

TEST_F(sqlite_store_test, migrates_a_database_from_before_checkpoints) {
  const auto updates = typing_updates(5);
  {
    raw_db db(path_);
    create_old_pycrdt_schema(db);
    insert_all(db, "doc", updates, "", 1600000000.0);
  }
  auto s = open();
  EXPECT_EQ(text_of(s->load("doc").value()).value(), typed_text(5));
  raw_db db(path_);
  EXPECT_EQ(db.integer("SELECT count(*) FROM sqlite_master WHERE name = 'ycheckpoints'"), 1);
  ASSERT_FALSE(events_.empty());
  EXPECT_NE(events_[0].find("migrated"), std::string::npos);
  // pycrdt-store 0.1.5 fails every write from the 100th on such a database; yws does not.
  const auto more = typing_updates(150);
  for (std::size_t i = 5; i < more.size(); ++i) ASSERT_TRUE(s->append("doc", more[i]));
  EXPECT_EQ(db.integer("SELECT count(*) FROM ycheckpoints"), 1);
  EXPECT_EQ(text_of(s->load("doc").value()).value(), typed_text(150));
}

TEST_F(sqlite_store_test, leaves_a_database_of_another_version_alone) {
  {
    raw_db db(path_);
    create_old_pycrdt_schema(db);
    db.exec("PRAGMA user_version = 1");
  }
  EXPECT_EQ(make_sqlite_store(path_).error(), errc::unsupported_feature);
  raw_db db(path_);
  EXPECT_EQ(db.integer("PRAGMA user_version"), 1);
  EXPECT_EQ(db.integer("SELECT count(*) FROM sqlite_master WHERE name = 'ycheckpoints'"), 0);
}

TEST_F(sqlite_store_test, squash_after_inactivity_keeps_the_content) {
  // pycrdt-store's test_squash_after_inactivity_of: row counts 1, 2, 3, then 2; and the content
  // is checked, which is where pycrdt-store 0.1.5 without compression writes an empty doc.
  sqlite_store_options o;
  o.squash_after_inactivity_of = 1000;
  auto s = open(o);
  const auto updates = typing_updates(4);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(s->append("doc", updates[i]));
    EXPECT_EQ(rows(), i + 1);
  }
  clock_.now += 1001;
  ASSERT_TRUE(s->append("doc", updates[3]));
  EXPECT_EQ(rows(), 2);
  EXPECT_EQ(text_of(s->load("doc").value()).value(), typed_text(4));
  const auto h = s->history("doc").value();
  EXPECT_DOUBLE_EQ(h[0].timestamp, 1700000000.0);
  EXPECT_DOUBLE_EQ(h[1].timestamp, 1700001001.0);
}

TEST_F(sqlite_store_test, squash_of_history_older_than_a_limit) {
  // pycrdt-store's test_history_pruning_with_cleanup_interval.
  sqlite_store_options o;
  o.squash_history_older_than = 3;
  o.squash_no_more_often_than = 1;
  auto s = open(o);
  const auto updates = typing_updates(6);
  const double t0 = clock_.now;
  for (int i = 0; i < 3; ++i) {
    clock_.now = t0 + i;
    ASSERT_TRUE(s->append("doc", updates[i]));
  }
  EXPECT_EQ(rows(), 3);
  clock_.now = t0 + 6;
  ASSERT_TRUE(s->append("doc", updates[3]));
  EXPECT_EQ(rows(), 2);
  EXPECT_EQ(text_of(s->load("doc").value()).value(), typed_text(4));
  // Rate limit: within squash_no_more_often_than of the last squash, no squash.
  clock_.now = t0 + 6.5;
  ASSERT_TRUE(s->append("doc", updates[4]));
  EXPECT_EQ(rows(), 3);
  clock_.now = t0 + 11;
  ASSERT_TRUE(s->append("doc", updates[5]));
  EXPECT_EQ(rows(), 2);
  EXPECT_EQ(text_of(s->load("doc").value()).value(), typed_text(6));
}

TEST_F(sqlite_store_test, squash_of_a_bad_row_fails_without_losing_anything) {
  sqlite_store_options o;
  o.squash_after_inactivity_of = 10;
  auto s = open(o);
  ASSERT_TRUE(s->append("doc", as_bytes("foo")));
  ASSERT_TRUE(s->append("doc", typing_update(1, 0, 'a')));
  clock_.now += 100;
  ASSERT_TRUE(s->append("doc", typing_update(1, 1, 'b')));  // the append succeeds regardless
  EXPECT_EQ(rows(), 3);
  ASSERT_FALSE(events_.empty());
  EXPECT_NE(events_.back().find("squash failed"), std::string::npos);
}

TEST_F(sqlite_store_test, checkpoints_speed_up_loading_and_match_pycrdt) {
  sqlite_store_options o;
  o.checkpoint_interval = 10;
  auto s = open(o);
  const auto updates = typing_updates(35);
  for (const auto& u : updates) {
    ASSERT_TRUE(s->append("doc", u));
    clock_.now += 1;
  }
  raw_db db(path_);
  EXPECT_EQ(db.integer("SELECT count(*) FROM ycheckpoints WHERE path = 'doc'"), 1);
  // Written after the 30th append, stamped with the newest row it covers.
  EXPECT_EQ(db.text("SELECT timestamp FROM ycheckpoints"), "1700000029.0");
  const auto d = s->load("doc").value();
  EXPECT_FALSE(d.snapshot.empty());
  EXPECT_EQ(d.tail.size(), 6u);  // rows from the checkpoint's time on: the 30th again, then 31..35
  EXPECT_EQ(text_of(d).value(), typed_text(35));
  EXPECT_EQ(s->history("doc").value().size(), 35u);  // history is every row
}

TEST_F(sqlite_store_test, loads_through_a_pycrdt_checkpoint) {
  // A checkpoint holding content its rows lost (pycrdt-store's squash bug wrote an empty doc).
  const auto updates = typing_updates(12);
  std::vector<std::span<const std::uint8_t>> first10(updates.begin(), updates.begin() + 10);
  crdt::doc d;
  for (auto u : first10) ASSERT_TRUE(crdt::apply_update_v1(d, u));
  const auto checkpoint = crdt::encode_state_as_update_v1(d);
  {
    raw_db db(path_);
    create_pycrdt_schema(db);
    db.insert("doc", bytes{0, 0}, "", 1600000000.0);  // what the buggy squash left
    db.insert_checkpoint("doc", checkpoint, 1600000010.0);
    db.insert("doc", updates[10], "", 1600000010.0);
    db.insert("doc", updates[11], "", 1600000011.0);
  }
  auto s = open();
  EXPECT_EQ(text_of(s->load("doc").value()).value(), typed_text(12));
  // A full compaction folds the checkpoint in before dropping it.
  ASSERT_TRUE(s->compact("doc"));
  raw_db db(path_);
  EXPECT_EQ(db.integer("SELECT count(*) FROM ycheckpoints"), 0);
  EXPECT_EQ(rows(), 1);
  EXPECT_EQ(text_of(s->load("doc").value()).value(), typed_text(12));
}

TEST_F(sqlite_store_test, appends_sort_after_a_pycrdt_checkpoint_from_the_future) {
  {
    raw_db db(path_);
    create_pycrdt_schema(db);
    db.insert_checkpoint("doc", typing_update(7, 0, 'a'), clock_.now + 500);
  }
  auto s = open();
  ASSERT_TRUE(s->append("doc", typing_update(7, 1, 'b')));
  EXPECT_EQ(text_of(s->load("doc").value()).value(), "ab");
}

TEST_F(sqlite_store_test, import_older_than_the_checkpoint_drops_it) {
  sqlite_store_options o;
  o.checkpoint_interval = 2;
  auto s = open(o);
  const auto updates = typing_updates(3);
  ASSERT_TRUE(s->append("doc", updates[0]));
  ASSERT_TRUE(s->append("doc", updates[1]));
  raw_db db(path_);
  EXPECT_EQ(db.integer("SELECT count(*) FROM ycheckpoints"), 1);
  const append_record old[] = {{updates[2], {}, 1000.0}};
  ASSERT_TRUE(s->append_batch("doc", old));
  EXPECT_EQ(db.integer("SELECT count(*) FROM ycheckpoints"), 0);
  EXPECT_EQ(text_of(s->load("doc").value()).value(), typed_text(3));
}

TEST_F(sqlite_store_test, compression_applies_on_every_path) {
  sqlite_store_options o;
  o.compress = compression::zlib;
  o.checkpoint_interval = 5;
  auto s = open(o);
  const auto updates = typing_updates(12);
  for (std::size_t i = 0; i < 10; ++i) ASSERT_TRUE(s->append("doc", updates[i]));
  raw_db db(path_);
  // Rows and checkpoint are zlib streams (Python's zlib.decompress reads them).
  for (const auto& blob : db.blobs("SELECT yupdate FROM yupdates UNION ALL SELECT checkpoint FROM ycheckpoints")) {
    ASSERT_TRUE(detail::zlib_decompress(blob).has_value());
  }
  EXPECT_EQ(db.blobs("SELECT yupdate FROM yupdates ORDER BY rowid LIMIT 1")[0], detail::zlib_compress(updates[0]));
  EXPECT_EQ(s->history("doc").value()[3].update, updates[3]);
  ASSERT_TRUE(s->compact("doc"));
  const auto squashed = db.blobs("SELECT yupdate FROM yupdates");
  ASSERT_EQ(squashed.size(), 1u);
  EXPECT_TRUE(detail::zlib_decompress(squashed[0]).has_value());
  // Plain rows (written before compression was turned on, or by pycrdt) still load.
  db.insert("doc", updates[10], "", clock_.now);
  ASSERT_TRUE(s->append("doc", updates[11]));
  EXPECT_EQ(text_of(s->load("doc").value()).value(), typed_text(12));
}

TEST_F(sqlite_store_test, size_cleanup_squashes_least_recent_rooms_first) {
  sqlite_store_options o;
  o.checkpoint_interval = 0;
  o.squash_no_more_often_than = 0;
  auto s = open(o);
  const auto updates = typing_updates(300);
  for (int room = 0; room < 6; ++room) {
    for (const auto& u : updates) ASSERT_TRUE(s->append("room" + std::to_string(room), u));
    clock_.now += 10;
  }
  raw_db db(path_);
  const std::int64_t page_size = db.integer("PRAGMA page_size");
  const std::int64_t used = (db.integer("PRAGMA page_count") - db.integer("PRAGMA freelist_count")) * page_size;
  s.reset();
  o.cleanup_when_db_size_above = static_cast<std::uint64_t>(used / 2);
  s = open(o);
  ASSERT_TRUE(s->append("room5", typing_update(99, 0, 'z')));
  const std::int64_t after = (db.integer("PRAGMA page_count") - db.integer("PRAGMA freelist_count")) * page_size;
  EXPECT_LE(after, static_cast<std::int64_t>(*o.cleanup_when_db_size_above));
  EXPECT_EQ(rows("room0"), 1);  // the oldest room was squashed first
  EXPECT_LT(db.integer("SELECT count(*) FROM yupdates"), 6 * 300);
  for (int room = 0; room < 5; ++room) {
    EXPECT_EQ(text_of(s->load("room" + std::to_string(room)).value()).value(), typed_text(300));
  }
}

TEST_F(sqlite_store_test, read_only_open_writes_nothing) {
  {
    auto s = open();
    ASSERT_TRUE(s->append("doc", typing_update(1, 0, 'a')));
  }
  sqlite_store_options o;
  o.read_only = true;
  auto s = make_sqlite_store(path_, o);
  ASSERT_TRUE(s);
  EXPECT_EQ((*s)->append("doc", typing_update(1, 1, 'b')).error(), errc::rejected);
  EXPECT_EQ(text_of((*s)->load("doc").value()).value(), "a");
  EXPECT_EQ(make_sqlite_store((dir_.path() / "missing.db").string(), o).error(), errc::io_error);
}

TEST_F(sqlite_store_test, two_connections_share_the_database) {
  auto a = open();
  auto b = open();
  const auto updates = typing_updates(20);
  for (std::size_t i = 0; i < updates.size(); ++i) ASSERT_TRUE((i % 2 ? a : b)->append("doc", updates[i]));
  EXPECT_EQ(text_of(a->load("doc").value()).value(), typed_text(20));
  EXPECT_EQ(text_of(b->load("doc").value()).value(), typed_text(20));
}

}  // namespace
}  // namespace yws::store::test
