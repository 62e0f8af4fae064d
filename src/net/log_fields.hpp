// Log lines are logfmt-style `msg="..." key=value ...` so they can be parsed; values that may
// hold spaces or quotes (room names, error texts) go through quoted().
#pragma once

#include <exception>
#include <string>
#include <string_view>

#include <spdlog/logger.h>

namespace yws::net::detail {

// `s` in double quotes with '"', '\\' and control characters escaped.
inline std::string quoted(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    } else {
      out += ch;
    }
  }
  out += '"';
  return out;
}

// The text of an exception, for logs.
inline std::string what_of(std::exception_ptr e) {
  try {
    std::rethrow_exception(std::move(e));
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "unknown exception";
  }
}

// A co_spawn completion handler that logs an exception escaping the coroutine as `msg` (a
// literal). `log` must outlive the coroutine (the server core's logger does).
inline auto log_if_failed(spdlog::logger& log, std::string_view msg) {
  return [&log, msg](std::exception_ptr e) {
    if (e) log.error("msg=\"{}\" error={}", msg, quoted(what_of(e)));
  };
}

}  // namespace yws::net::detail
