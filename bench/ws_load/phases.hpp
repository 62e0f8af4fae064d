// bench/ws_load/phases.hpp: the three measurements of the load generator. Each runs against one
// server, stops by itself (every wait is bounded), and returns its results as a JSON object
// (bench/ws_load/report.mjs turns two of them, one per server, into a ratio table).
//
// Thread safety: each run_* call owns its threads; call one at a time.
#pragma once

#include <cstddef>

#include "common.hpp"

namespace yws::bench::ws_load {

// (a) Fan-out: `rooms` x `clients` connections; in each room the first `writers` clients send a
// small Y.Text insert (a real Yjs v1 update made by yws::crdt, one doc and client id per writer,
// each writer appending to its own root text) every 1/rate seconds. The inserted text carries
// the step and the send time, so every receiver (the writer too: servers echo) measures the
// latency of each delivery. One client per room applies every update to a doc, and at the end its
// state must hold every writer's inserts.
//
// Steps: a warm-up at `rate`, the measured step at `rate` for `seconds` (delivered/s, latency,
// server CPU per delivery), then, unless `sweep_steps` is 0, a sweep multiplying the rate by
// `sweep_factor` for up to `sweep_steps` steps of `sweep_seconds`, until a step is not sustained:
// not every delivery arrived within `drain_seconds` after the step, the writers could not send
// 97 % of the offered updates, a connection was lost, or the latency exceeded `p50_limit_ms` (a
// queue that keeps growing) or `p99_limit_ms`. A step that fails is run once more at the same
// rate before the sweep ends: on a shared machine one scheduling stall can fail a step the
// server sustains.
struct fanout_options {
  std::size_t rooms = 10;
  std::size_t clients = 50;  // per room, writers included
  std::size_t writers = 5;   // per room
  double rate = 4;           // updates per second per writer, measured step
  double warmup_seconds = 3;
  double seconds = 15;
  std::size_t sweep_steps = 10;
  double sweep_factor = 1.6;
  double sweep_seconds = 3;
  double drain_seconds = 3;
  double p50_limit_ms = 50;
  double p99_limit_ms = 1000;
  std::size_t connect_batch = 100;  // connections set up at once while joining
};
json::object run_fanout(const run_context& ctx, const fanout_options& o);

// (b) Connect + sync: a seed client fills room `storm` with `seed_inserts` short text inserts at
// random positions (one update); then `clients` clients start at the same instant, each
// connecting, upgrading and sending sync step 1; the time until each has the server's sync step 2.
// A step 2 counts once every byte its length prefix announces has arrived; the first and the last
// client keep theirs (checked to hold the room's content), the others read theirs into a buffer
// their thread shares. One deadline, `timeout_seconds`, bounds the whole storm (the clients have
// no timers of their own): what the storm costs the generator per client must stay well below
// what it costs the server.
struct connect_options {
  std::size_t clients = 1000;
  std::size_t seed_inserts = 2000;
  double timeout_seconds = 60;
};
json::object run_connect(const run_context& ctx, const connect_options& o);

// (c) Idle memory: the server's RSS before and after `clients` clients join one room and sync,
// once `settle_seconds` have passed; reported per connection.
struct idle_options {
  std::size_t clients = 1000;
  double settle_seconds = 2;
  std::size_t connect_batch = 100;
};
json::object run_idle(const run_context& ctx, const idle_options& o);

}  // namespace yws::bench::ws_load
