// Phase (a), fan-out: see phases.hpp for what is measured.
#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/array.hpp>

#include "client_set.hpp"
#include "phases.hpp"
#include "worker_pool.hpp"
#include "ws_client.hpp"
#include "yws/crdt/doc.hpp"
#include "yws/protocol/message.hpp"

namespace yws::bench::ws_load {

namespace {

using namespace asio::experimental::awaitable_operators;

constexpr std::size_t max_steps = 64;
// Each insert is "[SSTTTTTTTTTTTT]": step and send time (µs), in hex. ASCII, so one UTF-16 unit
// per byte: a writer's clock after n inserts is n * marker_size.
constexpr std::size_t marker_size = 16;

int hex_value(std::uint8_t c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Calls f(step, send_time_us) for every marker in an update. The update holds the inserted
// strings verbatim (ContentString), so a server that merges updates still delivers each marker.
template <class F>
void for_each_marker(std::span<const std::uint8_t> bytes, F f) {
  const std::uint8_t* it = bytes.data();
  const std::uint8_t* const end = bytes.data() + bytes.size();
  while (static_cast<std::size_t>(end - it) >= marker_size) {
    const void* hit = std::memchr(it, '[', static_cast<std::size_t>(end - it) - marker_size + 1);
    if (!hit) return;
    it = static_cast<const std::uint8_t*>(hit);
    std::uint64_t value = 0;
    bool ok = it[marker_size - 1] == ']';
    for (std::size_t i = 1; ok && i < marker_size - 1; ++i) {
      const int v = hex_value(it[i]);
      ok = v >= 0;
      value = (value << 4) | static_cast<std::uint64_t>(v < 0 ? 0 : v);
    }
    if (!ok) {
      ++it;
      continue;
    }
    f(static_cast<std::size_t>(value >> 48), value & 0xffffffffffffULL);
    it += marker_size;
  }
}

// What the controller and the clients share; atomics because clients run on the workers.
struct shared_state {
  std::atomic<int> step{-1};  // the step writers send for; -1: writers wait
  std::atomic<double> period_us{0};
  std::atomic<std::uint64_t> step_start_us{0};
  std::atomic<bool> stopping{false};
  std::array<std::atomic<std::uint64_t>, max_steps> sent{};
  std::array<std::atomic<std::uint64_t>, max_steps> delivered{};
  std::atomic<std::size_t> synced{0};
  std::atomic<std::size_t> connect_failed{0};
  std::atomic<std::size_t> lost{0};  // connections that ended before the phase closed them
  std::atomic<std::uint64_t> apply_errors{0};
  std::atomic<std::uint64_t> malformed{0};
  std::atomic<std::uint64_t> other_messages{0};
};

// Latency samples of one worker thread, per step; touched only on that thread (the controller
// takes them by running on it).
struct worker_samples {
  std::array<std::vector<std::uint32_t>, max_steps> latency_us;
};

// A writer's document: its own client id, appending to its own root text.
struct writer_state {
  explicit writer_state(std::uint64_t id) : doc(options_for(id)), text(doc.get_text(root_name(id))) {}
  static crdt::doc::options options_for(std::uint64_t id) {
    crdt::doc::options o;
    o.client_id = id;
    return o;
  }
  static std::string root_name(std::uint64_t id) {
    std::string name = std::to_string(id);
    name.insert(name.begin(), 'w');  // (not "w" + ...: GCC 12 warns about it, -Wrestrict)
    return name;
  }
  crdt::doc doc;
  crdt::text text;
  std::vector<std::uint8_t> message;  // the last update, as a sync update message
  crdt::subscription sub;
  std::atomic<std::uint64_t> inserts{0};
};

class fanout_run {
 public:
  fanout_run(const run_context& ctx, const fanout_options& o)
      : ctx_(ctx), o_(o), pool_(ctx.threads), samples_(pool_.size()), clients_(pool_) {}

  json::object run();

 private:
  std::size_t total_clients() const { return o_.rooms * o_.clients; }
  std::size_t total_writers() const { return o_.rooms * o_.writers; }
  std::string room_name(std::size_t r) const { return ctx_.room("fanout-" + std::to_string(r)); }

  asio::awaitable<void> controller();
  asio::awaitable<bool> connect_all();
  asio::awaitable<json::object> run_step(std::size_t id, const char* kind, double rate, double seconds);
  asio::awaitable<json::object> verify();
  asio::awaitable<void> member(std::shared_ptr<ws_client> c, std::size_t index);
  asio::awaitable<void> write_loop(ws_client& c, writer_state& w, double phase);
  asio::awaitable<std::vector<std::uint32_t>> take_samples(std::size_t step);
  void note(const std::string& line) { progress(ctx_.server, "fanout: " + line); }

  const run_context& ctx_;
  const fanout_options& o_;
  shared_state st_;
  std::vector<std::unique_ptr<writer_state>> writers_;  // room * writers + k
  std::vector<std::unique_ptr<crdt::doc>> verifiers_;   // one per room, on its client's worker
  worker_pool pool_;
  std::vector<worker_samples> samples_;
  client_set clients_;  // after the pool: released first
  json::object result_;
};

asio::awaitable<void> fanout_run::write_loop(ws_client& c, writer_state& w, double phase) {
  asio::steady_timer timer(c.get_executor());
  int current = -1;
  double next_us = 0;
  for (;;) {
    if (st_.stopping.load()) co_return;
    const int s = st_.step.load();
    if (s < 0) {
      current = -1;
      timer.expires_after(10ms);
      if (auto [ec] = co_await timer.async_wait(use_nothrow); ec) co_return;
      continue;
    }
    const double period = st_.period_us.load();
    if (s != current) {
      // Writers are spread evenly over the period, so the offered load has no bursts.
      current = s;
      next_us = static_cast<double>(st_.step_start_us.load()) + phase * period;
    }
    const auto now = now_us();
    if (next_us > static_cast<double>(now)) {
      timer.expires_after(std::chrono::microseconds(static_cast<std::int64_t>(next_us) - static_cast<std::int64_t>(now)));
      if (auto [ec] = co_await timer.async_wait(use_nothrow); ec) co_return;
      continue;  // the step may have changed meanwhile
    }
    // Far behind (the server pushes back, or this thread is saturated): skip ahead rather than
    // burst; the shortfall shows in the step's sent count.
    if (static_cast<double>(now) > next_us + 100'000) next_us = static_cast<double>(now);
    next_us += period;
    char marker[marker_size + 1];
    std::snprintf(marker, sizeof marker, "[%02x%012llx]", static_cast<unsigned>(s) & 0xffu,
                  static_cast<unsigned long long>(now & 0xffffffffffffULL));
    const auto inserted = w.inserts.load();
    w.text.insert(static_cast<std::uint32_t>(inserted * marker_size), std::string_view(marker, marker_size));
    if (auto ec = co_await c.send(w.message); ec) co_return;
    w.inserts.store(inserted + 1);
    st_.sent[static_cast<std::size_t>(s)].fetch_add(1, std::memory_order_relaxed);
  }
}

asio::awaitable<void> fanout_run::member(std::shared_ptr<ws_client> c, std::size_t index) {
  const std::size_t room = index / o_.clients;
  const std::size_t slot = index % o_.clients;
  auto ec = co_await c->connect(ctx_.server, room_name(room), 10s);
  if (!ec) ec = co_await c->sync(nullptr);
  if (ec) {
    st_.connect_failed.fetch_add(1);
    co_return;
  }
  st_.synced.fetch_add(1);

  crdt::doc* verifier = slot == o_.clients - 1 ? verifiers_[room].get() : nullptr;
  auto& samples = samples_[clients_.worker_of(index)];
  auto on_frame = [this, verifier, &samples](std::span<const std::uint8_t> frame) {
    protocol::message_reader reader(frame);
    while (!reader.at_end()) {
      auto msg = reader.next();
      if (!msg) {
        st_.malformed.fetch_add(1);
        return;
      }
      std::span<const std::uint8_t> update;
      if (auto* u = std::get_if<protocol::sync_update>(&*msg)) {
        update = u->update;
      } else if (auto* s2 = std::get_if<protocol::sync_step2>(&*msg)) {
        update = s2->update;
      } else {
        st_.other_messages.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      const auto now = now_us();
      for_each_marker(update, [&](std::size_t step, std::uint64_t sent_us) {
        if (step >= max_steps) return;
        st_.delivered[step].fetch_add(1, std::memory_order_relaxed);
        auto& v = samples.latency_us[step];
        if (v.size() < (8u << 20)) v.push_back(static_cast<std::uint32_t>(std::min<std::uint64_t>(now - sent_us, UINT32_MAX)));
      });
      if (verifier && !crdt::apply_update_v1(*verifier, update)) st_.apply_errors.fetch_add(1);
    }
  };
  if (slot < o_.writers) {
    auto& w = *writers_[room * o_.writers + slot];
    const double phase = static_cast<double>(room * o_.writers + slot) / static_cast<double>(total_writers());
    co_await (c->read_loop(on_frame) || write_loop(*c, w, phase));
  } else {
    co_await c->read_loop(on_frame);
  }
  if (!st_.stopping.load()) st_.lost.fetch_add(1);
}

asio::awaitable<bool> fanout_run::connect_all() {
  const auto t0 = clock::now();
  std::size_t spawned = 0;
  while (spawned < total_clients()) {
    const std::size_t wave = std::min(o_.connect_batch, total_clients() - spawned);
    for (std::size_t i = 0; i < wave; ++i) {
      clients_.spawn([this](std::shared_ptr<ws_client> c, std::size_t index) { return member(std::move(c), index); });
    }
    spawned += wave;
    co_await wait_until([&] { return st_.synced.load() + st_.connect_failed.load() >= spawned; },
                        clock::now() + 30s);
    if (st_.connect_failed.load() > 0 || st_.synced.load() < spawned) break;
  }
  const double secs = std::chrono::duration<double>(clock::now() - t0).count();
  result_["connect"] = json::object{{"clients", total_clients()},
                                    {"synced", st_.synced.load()},
                                    {"failed", st_.connect_failed.load()},
                                    {"seconds", secs}};
  note("connected " + std::to_string(st_.synced.load()) + "/" + std::to_string(total_clients()) + " in " +
       std::to_string(secs) + " s");
  co_return st_.synced.load() == total_clients();
}

asio::awaitable<std::vector<std::uint32_t>> fanout_run::take_samples(std::size_t step) {
  std::vector<std::uint32_t> all;
  for (std::size_t w = 0; w < pool_.size(); ++w) {
    auto take = [this, w, step]() -> asio::awaitable<std::vector<std::uint32_t>> {
      co_return std::exchange(samples_[w].latency_us[step], {});
    };
    auto part = co_await asio::co_spawn(pool_.context(w), take, asio::use_awaitable);
    all.insert(all.end(), part.begin(), part.end());
  }
  co_return all;
}

asio::awaitable<json::object> fanout_run::run_step(std::size_t id, const char* kind, double rate, double seconds) {
  const auto pid = ctx_.server.pid;
  const auto lost0 = st_.lost.load();
  const auto cpu0 = pid ? process_cpu_times(*pid) : std::nullopt;
  const double self0 = self_cpu_seconds();
  const auto t0 = clock::now();
  st_.period_us.store(1e6 / rate);
  st_.step_start_us.store(now_us());
  st_.step.store(static_cast<int>(id));
  co_await sleep_for(std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(seconds)));
  st_.step.store(-1);
  const auto t1 = clock::now();
  // Everything sent in the step must arrive at every client of its room.
  const bool drained = co_await wait_until(
      [&] { return st_.delivered[id].load() >= st_.sent[id].load() * o_.clients; },
      t1 + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(o_.drain_seconds)));
  const auto t2 = clock::now();
  const auto cpu1 = pid ? process_cpu_times(*pid) : std::nullopt;
  const double self1 = self_cpu_seconds();
  auto samples = co_await take_samples(id);
  const auto lat = summarize(samples);

  const double window = std::chrono::duration<double>(t1 - t0).count();
  const double busy = std::chrono::duration<double>(t2 - t0).count();
  const auto sent = st_.sent[id].load();
  const auto delivered = st_.delivered[id].load();
  const double offered = rate * static_cast<double>(total_writers()) * window;
  const bool lost = st_.lost.load() != lost0;
  const bool sustained = drained && !lost && static_cast<double>(sent) >= 0.97 * offered &&
                         lat.p50_ms <= o_.p50_limit_ms && lat.p99_ms <= o_.p99_limit_ms;
  json::object step{{"kind", kind},
                    {"rate_per_writer", rate},
                    {"offered_updates_per_s", rate * static_cast<double>(total_writers())},
                    {"offered_deliveries_per_s", rate * static_cast<double>(total_writers() * o_.clients)},
                    {"seconds", window},
                    {"sent", sent},
                    {"sent_fraction", offered > 0 ? static_cast<double>(sent) / offered : 0.0},
                    {"expected_deliveries", sent * o_.clients},
                    {"delivered", delivered},
                    {"delivered_per_s", static_cast<double>(delivered) / window},
                    {"drained", drained},
                    {"drain_seconds", std::chrono::duration<double>(t2 - t1).count()},
                    {"connections_lost", st_.lost.load() - lost0},
                    {"latency", to_json(lat)},
                    {"generator_cpu_utilization", (self1 - self0) / busy},
                    {"sustained", sustained}};
  if (cpu0 && cpu1) {
    const auto used = *cpu1 - *cpu0;
    const double per = delivered ? 1e6 / static_cast<double>(delivered) : 0.0;
    step["server_cpu_seconds"] = used.total();
    step["server_cpu_utilization"] = used.total() / busy;
    step["server_cpu_us_per_delivery"] = used.total() * per;
    step["server_user_us_per_delivery"] = used.user * per;
    step["server_system_us_per_delivery"] = used.system * per;
  }
  char line[256];
  std::snprintf(line, sizeof line, "%s r=%.1f/s: %.0f deliveries/s, p50 %.2f ms, p99 %.2f ms%s%s", kind, rate,
                static_cast<double>(delivered) / window, lat.p50_ms, lat.p99_ms, sustained ? "" : " (not sustained)",
                drained ? "" : " (not drained)");
  note(line);
  co_return step;
}

asio::awaitable<json::object> fanout_run::verify() {
  // Every update sent must reach the verifier of its room; wait for the late ones, bounded.
  const auto all_arrived = [&] {
    std::uint64_t sent = 0, delivered = 0;
    for (std::size_t i = 0; i < max_steps; ++i) {
      sent += st_.sent[i].load();
      delivered += st_.delivered[i].load();
    }
    return delivered >= sent * o_.clients;
  };
  co_await wait_until(all_arrived, clock::now() + 5s);
  std::size_t complete = 0;
  for (std::size_t r = 0; r < o_.rooms; ++r) {
    const std::size_t verifier_index = r * o_.clients + o_.clients - 1;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> expected;  // client id, clock
    for (std::size_t k = 0; k < o_.writers; ++k) {
      auto& w = *writers_[r * o_.writers + k];
      expected.emplace_back(w.doc.client_id(), w.inserts.load() * marker_size);
    }
    auto check = [this, r, expected = std::move(expected)]() -> asio::awaitable<std::size_t> {
      const auto sv = verifiers_[r]->state();
      std::size_t ok = 0;
      for (auto [client, units] : expected) ok += sv.get(client) == units ? 1 : 0;
      co_return ok;
    };
    const std::size_t ok = co_await asio::co_spawn(pool_.context(verifier_index), std::move(check), asio::use_awaitable);
    complete += ok;
  }
  co_return json::object{{"writers", total_writers()},
                         {"writers_complete", complete},
                         {"apply_errors", st_.apply_errors.load()},
                         {"malformed_messages", st_.malformed.load()},
                         {"ok", complete == total_writers() && st_.apply_errors.load() == 0 &&
                                    st_.malformed.load() == 0}};
}

asio::awaitable<void> fanout_run::controller() {
  if (!co_await connect_all()) {
    result_["error"] = "not every client could connect and sync";
  } else {
    auto warm = co_await run_step(0, "warmup", o_.rate, o_.warmup_seconds);
    auto fixed = co_await run_step(1, "fixed", o_.rate, o_.seconds);
    double best = fixed["sustained"].as_bool() ? fixed["delivered_per_s"].as_double() : 0.0;
    // The sweep starts from the measured rate even if that step was not sustained (a stall on a
    // shared machine); two failures in a row end it.
    bool saturated = false;
    json::array sweep;
    double rate = o_.rate;
    std::size_t id = 2;
    bool retried = false;
    for (std::size_t k = 0; k < o_.sweep_steps && !saturated && id < max_steps; ++id) {
      if (!retried) rate *= o_.sweep_factor;
      auto step = co_await run_step(id, retried ? "sweep-retry" : "sweep", rate, o_.sweep_seconds);
      const bool sustained = step["sustained"].as_bool();
      sweep.push_back(std::move(step));
      if (sustained) {
        best = std::max(best, sweep.back().as_object().at("delivered_per_s").as_double());
        retried = false;
        ++k;
      } else if (!retried) {
        retried = true;
      } else {
        saturated = true;
      }
    }
    result_["warmup"] = std::move(warm);
    result_["fixed"] = std::move(fixed);
    result_["sweep"] = std::move(sweep);
    result_["max_sustained_deliveries_per_s"] = best;
    // False: the sweep ended with every step sustained, so the maximum is a lower bound.
    result_["saturated"] = saturated;
    auto verified = co_await verify();
    result_["verify"] = std::move(verified);
  }
  if (ctx_.server.pid) {
    if (auto rss = process_rss_bytes(*ctx_.server.pid)) result_["server_rss_bytes_end"] = *rss;
  }
  result_["other_messages"] = st_.other_messages.load();
  st_.stopping.store(true);
}

json::object fanout_run::run() {
  result_ = json::object{{"rooms", o_.rooms}, {"clients_per_room", o_.clients}, {"writers_per_room", o_.writers}};
  // Client ids: distinct, from the run's seed, below 2^32 as Yjs makes them.
  std::mt19937_64 rng(ctx_.seed);
  std::unordered_set<std::uint64_t> used;
  for (std::size_t i = 0; i < total_writers(); ++i) {
    std::uint64_t id = 0;
    do id = rng() & 0xffffffffULL;
    while (!used.insert(id).second);
    auto w = std::make_unique<writer_state>(id);
    w->sub = w->doc.on_update([m = &w->message](std::span<const std::uint8_t> u, crdt::origin) {
      *m = protocol::encode_sync_update(u);
    });
    writers_.push_back(std::move(w));
  }
  for (std::size_t r = 0; r < o_.rooms; ++r) verifiers_.push_back(std::make_unique<crdt::doc>());

  run_phase("fanout", ctx_, pool_, clients_, result_, controller());
  return std::move(result_);
}

}  // namespace

json::object run_fanout(const run_context& ctx, const fanout_options& o) { return run_with<fanout_run>(ctx, o); }

}  // namespace yws::bench::ws_load
