// bench/crdt_bench.cpp: the CRDT workloads of bench/crdt.sh on yws (Google Benchmark).
//
// Each benchmark is named BM_crdt_<workload>, where <workload> is the name bench/js/crdt.mjs
// gives the same work on yjs and ywasm, so bench/js/report.mjs can pair them. Every benchmark
// runs one iteration per repetition (one repetition = one full workload on a fresh doc, like one
// JS sample); set the number of repetitions with --benchmark_repetitions and read the median and
// min aggregates. Setup (reading fixtures, creating the doc the workload starts from) and teardown
// are outside the timed region, as on the JS side.
//
//   crdt_bench --benchmark_repetitions=7 --benchmark_out=yws.json --benchmark_out_format=json
//
// A workload whose result differs from what the fixtures promise is reported as an error
// (SkipWithError), never as a time.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "alloc_counter.hpp"
#include "fixtures.hpp"
#include "yws/crdt/doc.hpp"

namespace yws::bench {
namespace {

// The final text of every B4 workload (automerge-paper.yjs-update.json "finalLength").
constexpr std::uint32_t b4_final_length = 104852;

// Records what the doc's text ended as: the label carries length and fingerprint for the
// cross-implementation comparison; a wrong length fails the benchmark.
void check_text(benchmark::State& state, crdt::doc& d, std::uint32_t want_length) {
  const std::string s = d.get_text("text").to_string();
  const std::uint32_t length = d.get_text("text").length();
  state.counters["text_length"] = length;
  state.SetLabel("len=" + std::to_string(length) + " fnv32=" + std::to_string(fnv1a32(s)));
  if (length != want_length) {
    const std::string msg = "final text length " + std::to_string(length) + ", want " + std::to_string(want_length);
    state.SkipWithError(msg.c_str());
  }
}

void bm_trace_local(benchmark::State& state, const trace& t) {
  auto d = std::make_unique<crdt::doc>();
  crdt::text text = d->get_text("text");
  for (auto _ : state) {
    for (const trace_op& op : t.ops) {
      if (op.insert)
        text.insert(op.index, op.chunk);
      else
        text.erase(op.index, op.len);
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(t.ops.size()));
  check_text(state, *d, b4_final_length);
}

void bm_load_v1(benchmark::State& state, const std::vector<std::uint8_t>& update) {
  std::unique_ptr<crdt::doc> d;
  result<void> applied;
  for (auto _ : state) {
    d = std::make_unique<crdt::doc>();
    applied = crdt::apply_update_v1(*d, update);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(update.size()));
  if (!applied) {
    state.SkipWithError(("apply_update_v1: " + applied.error().message()).c_str());
    return;
  }
  check_text(state, *d, b4_final_length);
}

void bm_encode_v1(benchmark::State& state, const std::vector<std::uint8_t>& update) {
  crdt::doc d;
  if (auto applied = crdt::apply_update_v1(d, update); !applied) {
    state.SkipWithError(("apply_update_v1: " + applied.error().message()).c_str());
    for (auto _ : state) {
    }
    return;
  }
  std::vector<std::uint8_t> out;
  for (auto _ : state) {
    out = crdt::encode_state_as_update_v1(d);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(out.size()));
  state.counters["encoded_bytes"] = static_cast<double>(out.size());
  state.SetLabel("encoded=" + std::to_string(out.size()) + " fnv32=" + std::to_string(fnv1a32(out)) +
                 " same_as_input=" + (out == update ? "true" : "false"));
}

void bm_remote(benchmark::State& state, const update_stream& s, std::uint32_t want_length) {
  std::unique_ptr<crdt::doc> d;
  result<void> applied;
  for (auto _ : state) {
    d = std::make_unique<crdt::doc>();
    for (const auto& u : s.updates) {
      applied = crdt::apply_update_v1(*d, u);
      if (!applied) break;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(s.updates.size()));
  if (!applied) {
    state.SkipWithError(("apply_update_v1: " + applied.error().message()).c_str());
    return;
  }
  check_text(state, *d, want_length);
}

// Heap the loaded doc keeps, against the size of the update it was loaded from. Deterministic, so
// one repetition; the load time it also reports includes the counting overhead.
void bm_memory(benchmark::State& state, const std::vector<std::uint8_t>& update) {
  std::unique_ptr<crdt::doc> d;
  result<void> applied;
  alloc_stats counted;
  std::int64_t malloc_delta = 0;
  for (auto _ : state) {
    const auto malloc_before = static_cast<std::int64_t>(malloc_in_use_bytes());
    start_counting_allocations();
    d = std::make_unique<crdt::doc>();
    applied = crdt::apply_update_v1(*d, update);
    counted = stop_counting_allocations();
    malloc_delta = static_cast<std::int64_t>(malloc_in_use_bytes()) - malloc_before;
  }
  if (!applied) {
    state.SkipWithError(("apply_update_v1: " + applied.error().message()).c_str());
    return;
  }
  const auto encoded = static_cast<double>(update.size());
  state.counters["encoded_bytes"] = encoded;
  state.counters["retained_bytes"] = static_cast<double>(counted.live_bytes);
  state.counters["peak_bytes"] = static_cast<double>(counted.peak_live_bytes);
  state.counters["allocated_bytes"] = static_cast<double>(counted.allocated_bytes);
  state.counters["allocations"] = static_cast<double>(counted.allocations);
  state.counters["malloc_retained_bytes"] = static_cast<double>(malloc_delta);
  state.counters["retained_per_encoded"] = static_cast<double>(counted.live_bytes) / encoded;
  check_text(state, *d, b4_final_length);
}

double min_of(const std::vector<double>& v) { return v.empty() ? 0.0 : *std::min_element(v.begin(), v.end()); }

benchmark::internal::Benchmark* timed(benchmark::internal::Benchmark* b) {
  return b->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond)->ComputeStatistics("min", min_of);
}

// Fixtures live for the whole run: the registered benchmarks refer to them.
struct fixtures {
  trace b4_trace;
  std::vector<std::uint8_t> paper_update;
  std::vector<std::uint8_t> b4_update;
  struct remote {
    std::string variant;
    update_stream stream;
    std::uint32_t final_length = 0;
  };
  std::vector<remote> remotes;
};

result<void> load_fixtures(fixtures& f) {
  YWS_TRY(t, read_trace("b4-editing-trace.bin"));
  f.b4_trace = std::move(t);
  YWS_TRY(paper, read_fixture("automerge-paper.yjs-update-v1.bin"));
  f.paper_update = std::move(paper);
  YWS_TRY(b4, read_fixture("b4-update.bin"));
  f.b4_update = std::move(b4);
  for (const char* variant : {"same-random", "distinct-random", "same-append"}) {
    const std::string base = std::string("remote-10k-") + variant;
    YWS_TRY(stream, read_update_stream(base + ".updates.bin"));
    YWS_TRY(length, read_final_length(base + ".json"));
    f.remotes.push_back({variant, std::move(stream), length});
  }
  return {};
}

void register_all(const fixtures& f) {
  timed(benchmark::RegisterBenchmark("BM_crdt_trace_local", bm_trace_local, std::cref(f.b4_trace)));
  for (const auto& [name, update] : {std::pair{"automerge-paper", &f.paper_update}, std::pair{"b4", &f.b4_update}}) {
    timed(benchmark::RegisterBenchmark((std::string("BM_crdt_load_v1/") + name).c_str(), bm_load_v1,
                                       std::cref(*update)));
    timed(benchmark::RegisterBenchmark((std::string("BM_crdt_encode_v1/") + name).c_str(), bm_encode_v1,
                                       std::cref(*update)));
  }
  for (const auto& r : f.remotes)
    timed(benchmark::RegisterBenchmark(("BM_crdt_remote/" + r.variant).c_str(), bm_remote, std::cref(r.stream),
                                       r.final_length));
  timed(benchmark::RegisterBenchmark("BM_crdt_memory/b4", bm_memory, std::cref(f.b4_update)))->Repetitions(1);
}

}  // namespace
}  // namespace yws::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  yws::bench::fixtures f;
  if (auto loaded = yws::bench::load_fixtures(f); !loaded) {
    std::fprintf(stderr, "crdt_bench: cannot read fixtures in %s: %s\n",
                 yws::bench::fixtures_dir().c_str(), loaded.error().message().c_str());
    return 1;
  }
  yws::bench::register_all(f);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
