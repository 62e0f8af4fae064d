// Phase (c), idle memory: see phases.hpp for what is measured.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>

#include "client_set.hpp"
#include "phases.hpp"
#include "worker_pool.hpp"
#include "ws_client.hpp"

namespace yws::bench::ws_load {

namespace {

class idle_run {
 public:
  idle_run(const run_context& ctx, const idle_options& o) : ctx_(ctx), o_(o), pool_(ctx.threads), clients_(pool_) {}

  json::object run();

 private:
  asio::awaitable<void> controller();
  // Median of `n` RSS samples taken `every` apart (a garbage-collected server's RSS wobbles).
  asio::awaitable<std::optional<std::uint64_t>> sample_rss(int n, std::chrono::milliseconds every);
  void spawn_client();
  void note(const std::string& line) { progress(ctx_.server, "idle: " + line); }

  const run_context& ctx_;
  const idle_options& o_;
  std::atomic<std::size_t> synced_{0};
  std::atomic<std::size_t> failed_{0};
  worker_pool pool_;
  client_set clients_;  // after the pool: released first
  json::object result_;
};

void idle_run::spawn_client() {
  clients_.spawn([this](std::shared_ptr<ws_client> c, std::size_t) -> asio::awaitable<void> {
    auto ec = co_await c->connect(ctx_.server, ctx_.room("idle"), 10s);
    if (!ec) ec = co_await c->sync(nullptr);
    if (ec) {
      failed_.fetch_add(1);
      co_return;
    }
    synced_.fetch_add(1);
    // Idle, but reading: pings are answered and the server's awareness renewals consumed.
    co_await c->read_loop([](std::span<const std::uint8_t>) {});
  });
}

asio::awaitable<std::optional<std::uint64_t>> idle_run::sample_rss(int n, std::chrono::milliseconds every) {
  std::vector<std::uint64_t> samples;
  for (int i = 0; i < n; ++i) {
    if (i) co_await sleep_for(every);
    if (auto rss = process_rss_bytes(*ctx_.server.pid)) samples.push_back(*rss);
  }
  if (samples.empty()) co_return std::nullopt;
  std::sort(samples.begin(), samples.end());
  co_return samples[samples.size() / 2];
}

asio::awaitable<void> idle_run::controller() {
  // One client first, so the room exists and the server has served a connection before the
  // baseline is taken.
  spawn_client();
  co_await wait_until([this] { return synced_.load() + failed_.load() >= 1; }, clock::now() + 10s);
  co_await sleep_for(500ms);
  std::optional<std::uint64_t> rss0;
  if (ctx_.server.pid) rss0 = co_await sample_rss(3, 100ms);

  const auto t0 = clock::now();
  std::size_t spawned = 0;
  while (spawned < o_.clients) {
    const std::size_t wave = std::min(o_.connect_batch, o_.clients - spawned);
    for (std::size_t i = 0; i < wave; ++i) spawn_client();
    spawned += wave;
    co_await wait_until([&] { return synced_.load() + failed_.load() >= spawned + 1; }, clock::now() + 30s);
  }
  const double connect_seconds = std::chrono::duration<double>(clock::now() - t0).count();
  co_await sleep_for(std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(o_.settle_seconds)));
  std::optional<std::uint64_t> rss1;
  if (ctx_.server.pid) rss1 = co_await sample_rss(5, 200ms);

  const std::size_t idle = synced_.load() > 0 ? synced_.load() - 1 : 0;  // not the first client
  if (failed_.load() > 0) result_["error"] = "not every client could connect and sync";
  result_["synced"] = idle;
  result_["failed"] = failed_.load();
  result_["connect_seconds"] = connect_seconds;
  if (rss0 && rss1 && idle > 0) {
    const double delta = static_cast<double>(*rss1) - static_cast<double>(*rss0);
    result_["rss_before_bytes"] = *rss0;
    result_["rss_after_bytes"] = *rss1;
    result_["rss_per_connection_bytes"] = delta / static_cast<double>(idle);
    char line[160];
    std::snprintf(line, sizeof line, "%zu idle clients: RSS %.1f -> %.1f MiB, %.2f KiB per connection", idle,
                  static_cast<double>(*rss0) / 1048576.0, static_cast<double>(*rss1) / 1048576.0,
                  delta / static_cast<double>(idle) / 1024.0);
    note(line);
  } else {
    note(std::to_string(idle) + " idle clients (no server pid: RSS not measured)");
  }
}

json::object idle_run::run() {
  result_["clients"] = o_.clients;
  run_phase("idle", ctx_, pool_, clients_, result_, controller());
  return std::move(result_);
}

}  // namespace

json::object run_idle(const run_context& ctx, const idle_options& o) { return run_with<idle_run>(ctx, o); }

}  // namespace yws::bench::ws_load
