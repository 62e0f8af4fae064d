#!/usr/bin/env bash
# bench/crdt.sh: the CRDT benchmarks of yws, yjs and ywasm in one run, as one ratio table.
# Run by scripts/bench (`make bench`) with YWS_BUILD_DIR and YWS_SHARED_DIR set; runnable alone:
#
#   YWS_BUILD_DIR=build/release bench/crdt.sh
#
# Knobs (environment): YWS_BENCH_REPS (repetitions per workload, default 7), YWS_BENCH_BUDGET
# (seconds of timed JS runs per workload before it stops at 3 repetitions, default 60),
# YWS_BENCH_OUT (where the JSON results and the report go, default $YWS_BUILD_DIR/bench-results),
# YWS_BENCH_REUSE_JS=1 (reuse the last JS results instead of running yjs and ywasm again).
# The C++ and the JS side run one after the other, never together, and each under a timeout.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=$(realpath "${YWS_BUILD_DIR:-build/release}")
export YWS_SHARED_DIR=$(realpath "${YWS_SHARED_DIR:-../shared}")
reps=${YWS_BENCH_REPS:-7}
out=${YWS_BENCH_OUT:-$build_dir/bench-results}
mkdir -p "$out"
yws_json=$out/crdt-yws.json
js_json=$out/crdt-js.json

if [ ! -d tests/interop/node_modules/yjs ] || [ ! -d tests/interop/node_modules/ywasm ]; then
  echo "crdt.sh: yjs/ywasm missing in tests/interop/node_modules (run scripts/bootstrap)" >&2
  exit 1
fi

bin=$build_dir/bench/crdt_bench
rm -f "$yws_json"
status=0
if [ -x "$bin" ]; then
  echo "-- yws ($bin), $reps repetitions"
  timeout 1200 "$bin" --benchmark_repetitions="$reps" --benchmark_display_aggregates_only=true \
    --benchmark_out="$yws_json" --benchmark_out_format=json || status=$?
else
  echo "crdt.sh: $bin not built; reporting yjs and ywasm only" >&2
fi

if [ "${YWS_BENCH_REUSE_JS:-0}" = 1 ] && [ -s "$js_json" ]; then
  echo "-- yjs, ywasm: reusing $js_json"
else
  echo "-- yjs, ywasm (node $(node --version)), up to $reps repetitions"
  rm -f "$js_json"
  # A failed check still writes its results; the report below says which one.
  timeout 1800 node --expose-gc bench/js/crdt.mjs --reps "$reps" --out "$js_json" || status=$?
fi

if [ ! -s "$js_json" ]; then
  echo "crdt.sh: no JS results ($js_json); nothing to report" >&2
  exit 1
fi
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build_dir/CMakeCache.txt" 2>/dev/null || true)
echo
node bench/js/report.mjs --js "$js_json" --yws "$yws_json" --yws-build "${build_type:-unknown}" |
  tee "$out/crdt-report.md" || status=$?
exit "$status"
