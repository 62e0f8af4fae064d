// The bridge between rooms and a durable store: a thread pool for the store's blocking calls and,
// per room name, a serial channel that loads the doc, appends captured updates in group-committed
// batches and flushes, in order.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include "net/outbound_queue.hpp"
#include "yws/crdt/doc.hpp"
#include "yws/net/server_options.hpp"
#include "yws/store/store.hpp"

namespace spdlog {
class logger;
}

namespace yws::net::detail {

// One captured update waiting for its append: the broadcast message (encoded once, shared with
// every session) whose last `update_size` bytes are the v1 update itself, so nothing is copied.
struct pending_update {
  shared_message message;
  std::size_t update_size = 0;
  std::uint64_t seq = 0;  // the room's capture order
  std::span<const std::uint8_t> update() const noexcept {
    return {message->data() + (message->size() - update_size), update_size};
  }
};

// What a room object gets back from its channel. Both calls come from a store pool thread: the
// room posts them to its strand.
class store_sink {
 public:
  // The stored doc applied to the doc the room handed over, or why it could not be loaded.
  virtual void on_loaded(std::unique_ptr<crdt::doc> doc, std::error_code ec) = 0;
  // The batch (in capture order) was appended (ec clear) or not (nothing of it is stored).
  virtual void on_appended(std::vector<pending_update> batch, std::error_code ec) = 0;

  // Set once an append of this sink failed: its later updates are dropped, not appended.
  std::atomic<bool> append_failed{false};

 protected:
  ~store_sink() = default;
};

class store_pool;

// The store work of one room name, shared by every room object that bears the name (a room that
// unloads and the one a new connection creates), so that a new room's load runs after the old
// room's last append and flush.
//
// Thread safety: every member may be called from any thread. Lifetime: shared by its rooms and
// its pending tasks; the pool forgets it when they are all gone.
class store_channel : public std::enable_shared_from_this<store_channel> {
 public:
  store_channel(store_pool& pool, std::string room);

  // Loads the room and applies it to `doc` (on the pool), then calls sink->on_loaded.
  void load(std::shared_ptr<store_sink> sink, std::unique_ptr<crdt::doc> doc);
  // Queues an update for the next batch. Batches are appended one at a time; what arrives while
  // one is being written goes into the next (group commit: one append_batch per batch).
  void append(std::shared_ptr<store_sink> sink, pending_update u);
  // After every update queued so far is appended: store::flush (room unload).
  void flush();

 private:
  struct entry {
    std::shared_ptr<store_sink> sink;
    pending_update update;
  };
  void write_batch();
  void note_appended(std::uint64_t records, std::uint64_t bytes);
  void compact();

  store_pool& pool_;
  const std::string room_;
  boost::asio::strand<boost::asio::thread_pool::executor_type> strand_;
  std::mutex mu_;  // guards the members below
  std::vector<entry> pending_;
  bool write_posted_ = false;
  store::room_stats stats_;  // as last known: to decide when to compact
  bool stats_known_ = false;
  bool compacting_ = false;
};

// Thread safety: every member may be called from any thread, but drain_and_join() only once.
// Lifetime: owned by the server core; drain_and_join() before the rooms and the io_context go.
class store_pool {
 public:
  store_pool(const storage_options& opts, spdlog::logger& log);
  ~store_pool();
  store_pool(const store_pool&) = delete;
  store_pool& operator=(const store_pool&) = delete;

  // The channel of a room name (the same one while any holder is alive).
  std::shared_ptr<store_channel> channel(std::string_view room);
  // Waits until every task posted so far (and those they post) has run, up to `deadline`, flushes
  // the store and stops the threads. False when the deadline passed first (the threads are joined
  // anyway: a store call cannot be interrupted).
  bool drain_and_join(std::chrono::steady_clock::time_point deadline);

  store::store& store() const noexcept { return *opts_.store; }
  const storage_options& options() const noexcept { return opts_; }
  spdlog::logger& log() const noexcept { return log_; }
  boost::asio::thread_pool& pool() noexcept { return pool_; }

  // Compactions run beside the channels' appends: at most threads - 1 at a time (at least one),
  // so that rooms compacting never hold every thread while other rooms wait to append.
  bool try_begin_compaction() noexcept;
  void end_compaction() noexcept;

  // Runs fn on `ex` (a pool executor), counted as outstanding work until it returned.
  template <class Executor, class Fn>
  void post(const Executor& ex, Fn&& fn);

 private:
  void task_started();
  void task_done() noexcept;
  void task_failed() noexcept;

  const storage_options opts_;
  spdlog::logger& log_;
  boost::asio::thread_pool pool_;
  std::mutex mu_;
  std::condition_variable idle_;
  std::size_t outstanding_ = 0;
  std::uint64_t lookups_ = 0;
  std::atomic<unsigned> compactions_{0};
  std::unordered_map<std::string, std::weak_ptr<store_channel>> channels_;
};

template <class Executor, class Fn>
void store_pool::post(const Executor& ex, Fn&& fn) {
  task_started();
  boost::asio::post(ex, [this, fn = std::forward<Fn>(fn)]() mutable {
    try {
      fn();
    } catch (...) {
      task_failed();  // store calls return errors; this is a broken invariant, logged
    }
    task_done();
  });
}

}  // namespace yws::net::detail
