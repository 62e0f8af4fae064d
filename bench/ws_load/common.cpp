#include "common.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <sys/resource.h>
#include <unistd.h>

namespace yws::bench::ws_load {

namespace {
const clock::time_point start_time = clock::now();

double timeval_seconds(const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; }
}  // namespace

std::uint64_t now_us() noexcept {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - start_time).count());
}

std::optional<cpu_times> process_cpu_times(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  // The command name (field 2) is in parentheses and may hold spaces; fields count from after it.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 1));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  // Fields 3.. follow: state(3) ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
  // cmajflt utime(14) stime(15).
  for (int i = 3; i <= 15 && (fields >> field); ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  if (!fields) return std::nullopt;
  const auto ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return cpu_times{static_cast<double>(utime) / ticks, static_cast<double>(stime) / ticks};
}

std::optional<std::uint64_t> process_rss_bytes(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      std::istringstream value(line.substr(6));
      std::uint64_t kib = 0;
      if (value >> kib) return kib * 1024;
    }
  }
  return std::nullopt;
}

std::optional<std::uint64_t> listen_overflows() {
  std::ifstream in("/proc/net/netstat");
  std::string names, values;
  while (std::getline(in, names) && std::getline(in, values)) {
    if (names.rfind("TcpExt:", 0) != 0) continue;
    std::istringstream n(names), v(values);
    std::string name, value;
    while (n >> name && v >> value) {
      if (name == "ListenOverflows") return std::stoull(value);
    }
  }
  return std::nullopt;
}

double self_cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return timeval_seconds(ru.ru_utime) + timeval_seconds(ru.ru_stime);
}

latency_summary summarize(std::vector<std::uint32_t>& samples_us) {
  latency_summary s;
  s.count = samples_us.size();
  if (samples_us.empty()) return s;
  std::sort(samples_us.begin(), samples_us.end());
  // Nearest-rank percentiles.
  const auto at = [&](double q) {
    auto rank = static_cast<std::size_t>(q * static_cast<double>(samples_us.size()));
    return samples_us[std::min(rank, samples_us.size() - 1)] / 1000.0;
  };
  s.p50_ms = at(0.50);
  s.p90_ms = at(0.90);
  s.p99_ms = at(0.99);
  s.max_ms = samples_us.back() / 1000.0;
  return s;
}

json::object to_json(const latency_summary& s) {
  return json::object{{"count", s.count}, {"p50_ms", s.p50_ms}, {"p90_ms", s.p90_ms}, {"p99_ms", s.p99_ms},
                      {"max_ms", s.max_ms}};
}

std::string run_context::room(const std::string& name) const {
  char suffix[24];
  std::snprintf(suffix, sizeof suffix, "-%06llx", static_cast<unsigned long long>(seed & 0xffffff));
  return name + suffix;
}

void progress(const target& t, const std::string& line) {
  std::fprintf(stderr, "[ws-load %s] %s\n", t.label.c_str(), line.c_str());
}

}  // namespace yws::bench::ws_load
