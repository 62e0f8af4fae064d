#include "worker_pool.hpp"

#include <algorithm>
#include <cstdlib>

#include <malloc.h>

namespace yws::bench::ws_load {

void warm_heap(std::size_t bytes) {
  // Below the mmap threshold (128 KiB), so the blocks come from the thread's arena; and a thread
  // arena cannot grow past 64 MiB.
  constexpr std::size_t block = 64 * 1024;
  constexpr std::size_t max_bytes = 48u << 20;
  static const bool keep_freed = ::mallopt(M_TRIM_THRESHOLD, static_cast<int>(max_bytes * 4)) == 1;
  (void)keep_freed;
  std::vector<void*> blocks;
  for (std::size_t done = 0; done < std::min(bytes, max_bytes); done += block) {
    void* p = std::malloc(block);
    if (!p) break;
    // Volatile, so that the compiler cannot drop the stores (and with them the allocation).
    auto* bytes_of = static_cast<volatile unsigned char*>(p);
    for (std::size_t at = 0; at < block; at += 4096) bytes_of[at] = 0;
    blocks.push_back(p);
  }
  for (void* p : blocks) std::free(p);
}

worker_pool::worker_pool(unsigned threads, std::size_t warm_heap_bytes) {
  threads = std::max(1u, threads);
  for (unsigned i = 0; i < threads; ++i) {
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.emplace_back(contexts_.back()->get_executor());
  }
  running_ = threads;
  for (unsigned i = 0; i < threads; ++i) {
    threads_.emplace_back([this, ctx = contexts_[i].get(), warm_heap_bytes] {
      if (warm_heap_bytes > 0) warm_heap(warm_heap_bytes);
      ctx->run();
      running_.fetch_sub(1);
    });
  }
}

worker_pool::~worker_pool() { finish(std::chrono::milliseconds(0)); }

bool worker_pool::finish(std::chrono::milliseconds grace) {
  guards_.clear();
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (running_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const bool clean = running_.load() == 0;
  for (auto& c : contexts_) c->stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  return clean;
}

}  // namespace yws::bench::ws_load
