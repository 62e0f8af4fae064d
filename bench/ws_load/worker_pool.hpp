// bench/ws_load/worker_pool.hpp: the client I/O threads of the load generator, one io_context
// per thread; clients are spread over them and each client stays on its own.
//
// Thread safety: context() may be called from any thread; finish() and the destructor from the
// thread that built the pool.
// Lifetime: objects bound to a context (sockets, timers) and coroutines that refer to data must be
// gone, or owned by their coroutine frames, before the pool is destroyed; the destructor stops the
// contexts and destroys every coroutine still suspended in them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace yws::bench::ws_load {

class worker_pool {
 public:
  // Each thread first warms `warm_heap_bytes` of its heap (see warm_heap()).
  explicit worker_pool(unsigned threads, std::size_t warm_heap_bytes = 0);
  ~worker_pool();
  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;

  std::size_t size() const noexcept { return contexts_.size(); }
  boost::asio::io_context& context(std::size_t i) { return *contexts_[i % contexts_.size()]; }

  // Lets the threads end once their contexts run out of work, waits up to `grace` for that, then
  // stops the contexts, and joins the threads. Returns true when they ended by themselves.
  bool finish(std::chrono::milliseconds grace);

 private:
  using guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<guard> guards_;
  std::vector<std::thread> threads_;
  std::atomic<unsigned> running_{0};
};

// Allocates and touches `bytes` of the calling thread's heap and frees it, and stops the allocator
// from handing freed memory back to the system (process-wide, M_TRIM_THRESHOLD), so that the
// thread's next allocations up to that size take pages already mapped. For a phase that creates a
// thousand clients at once: otherwise their few KB each fault in fresh pages and grow the thread's
// arena with an mprotect every few KB, inside the measured window (10 % of the generator's CPU
// in phase (b)).
void warm_heap(std::size_t bytes);

}  // namespace yws::bench::ws_load
