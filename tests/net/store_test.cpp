// Rooms and stores together: load before serve, append before broadcast (the echo is the
// acknowledgement), group commit, flush on stop, failures that close the room instead of serving
// or acknowledging something wrong, and background compaction.
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "net/sync_client.hpp"
#include "net/test_server.hpp"
#include "yws/crdt/doc.hpp"
#include "yws/protocol/message.hpp"
#include "yws/store/memory_store.hpp"
#include "yws/store/open.hpp"

namespace yws::net::test {
namespace {

namespace fs = std::filesystem;
namespace ys = yws::store;

// A gate a store call waits at until the test opens it (bounded: a test cannot hang on it).
class gate {
 public:
  void close() {
    std::lock_guard lock(mu_);
    open_ = false;
  }
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void pass() {
    std::unique_lock lock(mu_);
    ++waiting_;
    cv_.wait_for(lock, 10s, [&] { return open_; });
    --waiting_;
  }
  int waiting() {
    std::lock_guard lock(mu_);
    return waiting_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  int waiting_ = 0;
};

// A memory store with failures, gates and counters, to watch what the server asks of it.
class probe_store final : public ys::store {
 public:
  std::atomic<bool> fail_load{false};
  std::atomic<bool> fail_append{false};
  gate load_gate;
  gate append_gate;
  std::atomic<int> loads{0};
  std::atomic<int> batches{0};
  std::atomic<int> appended{0};
  std::atomic<int> flushes{0};
  std::atomic<int> compactions{0};
  std::atomic<int> changes{0};  // remove and compact: what a failed load must never cause
  std::atomic<std::size_t> largest_batch{0};

  result<void> append_batch(std::string_view room, std::span<const ys::append_record> records) override {
    append_gate.pass();
    ++batches;
    if (fail_append) return errc::io_error;
    YWS_TRY_VOID(inner_->append_batch(room, records));
    appended += static_cast<int>(records.size());
    std::size_t prev = largest_batch;
    while (records.size() > prev && !largest_batch.compare_exchange_weak(prev, records.size())) {
    }
    return {};
  }
  result<ys::stored_doc> load(std::string_view room) override {
    load_gate.pass();
    ++loads;
    if (fail_load) return errc::corruption;
    return inner_->load(room);
  }
  result<std::vector<ys::record>> history(std::string_view room) override { return inner_->history(room); }
  result<ys::compact_result> compact(std::string_view room, const ys::compact_options& o) override {
    ++compactions;
    ++changes;
    return inner_->compact(room, o);
  }
  result<void> remove(std::string_view room) override {
    ++changes;
    return inner_->remove(room);
  }
  result<std::vector<std::string>> list_rooms() override { return inner_->list_rooms(); }
  result<ys::room_stats> stats(std::string_view room) override { return inner_->stats(room); }
  result<void> flush() override {
    ++flushes;
    return inner_->flush();
  }

  ys::store& inner() { return *inner_; }

 private:
  std::unique_ptr<ys::store> inner_ = ys::make_memory_store();
};

server_options with_store(std::shared_ptr<ys::store> s) {
  auto o = test_options();
  o.storage.store = std::move(s);
  return o;
}

// A doc holding `text` in root text "t", as one v1 update.
std::vector<std::uint8_t> text_update(std::string_view text, std::uint64_t client = 99) {
  crdt::doc d(with_client_id(client));
  d.get_text("t").insert(0, text);
  return crdt::encode_state_as_update_v1(d);
}

std::string stored_text(ys::store& s, std::string_view room) {
  auto merged = ys::load_merged(s, room);
  if (!merged) return "<" + merged.error().message() + ">";
  crdt::doc d;
  if (!crdt::apply_update_v1(d, *merged)) return "<does not apply>";
  return d.get_text("t").to_string();
}

// Types `n` characters one update at a time, each waiting for its echo (acknowledged).
bool type_acknowledged(sync_client& c, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const auto before = c.updates_received();
    auto t = c.doc.get_text("t");
    t.insert(static_cast<std::uint32_t>(t.to_string().size()), std::string(1, static_cast<char>('a' + i % 26)));
    if (!c.wait_updates(before + 1)) return false;
  }
  return true;
}

// A server on a probe store, and two clients that joined room "r".
struct two_clients {
  std::shared_ptr<probe_store> s = std::make_shared<probe_store>();
  test_server ts{with_store(s)};
  sync_client a{1};
  sync_client b{2};
  bool join() { return a.join(ts.port(), "r") && b.join(ts.port(), "r"); }
};

TEST(RoomStore, AStoredRoomIsLoadedBeforeItsFirstClientIsAnswered) {
  auto s = std::make_shared<probe_store>();
  ASSERT_TRUE(s->inner().append("doc", text_update("stored")));
  s->load_gate.close();
  test_server ts(with_store(s));
  sync_client a(1);
  ASSERT_EQ(a.connect(ts.port(), "doc"), 101);
  ASSERT_TRUE(eventually([&] { return s->load_gate.waiting() == 1; }));
  // While the load waits, the room answers nothing: no step 1, no awareness, no step 2.
  EXPECT_FALSE(a.ws.read(200ms).has_value());
  // A function posted meanwhile waits for the load too, and sees the stored doc.
  std::atomic<bool> posted_saw_stored{false};
  ASSERT_TRUE(ts.srv.post_to_room("doc", [&](room_access& r) {
    posted_saw_stored = r.doc().get_text("t").to_string() == "stored";
  }));
  s->load_gate.open();
  ASSERT_TRUE(a.wait_synced());
  EXPECT_EQ(a.doc.get_text("t").to_string(), "stored");
  EXPECT_TRUE(eventually([&] { return posted_saw_stored.load(); }));
  EXPECT_EQ(s->loads, 1);
}

// Frames that arrive while the room loads wait in the room, bounded by max_deferred_bytes: the
// session whose frame would pass the bound is closed with 1013, the others' frames are handled
// once the room has loaded.
TEST(RoomStore, FramesHeldWhileTheRoomLoadsAreBoundedThenHandled) {
  auto s = std::make_shared<probe_store>();
  s->load_gate.close();
  auto opts = with_store(s);
  opts.max_deferred_bytes = 4096;
  test_server ts(opts);
  sync_client a(1), b(2);
  ASSERT_EQ(a.connect(ts.port(), "held"), 101);
  ASSERT_TRUE(eventually([&] { return s->load_gate.waiting() == 1; }));
  a.doc.get_text("t").insert(0, std::string(1000, 'a'));  // held: within the bound
  // a's update has been read (the greeting is far smaller), so it is held before b's frame.
  ASSERT_TRUE(eventually([&] { return ts.srv.metrics().bytes_in >= 1000; }));
  ASSERT_EQ(b.connect(ts.port(), "held"), 101);
  const auto big = protocol::encode_sync_update(text_update(std::string(4000, 'b'), 2));
  ASSERT_TRUE(b.ws.send(big));  // with a's frames, over the bound
  EXPECT_EQ(b.ws.wait_close(), std::optional<std::uint16_t>(1013));
  s->load_gate.open();
  ASSERT_TRUE(a.wait_synced());
  ASSERT_TRUE(a.round_trip());
  std::string on_server;
  ASSERT_TRUE(ts.with_room("held", [&](room_access& r) { on_server = r.doc().get_text("t").to_string(); }));
  EXPECT_EQ(on_server, std::string(1000, 'a'));
}

TEST(RoomStore, UpdatesAreStoredBeforeTheirEchoAndInOneBatchWhileAWriteIsInFlight) {
  two_clients t;
  ASSERT_TRUE(t.join());
  auto& s = t.s;
  auto& a = t.a;
  auto& b = t.b;
  s->append_gate.close();
  a.doc.get_text("t").insert(0, "x");
  ASSERT_TRUE(eventually([&] { return s->append_gate.waiting() == 1; }));
  // Not stored yet: nobody gets the update, not even its sender.
  EXPECT_FALSE(a.pump_until([&] { return a.updates_received() > 0; }, 150ms));
  EXPECT_EQ(b.updates_received(), 0u);
  // Three more while the first write is in flight: they go into the next batch together.
  for (const char* more : {"y", "z", "w"}) a.doc.get_text("t").insert(0, more);
  ASSERT_TRUE(a.round_trip());  // the room has handled all three
  s->append_gate.open();
  ASSERT_TRUE(a.wait_updates(4));
  ASSERT_TRUE(b.wait_updates(4));
  EXPECT_EQ(s->appended, 4);
  EXPECT_EQ(s->batches, 2);
  EXPECT_EQ(s->largest_batch, 3u);
  EXPECT_EQ(stored_text(s->inner(), "r"), "wzyx");
  EXPECT_EQ(b.doc.get_text("t").to_string(), "wzyx");
}

TEST(RoomStore, AFailedLoadClosesWith1011LeavesTheStoreAloneAndTheNextConnectionRetries) {
  auto s = std::make_shared<probe_store>();
  ASSERT_TRUE(s->inner().append("doc", text_update("precious")));
  s->fail_load = true;
  test_server ts(with_store(s));
  sync_client a(1);
  ASSERT_EQ(a.connect(ts.port(), "doc"), 101);
  // The client's own (empty) state and an edit must not reach the store.
  a.doc.get_text("t").insert(0, "overwrite?");
  EXPECT_FALSE(a.pump_until([&] { return a.count(protocol::message_type::sync) > 0; }));
  EXPECT_EQ(a.ws.wait_close(), std::optional<std::uint16_t>(1011));
  EXPECT_EQ(s->batches, 0);
  EXPECT_EQ(s->changes, 0);
  EXPECT_EQ(stored_text(s->inner(), "doc"), "precious");
  ASSERT_TRUE(eventually([&] { return ts.srv.room_names().empty(); }));

  s->fail_load = false;
  sync_client b(2);
  ASSERT_TRUE(b.join(ts.port(), "doc"));
  EXPECT_EQ(b.doc.get_text("t").to_string(), "precious");
  EXPECT_EQ(s->loads, 2);
}

TEST(RoomStore, AFailedAppendIsNeverBroadcastAndClosesTheRoom) {
  two_clients t;
  ASSERT_TRUE(t.join());
  auto& s = t.s;
  auto& a = t.a;
  auto& b = t.b;
  auto& ts = t.ts;
  ASSERT_TRUE(type_acknowledged(a, 1));
  ASSERT_TRUE(b.wait_updates(1));
  s->fail_append = true;
  a.doc.get_text("t").insert(0, "lost");
  // Each pumps until its connection ends: no echo, no broadcast of what was not stored.
  EXPECT_FALSE(a.pump_until([&] { return a.updates_received() > 1; }));
  EXPECT_FALSE(b.pump_until([&] { return b.updates_received() > 1; }));
  EXPECT_EQ(a.ws.wait_close(), std::optional<std::uint16_t>(1011));
  EXPECT_EQ(b.ws.wait_close(), std::optional<std::uint16_t>(1011));
  EXPECT_EQ(stored_text(s->inner(), "r"), "a");

  // Clients reconnect to a room loaded from what was stored, and resync what they have.
  s->fail_append = false;
  sync_client again(3);
  ASSERT_TRUE(again.join(ts.port(), "r"));
  EXPECT_EQ(again.doc.get_text("t").to_string(), "a");
}

TEST(RoomStore, StopAppendsEverythingCapturedAndFlushes) {
  auto s = std::make_shared<probe_store>();
  {
    test_server ts(with_store(s));
    sync_client a(1);
    ASSERT_TRUE(a.join(ts.port(), "r"));
    s->append_gate.close();
    a.doc.get_text("t").insert(0, "late");
    ASSERT_TRUE(eventually([&] { return s->append_gate.waiting() == 1; }));
    a.ws.drop();
    // Stop while the write is in flight: stop waits for it, then flushes.
    std::thread opener([&] {
      (void)eventually([&] { return !ts.srv.running(); });
      s->append_gate.open();
    });
    ts.srv.stop();
    opener.join();
    EXPECT_EQ(s->appended, 1);
  }
  EXPECT_GE(s->flushes, 1);
  EXPECT_EQ(stored_text(s->inner(), "r"), "late");
}

TEST(RoomStore, UnloadFlushesAndANewRoomOfTheSameNameSeesEveryAppend) {
  auto s = std::make_shared<probe_store>();
  auto o = with_store(s);
  o.room_grace = 0ms;
  test_server ts(o);
  for (int round = 0; round < 5; ++round) {
    sync_client a(10 + round);
    ASSERT_TRUE(a.join(ts.port(), "r"));
    EXPECT_EQ(a.doc.get_text("t").to_string().size(), static_cast<std::size_t>(round));
    a.doc.get_text("t").insert(0, "x");  // not waiting for the echo: the room unloads meanwhile
    ASSERT_TRUE(a.round_trip());
    ASSERT_TRUE(a.ws.close());
    ASSERT_TRUE(eventually([&] { return ts.srv.room_names().empty(); }));
  }
  // The last room's append and flush run after its unload.
  EXPECT_TRUE(eventually([&] { return s->flushes >= 5; }));
  EXPECT_EQ(stored_text(s->inner(), "r"), "xxxxx");
}

TEST(RoomStore, CompactionRunsInTheBackgroundAndKeepsTheContent) {
  auto s = std::make_shared<probe_store>();
  auto o = with_store(s);
  o.storage.compact_records = 20;
  test_server ts(o);
  sync_client a(1);
  ASSERT_TRUE(a.join(ts.port(), "r"));
  ASSERT_TRUE(type_acknowledged(a, 100));
  ASSERT_TRUE(eventually([&] { return s->compactions >= 3; }));
  const std::string typed = a.doc.get_text("t").to_string();
  // The room went on while compacting, and nothing was lost.
  ASSERT_TRUE(eventually([&] { return stored_text(s->inner(), "r") == typed; }));
  auto st = s->inner().stats("r");
  ASSERT_TRUE(st);
  EXPECT_LT(st->records, 100u);
  sync_client b(2);
  ASSERT_TRUE(b.join(ts.port(), "r"));
  EXPECT_EQ(b.doc.get_text("t").to_string(), typed);
}

// The same story on the durable stores, across a server restart and a store reopen.
class DurableRoomStore : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::mt19937_64 rng(std::hash<std::string>{}(GetParam()) ^ 0x5eed);
    dir_ = fs::temp_directory_path() / ("yws-net-store-" + std::to_string(rng()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string uri() const {
    return GetParam() == "sqlite" ? "sqlite:" + (dir_ / "rooms.db").string() : "file:" + (dir_ / "rooms").string();
  }
  std::shared_ptr<ys::store> open(ys::fsync_policy p) {
    ys::open_options oo;
    oo.common.fsync = p;
    auto s = ys::open_store(uri(), oo);
    EXPECT_TRUE(s) << s.error().message();
    return s ? std::shared_ptr<ys::store>(std::move(*s)) : nullptr;
  }
  fs::path dir_;
};

TEST_P(DurableRoomStore, AcknowledgedUpdatesSurviveARestart) {
  std::string typed;
  for (auto policy : {ys::fsync_policy::always, ys::fsync_policy::batch, ys::fsync_policy::never}) {
    auto s = open(policy);
    ASSERT_TRUE(s);
    test_server ts(with_store(s));
    sync_client a(7);
    ASSERT_TRUE(a.join(ts.port(), "notes"));
    EXPECT_EQ(a.doc.get_text("t").to_string(), typed);
    ASSERT_TRUE(type_acknowledged(a, 10));
    typed = a.doc.get_text("t").to_string();
    ASSERT_TRUE(a.ws.close());
    ts.srv.stop();
  }
  auto s = open(ys::fsync_policy::batch);
  ASSERT_TRUE(s);
  EXPECT_EQ(stored_text(*s, "notes"), typed);
  EXPECT_EQ(typed.size(), 30u);
}

INSTANTIATE_TEST_SUITE_P(Stores, DurableRoomStore, ::testing::Values("sqlite", "file"));

}  // namespace
}  // namespace yws::net::test
