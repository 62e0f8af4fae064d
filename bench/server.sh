#!/usr/bin/env bash
# bench/server.sh: the server benchmark. `yws serve` and the JS reference server
# (@y/websocket-server 0.1.1, bench/js/ws-reference-server.mjs) run one after the other on
# ephemeral 127.0.0.1 ports, each driven by the same load generator (yws-ws-load) with the same
# parameters; the results become one table of ratios (bench/ws_load/report.mjs).
# Run by scripts/bench (`make bench`) with YWS_BUILD_DIR set; runnable alone:
#
#   YWS_BUILD_DIR=build/release bench/server.sh
#
# Each phase gets a fresh server process: (c) idle memory, (b) connect+sync, (a) fan-out. The
# generator reads the server's CPU time (utime+stime, /proc/<pid>/stat) and RSS
# (/proc/<pid>/status) at the boundaries of its measurement windows, given the server's pid.
#
# Knobs (environment): YWS_WS_THREADS (generator I/O threads, default 2), YWS_WS_SERVER_THREADS
# (yws serve --threads, default 0 = one per core), YWS_WS_FANOUT_ARGS (extra arguments for the
# fan-out phase, e.g. "--rooms 20 --clients 25 --writers 2 --rate 10"), YWS_WS_CLIENTS (clients of
# phases b and c, default 1000), YWS_WS_PHASES (default "idle connect fanout"), YWS_BENCH_OUT
# (where results go, default $YWS_BUILD_DIR/bench-results).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=$(realpath "${YWS_BUILD_DIR:-build/release}")
out=${YWS_BENCH_OUT:-$build_dir/bench-results}
mkdir -p "$out"
yws_bin=$build_dir/apps/yws/yws
load_bin=$build_dir/bench/ws_load/yws-ws-load
threads=${YWS_WS_THREADS:-2}
server_threads=${YWS_WS_SERVER_THREADS:-0}
clients=${YWS_WS_CLIENTS:-1000}
phases=${YWS_WS_PHASES:-idle connect fanout}
# shellcheck disable=SC2206
fanout_args=(${YWS_WS_FANOUT_ARGS:-})

for f in "$yws_bin" "$load_bin"; do
  [ -x "$f" ] || { echo "server.sh: $f not built (cmake --preset release; cmake --build build/release)" >&2; exit 1; }
done
if [ ! -d tests/interop/node_modules/@y/websocket-server ]; then
  echo "server.sh: @y/websocket-server missing in tests/interop/node_modules (run scripts/bootstrap)" >&2
  exit 1
fi

# Each side holds up to ~1,000 sockets plus the generator's; the hard limit is the ceiling.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((2 * clients + 512)) ]; then
  echo "server.sh: the open-file limit ($(ulimit -n)) is too low for $clients clients" >&2
  exit 1
fi

server_pid=
server_port=
server_log=
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

# start_server yws|js PHASE: starts a fresh server, sets server_pid and server_port.
start_server() {
  server_log=$out/ws-$1-$2.log
  : >"$server_log"  # exists before the background start, for the polling below
  case $1 in
    yws) (exec "$yws_bin" serve --host 127.0.0.1 --port 0 --threads "$server_threads" --store none --log-level info) >"$server_log" 2>&1 & ;;
    js) (exec node bench/js/ws-reference-server.mjs --host 127.0.0.1 --port 0) >"$server_log" 2>&1 & ;;
  esac
  server_pid=$!
  server_port=
  for _ in $(seq 100); do
    server_port=$(sed -n 's/.*listening.* port=\([0-9][0-9]*\).*/\1/p' "$server_log" | head -n1)
    [ -n "$server_port" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$server_port" ]; then
    echo "server.sh: the $1 server did not start; its log:" >&2
    cat "$server_log" >&2
    exit 1
  fi
}

# stop_server: SIGTERM, bounded wait, then SIGKILL. Prints the exit status.
stop_server() {
  local status=0
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$server_pid" 2>/dev/null; then
    echo "server.sh: server $server_pid ignored SIGTERM for 10 s; killing it" >&2
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  wait "$server_pid" 2>/dev/null || status=$?
  server_pid=
  [ "$status" -eq 0 ] || echo "server.sh: server exited with status $status (log: $server_log)" >&2
}

# run_phase SERVER PHASE ARGS...: one fresh server, one generator run, bounded in time.
status=0
run_phase() {
  local server=$1 phase=$2
  shift 2
  start_server "$server" "$phase"
  echo "-- $phase against $server (pid $server_pid, port $server_port)"
  rm -f "$out/ws-$server-$phase.json"
  timeout 300 "$load_bin" --url "ws://127.0.0.1:$server_port/" --label "$server" --server-pid "$server_pid" \
    --threads "$threads" --json "$out/ws-$server-$phase.json" "$phase" "$@" || status=$?
  stop_server
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
machine_json=$out/ws-machine.json
started=$(date +%s)
load_before=$(loadavg)
for phase in $phases; do
  case $phase in
    idle) args=(--clients "$clients") ;;
    connect) args=(--clients "$clients") ;;
    fanout) args=("${fanout_args[@]}") ;;
    *) echo "server.sh: unknown phase $phase" >&2; exit 2 ;;
  esac
  # Alternate which server goes first, so a change in the machine's background load does not
  # always favour the same one.
  if [ "$phase" = connect ]; then order="js yws"; else order="yws js"; fi
  for server in $order; do run_phase "$server" "$phase" "${args[@]}"; done
done
load_after=$(loadavg)
# The kernel's own CPU per small loopback send: the floor under "server CPU per delivered message".
floor_bin=$build_dir/bench/ws_load/yws-send-floor
if [ -x "$floor_bin" ]; then "$floor_bin" >"$out/send-floor.json" || status=$?; fi

cat >"$machine_json" <<EOF
{"cpu": "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)",
 "cores": $(nproc), "kernel": "$(uname -r)", "node": "$(node --version)",
 "yws_commit": "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)",
 "build_type": "$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build_dir/CMakeCache.txt" 2>/dev/null)",
 "generator_threads": $threads, "yws_threads": "$server_threads",
 "load_before": "$load_before", "load_after": "$load_after", "seconds": $(($(date +%s) - started))}
EOF
echo
node bench/ws_load/report.mjs --dir "$out" | tee "$out/server-report.md" || status=$?
exit "$status"
