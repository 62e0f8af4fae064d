// The logger of the long-running commands (serve, client): logfmt-style lines on stderr.
//
// Thread safety: the logger is spdlog's thread-safe (_mt) kind.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace yws::app {

// The values --log-level accepts (spdlog's level names).
inline const std::vector<std::string> log_levels{"trace", "debug", "info", "warn", "error", "critical", "off"};

// Every line is flushed at once from `flush_level` up, so that tests reading the output (the
// "listening" line of yws serve) see it without waiting for the buffer.
inline std::shared_ptr<spdlog::logger> make_stderr_logger(const std::string& name, const std::string& level,
                                                          spdlog::level::level_enum flush_level = spdlog::level::info) {
  auto logger = std::make_shared<spdlog::logger>(name, std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%e%z level=%l %v");
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(flush_level);
  return logger;
}

}  // namespace yws::app
