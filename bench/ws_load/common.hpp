// bench/ws_load/common.hpp: what every phase of the load generator shares: the target server,
// the clock, the Asio spelling (Boost 1.81), and the measurement helpers (latency percentiles,
// the server's CPU time and RSS read from /proc, the generator's own CPU time).
//
// Thread safety: free functions and value types.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>

namespace yws::bench::ws_load {

namespace asio = boost::asio;
namespace json = boost::json;

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

using clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Microseconds since the generator started (steady clock): the timestamps writers embed and
// receivers subtract, all in this one process.
std::uint64_t now_us() noexcept;

// The server under test and how to observe it.
struct target {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string path_prefix = "/";  // rooms are <path_prefix><room name>
  std::string label;              // a name for the report (e.g. yws, js)
  // The server's process id on this machine, to read its CPU time and RSS; nullopt for a remote
  // server (the CPU and memory figures are then left out).
  std::optional<int> pid;
};

// What every phase is given.
struct run_context {
  target server;
  unsigned threads = 1;     // client I/O threads (one io_context each)
  std::uint64_t seed = 1;   // for client ids, generated content and room names

  // A room of this run: `name` plus a suffix from the seed, so a server that outlives a run
  // (rooms keep their documents) never mixes two runs' content.
  std::string room(const std::string& name) const;
};

// CPU seconds a process has used, from /proc/<pid>/stat (utime, stime). On loopback the kernel
// runs the receiver's TCP processing in the sender's system time, so the split matters.
struct cpu_times {
  double user = 0;
  double system = 0;
  double total() const noexcept { return user + system; }
  cpu_times operator-(const cpu_times& o) const noexcept { return {user - o.user, system - o.system}; }
};
std::optional<cpu_times> process_cpu_times(int pid);
// Resident set size in bytes, from VmRSS in /proc/<pid>/status.
std::optional<std::uint64_t> process_rss_bytes(int pid);
// The machine's TcpExt ListenOverflows counter (/proc/net/netstat): connections dropped because
// a listen backlog was full, which the client sees as a SYN retransmitted after 1 s.
std::optional<std::uint64_t> listen_overflows();
// This generator's own CPU seconds (getrusage), to tell whether it was the bottleneck.
double self_cpu_seconds();

// Latency percentiles of microsecond samples, in milliseconds.
struct latency_summary {
  std::size_t count = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
};
// Sorts `samples_us`.
latency_summary summarize(std::vector<std::uint32_t>& samples_us);
json::object to_json(const latency_summary& s);

// Logs a progress line to stderr, prefixed with the target's label.
void progress(const target& t, const std::string& line);

}  // namespace yws::bench::ws_load
