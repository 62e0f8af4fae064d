// A yws::net::server on 127.0.0.1 with an ephemeral port and short timeouts, for tests.
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string_view>
#include <thread>

#include <gtest/gtest.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "yws/net/server.hpp"

namespace yws::net::test {

using namespace std::chrono_literals;

// Warnings and errors only, on stderr (ctest shows them for failing tests).
inline std::shared_ptr<spdlog::logger> test_logger() {
  static auto logger = [] {
    auto l = std::make_shared<spdlog::logger>("yws-test", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    l->set_level(spdlog::level::warn);
    return l;
  }();
  return logger;
}

inline server_options test_options() {
  server_options o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.threads = 2;
  o.close_timeout = 2s;
  o.shutdown_timeout = 3s;
  o.logger = test_logger();
  return o;
}

// Polls `pred` until it holds or `timeout` passes (for state only visible through the server's
// API, such as counters); true when it held.
inline bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

struct test_server {
  explicit test_server(server_options opts = test_options(), server_hooks hooks = {})
      : srv(std::move(opts), std::move(hooks)) {
    auto ok = srv.start();
    EXPECT_TRUE(ok) << ok.error().message();
  }
  ~test_server() { srv.stop(); }

  std::uint16_t port() const { return srv.local_port(); }

  // Runs fn on the room's executor (creating the room if needed) and waits for it.
  bool with_room(std::string_view room, std::function<void(room_access&)> fn, std::chrono::milliseconds timeout = 5s) {
    auto done = std::make_shared<std::promise<void>>();
    auto future = done->get_future();
    auto ok = srv.post_to_room(room, [fn = std::move(fn), done](room_access& r) {
      fn(r);
      done->set_value();
    });
    if (!ok) return false;
    return future.wait_for(timeout) == std::future_status::ready;
  }

  server srv;
};

}  // namespace yws::net::test
