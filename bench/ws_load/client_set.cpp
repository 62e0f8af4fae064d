#include "client_set.hpp"

#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace yws::bench::ws_load {

asio::awaitable<std::size_t> client_set::close_all(std::chrono::milliseconds grace) {
  for (auto& c : clients_) {
    asio::co_spawn(c->get_executor(), [c]() { return c->close(); }, asio::detached);
  }
  if (co_await wait_until([this] { return running() == 0; }, clock::now() + grace)) co_return 0;
  const std::size_t aborted = running();
  for (auto& c : clients_) {
    asio::post(c->get_executor(), [c] { c->abort(); });
  }
  co_await wait_until([this] { return running() == 0; }, clock::now() + std::chrono::seconds(2));
  co_return aborted;
}

void run_phase(worker_pool& pool, client_set& clients, json::object& result, asio::awaitable<void> controller) {
  asio::io_context ctl(1);
  std::exception_ptr failure;
  asio::co_spawn(ctl, std::move(controller), [&](std::exception_ptr e) { failure = e; });
  ctl.run();
  result["generator_clean_exit"] = pool.finish(std::chrono::seconds(5)) && !failure && clients.failures() == 0;
  clients.clear();
  if (failure) std::rethrow_exception(failure);
}

asio::awaitable<void> sleep_for(clock::duration d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(use_nothrow);
}

}  // namespace yws::bench::ws_load
