// bench/ws_load/client_set.hpp: the clients of one phase and the coroutines that drive them,
// spread round-robin over the worker threads, plus the controller's bounded waits.
//
//   client_set clients(pool);
//   clients.spawn([&](std::shared_ptr<ws_client> c, std::size_t i) -> asio::awaitable<void> { ... });
//   co_await wait_until([&] { return synced == n; }, clients.deadline(30s));
//   co_await clients.close_all(5s);
//
// Thread safety: spawn(), close_all() and running() are called from the controller's thread;
// the coroutines run on the workers.
// Lifetime: clients are shared with their coroutines, so a coroutine still suspended when the
// pool is destroyed keeps its client alive until then. The set must outlive its coroutines or
// the pool (the completion handlers count down running_).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <exception>
#include <algorithm>
#include <memory>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include "common.hpp"
#include "worker_pool.hpp"
#include "ws_client.hpp"

namespace yws::bench::ws_load {

class client_set {
 public:
  explicit client_set(worker_pool& pool) : pool_(pool) {}

  // Creates the next client on worker (index % threads) and runs body(client, index) there.
  template <class Body>
  void spawn(Body body) {
    const std::size_t index = clients_.size();
    auto c = std::make_shared<ws_client>(pool_.context(index));
    clients_.push_back(c);
    running_.fetch_add(1);
    // The callable form keeps `body` (and whatever it captured) alive in co_spawn's own frame
    // for as long as the coroutine runs.
    asio::co_spawn(c->get_executor(), [body = std::move(body), c, index]() { return body(c, index); },
                   [this](std::exception_ptr e) {
                     if (e) failures_.fetch_add(1);
                     running_.fetch_sub(1);
                   });
  }

  std::size_t size() const noexcept { return clients_.size(); }
  std::size_t running() const noexcept { return running_.load(); }
  // Coroutines that ended with an exception (a bug in the generator, not a server failure).
  std::size_t failures() const noexcept { return failures_.load(); }
  std::shared_ptr<ws_client> at(std::size_t i) const { return clients_.at(i); }
  std::size_t worker_of(std::size_t i) const noexcept { return i % pool_.size(); }

  // Closing handshakes for every client; those still running after `grace` get their sockets
  // closed, and the wait after that is bounded too. Returns how many had to be aborted.
  asio::awaitable<std::size_t> close_all(std::chrono::milliseconds grace);
  // Releases the clients, each on its own thread, so that whatever a stream still has pending
  // there (Beast's closing-handshake timer) is cancelled and the worker can run out of work.
  void release();

 private:
  worker_pool& pool_;
  std::vector<std::shared_ptr<ws_client>> clients_;
  std::atomic<std::size_t> running_{0};
  std::atomic<std::size_t> failures_{0};
  std::atomic<std::size_t> closing_{0};  // close() coroutines of close_all still running
};

// Waits for `d` on the caller's executor.
asio::awaitable<void> sleep_for(clock::duration d);

// Polls `done` every `every` on the caller's executor until it holds or `deadline` passes;
// returns done().
// (GCC 12 may destroy a temporary with a non-trivial destructor twice when it lives in a
// co_await full-expression, so the predicate is a template parameter, not a std::function, and
// callers pass lambdas that capture by reference; the same reason keeps strings and vectors out of
// co_await expressions in this directory.)
template <class Pred>
asio::awaitable<bool> wait_until(Pred done, clock::time_point deadline,
                                 std::chrono::milliseconds every = std::chrono::milliseconds(5)) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!done()) {
    const auto now = clock::now();
    if (now >= deadline) co_return done();
    timer.expires_at(std::min(deadline, now + every));
    co_await timer.async_wait(use_nothrow);
  }
  co_return true;
}

// Wakes the controller once `count` clients have arrived (each calls arrive() once, from its
// worker), instead of the controller polling a counter: polling every millisecond wakes a third
// thread a thousand times a second, on a machine the generator shares with the server.
// Thread safety: arrive() from any thread; wait() on `controller`, the executor it was built with.
// Lifetime: arrive() posts to `controller` a handler that refers to the countdown, so the
// countdown must outlive the controller's io_context run.
class countdown {
 public:
  countdown(std::size_t count, asio::any_io_executor controller) : left_(count), controller_(std::move(controller)) {}
  void arrive();
  // True once every client arrived, false when `deadline` passed first.
  asio::awaitable<bool> wait(clock::time_point deadline);

 private:
  std::atomic<std::size_t> left_;
  asio::any_io_executor controller_;
  asio::steady_timer* waiting_ = nullptr;  // the wait() in progress; touched on `controller` only
};

// Runs a phase's controller on the calling thread until it ends, closes every client (bounded),
// lets the pool's threads finish (bounded) and releases the clients. Sets result["phase"],
// ["label"], ["threads"], ["clients_aborted_at_close"] and ["generator_clean_exit"]; rethrows the
// controller's exception.
void run_phase(const char* phase_name, const run_context& ctx, worker_pool& pool, client_set& clients,
               json::object& result, asio::awaitable<void> controller);

// The body of every run_<phase>(): builds the phase's run object and runs it.
template <class Run, class Options>
json::object run_with(const run_context& ctx, const Options& o) {
  Run run(ctx, o);
  return run.run();
}

}  // namespace yws::bench::ws_load
