// store/sync_scheduler.hpp: the background flush behind fsync_policy::batch.
//
// After notify(), runs `flush` once within `window` (coalescing every notify() in between), on
// its own thread. This bounds how long appended data stays unsynced without syncing per append.
//
// Thread safety: notify() may be called from any thread. Lifetime: the destructor stops the
// thread after a last run of `flush` if a notify() is pending; `flush` must stay callable until
// then (stores destroy their scheduler first).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace yws::store::detail {

class sync_scheduler {
 public:
  sync_scheduler(std::chrono::milliseconds window, std::function<void()> flush);
  ~sync_scheduler();
  sync_scheduler(const sync_scheduler&) = delete;
  sync_scheduler& operator=(const sync_scheduler&) = delete;

  void notify();

 private:
  void run();

  const std::chrono::milliseconds window_;
  const std::function<void()> flush_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool pending_ = false;  // guarded by mu_
  bool stop_ = false;     // guarded by mu_
  std::thread thread_;
};

}  // namespace yws::store::detail
