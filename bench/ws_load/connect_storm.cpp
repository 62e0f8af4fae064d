// Phase (b), connect + sync: see phases.hpp for what is measured.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>

#include "client_set.hpp"
#include "phases.hpp"
#include "worker_pool.hpp"
#include "ws_client.hpp"
#include "yws/crdt/doc.hpp"
#include "yws/protocol/message.hpp"

namespace yws::bench::ws_load {

namespace {

constexpr std::uint64_t not_yet = UINT64_MAX;
// Heap each storm client takes (heaptrack: ~14 KB, a quarter of it on the controller's thread,
// which builds the clients, the rest on its worker: Beast's buffers, coroutine frames), with room
// to spare; warmed before the storm (warm_heap()).
constexpr std::size_t heap_per_client = 16 * 1024;

// The room's content: short words inserted at random positions by one client (seeded), so the
// document has many items, like an edited text.
struct seed_content {
  std::vector<std::uint8_t> update;
  std::uint32_t text_length = 0;
};

seed_content make_seed(std::size_t inserts, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  crdt::doc::options opts;
  opts.client_id = (rng() & 0xffffffffULL) | 1;
  crdt::doc d(opts);
  auto text = d.get_text("content");
  static const char* const words[] = {"lorem ", "ipsum ", "dolor ", "sit ", "amet, ", "consectetur ", "adipiscing ",
                                      "elit. "};
  for (std::size_t i = 0; i < inserts; ++i) {
    const std::uint32_t at = static_cast<std::uint32_t>(rng() % (text.length() + 1));
    text.insert(at, words[rng() % std::size(words)]);
  }
  return {crdt::encode_state_as_update_v1(d), text.length()};
}

struct storm_client_times {
  std::atomic<std::uint64_t> upgraded_us{not_yet};
  std::atomic<std::uint64_t> synced_us{not_yet};
};

class connect_run {
 public:
  connect_run(const run_context& ctx, const connect_options& o)
      : ctx_(ctx),
        o_(o),
        times_(o.clients),
        step2_first_(),
        pool_(ctx.threads, o.clients * heap_per_client / std::max(1u, ctx.threads)),
        clients_(pool_) {}

  json::object run();

 private:
  asio::awaitable<void> controller();
  asio::awaitable<bool> seed_room();
  void note(const std::string& line) { progress(ctx_.server, "connect: " + line); }

  const run_context& ctx_;
  const connect_options& o_;
  std::vector<storm_client_times> times_;
  std::atomic<std::size_t> synced_{0};
  std::atomic<std::size_t> failed_{0};
  std::atomic<bool> seeded_{false};
  std::optional<countdown> storm_done_;  // the storm's clients that synced or failed
  std::atomic<std::uint64_t> start_us_{0};
  seed_content seed_;  // the room's content; set before any client starts
  // The step 2 updates of the first and the last client, checked after the storm.
  std::vector<std::uint8_t> step2_first_;
  std::vector<std::uint8_t> step2_last_;
  worker_pool pool_;
  client_set clients_;  // after the pool: released first
  json::object result_;
};

asio::awaitable<bool> connect_run::seed_room() {
  // The seed client stays connected (a peer editing the document) until the phase ends.
  clients_.spawn([this](std::shared_ptr<ws_client> c, std::size_t) -> asio::awaitable<void> {
    auto ec = co_await c->connect(ctx_.server, ctx_.room("storm"), 10s);
    if (!ec) ec = co_await c->sync(nullptr);
    const auto message = protocol::encode_sync_update(seed_.update);
    if (!ec) ec = co_await c->send(message);
    if (ec) co_return;
    // The server echoes the update once applied (y-websocket servers send it to every client
    // of the room, the sender too).
    bool echoed = false;
    auto on_frame = [&](std::span<const std::uint8_t> frame) {
      if (!echoed && frame.size() > 2 && frame[0] == 0 && frame[1] == 2) {
        echoed = true;
        seeded_.store(true);
      }
    };
    co_await c->read_loop(on_frame);
  });
  // Bounded, and over as soon as the seed client has failed.
  co_await wait_until([this] { return seeded_.load() || clients_.running() == 0; }, clock::now() + 10s);
  co_return seeded_.load();
}

asio::awaitable<void> connect_run::controller() {
  seed_ = make_seed(o_.seed_inserts, ctx_.seed);
  const auto& content = seed_;
  result_["seed_update_bytes"] = content.update.size();
  result_["seed_text_length"] = content.text_length;
  if (!co_await seed_room()) {
    note("the seed client could not fill the room (no echo of its update within 10 s)");
    result_["error"] = "seed update not echoed";
    co_return;
  }
  co_await sleep_for(300ms);  // let the server settle before the storm
  warm_heap(o_.clients * heap_per_client / 4);  // this thread builds the clients (make_shared, co_spawn)
  const auto controller = co_await asio::this_coro::executor;
  storm_done_.emplace(o_.clients, controller);

  const auto pid = ctx_.server.pid;
  const auto cpu0 = pid ? process_cpu_times(*pid) : std::nullopt;
  const double self0 = self_cpu_seconds();
  const auto overflows0 = listen_overflows();
  const auto t0 = clock::now();
  start_us_.store(now_us());
  for (std::size_t i = 0; i < o_.clients; ++i) {
    clients_.spawn([this, i](std::shared_ptr<ws_client> c, std::size_t) -> asio::awaitable<void> {
      // Bounded by the storm's deadline: the phase aborts every client still connecting then.
      auto ec = co_await c->connect_unbounded(ctx_.server, ctx_.room("storm"));
      if (!ec) {
        times_[i].upgraded_us.store(now_us());
        std::vector<std::uint8_t>* keep = i == 0 ? &step2_first_ : i + 1 == o_.clients ? &step2_last_ : nullptr;
        ec = co_await c->sync(keep);
      }
      if (ec) {
        failed_.fetch_add(1);
        storm_done_->arrive();
        co_return;
      }
      times_[i].synced_us.store(now_us());
      synced_.fetch_add(1);
      storm_done_->arrive();
      co_await c->drain();
    });
  }
  const auto timeout = std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(o_.timeout_seconds));
  co_await storm_done_->wait(t0 + timeout);
  const auto cpu1 = pid ? process_cpu_times(*pid) : std::nullopt;
  const double self1 = self_cpu_seconds();
  const auto overflows1 = listen_overflows();
  const double busy = std::chrono::duration<double>(clock::now() - t0).count();

  std::vector<std::uint32_t> upgrade_us, sync_us;
  std::uint64_t last = 0;
  for (auto& t : times_) {
    const auto u = t.upgraded_us.load(), s = t.synced_us.load();
    if (u != not_yet) upgrade_us.push_back(static_cast<std::uint32_t>(u - start_us_.load()));
    if (s != not_yet) {
      sync_us.push_back(static_cast<std::uint32_t>(s - start_us_.load()));
      last = std::max(last, s - start_us_.load());
    }
  }
  const double total = static_cast<double>(last) / 1e6;
  const auto sync_lat = summarize(sync_us);
  result_["synced"] = synced_.load();
  if (synced_.load() < o_.clients) result_["error"] = "not every client synced in time";
  result_["failed"] = failed_.load();
  result_["all_synced_seconds"] = total;
  result_["clients_per_second"] = total > 0 ? static_cast<double>(synced_.load()) / total : 0.0;
  result_["upgrade"] = to_json(summarize(upgrade_us));
  result_["sync"] = to_json(sync_lat);
  result_["generator_cpu_utilization"] = (self1 - self0) / busy;
  result_["generator_cpu_ms_per_client"] = (self1 - self0) * 1e3 / static_cast<double>(std::max<std::size_t>(1, synced_.load()));
  // Machine-wide, so another program's overflows would count too; 0 means no SYN was dropped.
  if (overflows0 && overflows1) result_["listen_overflows"] = *overflows1 - *overflows0;
  if (cpu0 && cpu1) {
    const auto used = *cpu1 - *cpu0;
    const double per = 1e3 / static_cast<double>(std::max<std::size_t>(1, synced_.load()));
    result_["server_cpu_seconds"] = used.total();
    result_["server_cpu_utilization"] = used.total() / busy;
    result_["server_cpu_ms_per_client"] = used.total() * per;
    result_["server_user_ms_per_client"] = used.user * per;
    result_["server_system_ms_per_client"] = used.system * per;
  }

  // The step 2 must carry the room's content.
  const auto holds_content = [&](const std::vector<std::uint8_t>& update) {
    crdt::doc d;
    return !update.empty() && crdt::apply_update_v1(d, update) && d.get_text("content").length() == content.text_length;
  };
  result_["step2_ok"] = holds_content(step2_first_) && holds_content(step2_last_);
  char line[200];
  std::snprintf(line, sizeof line, "%zu/%zu synced in %.3f s (%.0f clients/s), sync p50 %.1f ms p99 %.1f ms",
                synced_.load(), o_.clients, total, total > 0 ? static_cast<double>(synced_.load()) / total : 0.0,
                sync_lat.p50_ms, sync_lat.p99_ms);
  note(line);
}

json::object connect_run::run() {
  result_["clients"] = o_.clients;
  run_phase("connect", ctx_, pool_, clients_, result_, controller());
  return std::move(result_);
}

}  // namespace

json::object run_connect(const run_context& ctx, const connect_options& o) { return run_with<connect_run>(ctx, o); }

}  // namespace yws::bench::ws_load
