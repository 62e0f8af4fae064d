// Durations on the command line: "30" or "30s" (seconds), "1500ms", "2m".
//
// Thread safety: a free function without state.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace yws::app {

// "30", "30s", "1500ms", "2m" -> milliseconds; nullopt for anything else, a negative value or one
// over 10^12 ms.
inline std::optional<std::chrono::milliseconds> parse_duration(const std::string& text) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (...) {
    return std::nullopt;
  }
  const std::string unit = text.substr(used);
  double ms = 0;
  if (unit.empty() || unit == "s") {
    ms = value * 1000;
  } else if (unit == "ms") {
    ms = value;
  } else if (unit == "m") {
    ms = value * 60000;
  } else {
    return std::nullopt;
  }
  if (!(ms >= 0) || ms > 1e12) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

}  // namespace yws::app
