// yws-ws-load: a load generator for any y-websocket server (yws serve, @y/websocket-server,
// pycrdt-websocket, ...). bench/server.sh runs it against yws and the JS reference server with the
// same parameters; see docs/benchmarks.md (## Server) and bench/ws_load/phases.hpp.
//
//   yws-ws-load --url ws://127.0.0.1:1234/ --server-pid 4242 --label yws --json out.json fanout
//   yws-ws-load --url ws://127.0.0.1:1234/ connect --clients 1000
//   yws-ws-load --url ws://127.0.0.1:1234/ --server-pid 4242 idle
//
// Rooms are <url path><room>, e.g. ws://127.0.0.1:1234/bench/ gives /bench/fanout-0. With
// --server-pid (a process on this machine) the server's CPU time and RSS are read from /proc.
// Results: one JSON object (to --json, else stdout); progress lines on stderr. Exit code 0 when
// the phase ran (its results say whether the server kept up), 1 when it could not run (the
// results then hold "error"), 2 for bad arguments.
#include <cstdio>
#include <exception>
#include <fstream>
#include <random>
#include <iostream>
#include <string>

#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include "common.hpp"
#include "phases.hpp"

namespace {

using namespace yws::bench::ws_load;

// Many clients need many descriptors; take the whole hard limit.
void raise_fd_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

// ws://HOST:PORT/PATH -> target; HOST must be a numeric address (the benchmark stays on this
// machine and does no name lookups).
bool parse_target(const std::string& url, target& t, std::string& error) {
  auto u = boost::urls::parse_uri(url);
  if (!u) {
    error = "not a URL: " + url;
    return false;
  }
  if (u->scheme() != "ws") {
    error = "only ws:// URLs are supported (no TLS)";
    return false;
  }
  if (!u->has_port() || u->port_number() == 0) {
    error = "the URL needs a port";
    return false;
  }
  t.host = std::string(u->encoded_host());
  if (t.host.size() > 2 && t.host.front() == '[') t.host = t.host.substr(1, t.host.size() - 2);
  t.port = u->port_number();
  t.path_prefix = std::string(u->encoded_path());
  if (t.path_prefix.empty() || t.path_prefix.back() != '/') t.path_prefix += '/';
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"yws-ws-load: fan-out, connect+sync and idle-memory load for a y-websocket server"};
  app.require_subcommand(1);
  std::string url;
  run_context ctx;
  int pid = 0;
  std::string json_out;
  app.add_option("--url", url, "Server URL, ws://HOST:PORT/[PREFIX]; rooms are PREFIX<room>")->required();
  app.add_option("--label", ctx.server.label, "Name of the server in the results")->default_val("server");
  app.add_option("--server-pid", pid, "Server process on this machine (CPU time and RSS from /proc)");
  app.add_option("--threads", ctx.threads, "Client I/O threads")->default_val(2)->check(CLI::Range(1, 64));
  ctx.seed = std::random_device{}();
  app.add_option("--seed", ctx.seed, "Seed for client ids, generated content and room names (default: random)");
  app.add_option("--json", json_out, "Write the results there instead of stdout");

  fanout_options fo;
  auto* fanout = app.add_subcommand("fanout", "(a) R rooms x C clients, K writers each at rate r, then a rate sweep");
  fanout->add_option("--rooms", fo.rooms, "Rooms (R)")->capture_default_str()->check(CLI::Range(1, 10000));
  fanout->add_option("--clients", fo.clients, "Clients per room, writers included (C)")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  fanout->add_option("--writers", fo.writers, "Writers per room (K)")->capture_default_str()->check(CLI::Range(1, 10000));
  fanout->add_option("--rate", fo.rate, "Updates per second per writer in the measured step (r)")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 100000.0));
  fanout->add_option("--warmup", fo.warmup_seconds, "Seconds of warm-up at the measured rate")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 600.0));
  fanout->add_option("--seconds", fo.seconds, "Seconds of the measured step")->capture_default_str()->check(CLI::Range(0.1, 600.0));
  fanout->add_option("--sweep-steps", fo.sweep_steps, "Rate sweep steps after the measured one (0: no sweep)")
      ->capture_default_str()
      ->check(CLI::Range(0, 60));
  fanout->add_option("--sweep-factor", fo.sweep_factor, "Rate multiplier per sweep step")
      ->capture_default_str()
      ->check(CLI::Range(1.05, 10.0));
  fanout->add_option("--sweep-seconds", fo.sweep_seconds, "Seconds per sweep step")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 600.0));
  fanout->add_option("--drain", fo.drain_seconds, "Seconds a step's deliveries may take to arrive after it")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 600.0));
  fanout->add_option("--p50-limit", fo.p50_limit_ms, "Median latency (ms) above which a step is not sustained")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 600000.0));
  fanout->add_option("--p99-limit", fo.p99_limit_ms, "p99 latency (ms) above which a step is not sustained")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 600000.0));

  connect_options co;
  auto* connect = app.add_subcommand("connect", "(b) N clients connect and sync at once to a room with content");
  connect->add_option("--clients", co.clients, "Clients")->capture_default_str()->check(CLI::Range(1, 100000));
  connect->add_option("--seed-inserts", co.seed_inserts, "Text inserts making the room's content")
      ->capture_default_str()
      ->check(CLI::Range(0, 10000000));
  connect->add_option("--timeout", co.timeout_seconds, "Seconds to wait for every client")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 600.0));

  idle_options io;
  auto* idle = app.add_subcommand("idle", "(c) server RSS per idle connection");
  idle->add_option("--clients", io.clients, "Idle clients")->capture_default_str()->check(CLI::Range(1, 100000));
  idle->add_option("--settle", io.settle_seconds, "Seconds between the last connection and the RSS reading")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 600.0));

  CLI11_PARSE(app, argc, argv);
  std::string error;
  if (!parse_target(url, ctx.server, error)) {
    std::fprintf(stderr, "yws-ws-load: --url: %s\n", error.c_str());
    return 2;
  }
  if (fo.writers > fo.clients) {
    std::fprintf(stderr, "yws-ws-load: fanout: --writers must not exceed --clients\n");
    return 2;
  }
  if (pid > 0) ctx.server.pid = pid;
  raise_fd_limit();

  boost::json::object result;
  std::fprintf(stderr, "[ws-load %s] seed %llu\n", ctx.server.label.c_str(), static_cast<unsigned long long>(ctx.seed));
  try {
    if (*fanout) result = run_fanout(ctx, fo);
    if (*connect) result = run_connect(ctx, co);
    if (*idle) result = run_idle(ctx, io);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "yws-ws-load: %s\n", e.what());
    return 1;
  }
  result["seed"] = ctx.seed;
  const bool ran = !result.contains("error");
  const std::string text = boost::json::serialize(result);
  if (json_out.empty()) {
    std::cout << text << "\n";
  } else {
    std::ofstream out(json_out);
    out << text << "\n";
    if (!out) {
      std::fprintf(stderr, "yws-ws-load: cannot write %s\n", json_out.c_str());
      return 1;
    }
  }
  if (!ran) std::fprintf(stderr, "yws-ws-load: %s\n", result.at("error").as_string().c_str());
  return ran ? 0 : 1;
}
