#!/usr/bin/env bash
# bench/store.sh: the store benchmark. For each store (memory, file and sqlite at each --fsync
# policy) a fresh `yws serve --store ... --room-grace 0` is driven by bench/js/store-load.mjs:
# append throughput (acknowledged updates/s: the echo comes after the append) and room load time
# (a new client after the room unloaded, until its doc holds everything). The same workload runs
# through @y/websocket-server 0.1.1 (bench/js/ws-reference-server.mjs) in memory and with its
# only store, y-leveldb (YPERSISTENCE), which appends without delaying the broadcast.
# Run by scripts/bench (`make bench`) with YWS_BUILD_DIR set; runnable alone:
#
#   YWS_BUILD_DIR=build/release bench/store.sh
#
# Knobs (environment): YWS_STORE_BENCH_UPDATES (default 4000), YWS_STORE_BENCH_CLIENTS (4),
# YWS_STORE_BENCH_WINDOW (8 unacknowledged updates per client), YWS_STORE_BENCH_CONFIGS (a subset
# of the names below), YWS_BENCH_OUT (default $YWS_BUILD_DIR/bench-results).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=$(realpath "${YWS_BUILD_DIR:-build/release}")
out=${YWS_BENCH_OUT:-$build_dir/bench-results}
mkdir -p "$out"
yws_bin=$build_dir/apps/yws/yws
[ -x "$yws_bin" ] || { echo "store.sh: $yws_bin not built" >&2; exit 1; }
updates=${YWS_STORE_BENCH_UPDATES:-4000}
clients=${YWS_STORE_BENCH_CLIENTS:-4}
window=${YWS_STORE_BENCH_WINDOW:-8}
configs=${YWS_STORE_BENCH_CONFIGS:-"memory file-always file-batch file-never sqlite-always sqlite-batch sqlite-never js-memory js-leveldb"}

work=$(mktemp -d "${TMPDIR:-/tmp}/yws-store-bench-XXXXXX")
server_pid=
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# run_config NAME: starts the server for NAME, runs the generator, prints one table row.
run_config() {
  local name=$1 log=$out/store-$1.log metrics_url= store fsync
  rm -rf "$work/data" && mkdir -p "$work/data"
  : >"$log"
  case $name in
    js-memory) (exec node bench/js/ws-reference-server.mjs --host 127.0.0.1 --port 0) >"$log" 2>&1 & ;;
    js-leveldb) (export YPERSISTENCE=$work/data/leveldb; exec node bench/js/ws-reference-server.mjs --host 127.0.0.1 --port 0) >"$log" 2>&1 & ;;
    *)
      case $name in
        memory) store=memory fsync=batch ;;
        file-*) store=file:$work/data/rooms fsync=${name#file-} ;;
        sqlite-*) store=sqlite:$work/data/rooms.db fsync=${name#sqlite-} ;;
        *) echo "store.sh: unknown config $name" >&2; exit 1 ;;
      esac
      (exec "$yws_bin" serve --host 127.0.0.1 --port 0 --room-grace 0 --store "$store" --fsync "$fsync" --log-level info) >"$log" 2>&1 &
      ;;
  esac
  server_pid=$!
  local port=
  for _ in $(seq 100); do
    port=$(sed -n 's/.*listening.* port=\([0-9][0-9]*\).*/\1/p' "$log" | head -n1)
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$port" ] || { echo "store.sh: $name did not start:" >&2; cat "$log" >&2; exit 1; }
  [[ $name == js-* ]] || metrics_url=http://127.0.0.1:$port/metrics
  local result
  result=$(node bench/js/store-load.mjs --url "ws://127.0.0.1:$port" ${metrics_url:+--metrics "$metrics_url"} \
    --clients "$clients" --updates "$updates" --window "$window" $([ "$name" = js-memory ] && echo --skip-load))
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
  echo "$result" >"$out/store-$name.json"
  node -e '
    const r = JSON.parse(process.argv[2]); const name = process.argv[1]
    const load = r.load_ms === null ? "n/a (nothing kept)" : r.load_ms.toFixed(1)
    console.log(`| ${name} | ${r.updates} | ${r.updates_per_s} | ${load} |`)' "$name" "$result"
}

echo "store benchmark: $updates updates from $clients clients (window $window), one room; $(nproc) cores"
echo "| server / store | updates | acknowledged updates/s | room load ms |"
echo "|---|---|---|---|"
for c in $configs; do run_config "$c"; done
