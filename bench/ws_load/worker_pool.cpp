#include "worker_pool.hpp"

#include <algorithm>

namespace yws::bench::ws_load {

worker_pool::worker_pool(unsigned threads) {
  threads = std::max(1u, threads);
  for (unsigned i = 0; i < threads; ++i) {
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.emplace_back(contexts_.back()->get_executor());
  }
  running_ = threads;
  for (unsigned i = 0; i < threads; ++i) {
    threads_.emplace_back([this, ctx = contexts_[i].get()] {
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
