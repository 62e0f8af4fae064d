#include "client_set.hpp"

#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace yws::bench::ws_load {

asio::awaitable<std::size_t> client_set::close_all(std::chrono::milliseconds grace) {
  closing_.store(clients_.size());
  for (auto& c : clients_) {
    asio::co_spawn(c->get_executor(), [c]() { return c->close(); }, [this](std::exception_ptr) { closing_.fetch_sub(1); });
  }
  const auto all_done = [this] { return running() == 0 && closing_.load() == 0; };
  co_await wait_until(all_done, clock::now() + grace);
  const std::size_t aborted = running();
  // Then every socket is closed, whatever its closing handshake is waiting for (a client-side
  // close waits for the server to end the TCP connection), so no operation outlives the phase.
  for (auto& c : clients_) {
    asio::post(c->get_executor(), [c] { c->abort(); });
  }
  co_await wait_until(all_done, clock::now() + std::chrono::seconds(2));
  co_return aborted;
}

void client_set::release() {
  for (auto& c : clients_) {
    auto ex = c->get_executor();
    asio::post(ex, [last = std::move(c)]() mutable { last.reset(); });
  }
  clients_.clear();
}

void run_phase(const char* phase_name, const run_context& ctx, worker_pool& pool, client_set& clients,
               json::object& result, asio::awaitable<void> controller) {
  result["phase"] = phase_name;
  result["label"] = ctx.server.label;
  result["threads"] = pool.size();
  asio::io_context ctl(1);
  std::exception_ptr failure;
  auto phase = [&clients, &result](asio::awaitable<void> body) -> asio::awaitable<void> {
    co_await std::move(body);
    const std::size_t aborted = co_await clients.close_all(std::chrono::seconds(5));
    result["clients_aborted_at_close"] = aborted;
    clients.release();
  };
  asio::co_spawn(ctl, phase(std::move(controller)), [&](std::exception_ptr e) { failure = e; });
  ctl.run();
  result["generator_clean_exit"] = pool.finish(std::chrono::seconds(5)) && !failure && clients.failures() == 0;
  clients.release();  // (only left when the controller failed; the pool has stopped, so here)
  if (failure) std::rethrow_exception(failure);
}

void countdown::arrive() {
  // The last arrival wakes the wait, on the controller's thread, so that waiting_ is only ever
  // touched there; with no wait in progress yet, wait() sees left_ == 0 by itself.
  if (left_.fetch_sub(1) == 1) {
    asio::post(controller_, [this] {
      if (waiting_) waiting_->cancel();
    });
  }
}

asio::awaitable<bool> countdown::wait(clock::time_point deadline) {
  asio::steady_timer timer(controller_, deadline);
  waiting_ = &timer;
  if (left_.load() > 0) co_await timer.async_wait(use_nothrow);
  waiting_ = nullptr;
  co_return left_.load() == 0;
}

asio::awaitable<void> sleep_for(clock::duration d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(use_nothrow);
}

}  // namespace yws::bench::ws_load
