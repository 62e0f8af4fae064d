// `yws serve`: the sync server for y-websocket clients.
//
//   yws serve [--host H] [--port P] [--threads N] [--store memory] [--room-grace 30s|never]
//             [--log-level info] [--max-message-bytes N] [--max-queued-bytes N]
//
// Every option can also come from the environment (YWS_HOST, YWS_PORT, ...; the flag wins).
// Logs go to stderr as logfmt lines; once listening it logs `msg="listening" host=H port=P`
// (with --port 0, P is the ephemeral port chosen). SIGINT and SIGTERM shut down gracefully:
// clients get close 1001 after their queued messages, the logs are flushed, and the exit code
// is 0. Exit code 1: the server could not start; 2: bad arguments.
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "yws/net/server.hpp"

namespace yws::app {
namespace {

struct serve_args {
  std::string host = "127.0.0.1";
  std::uint16_t port = 1234;
  unsigned threads = 0;
  std::string store = "memory";
  std::string room_grace = "30s";
  std::string log_level = "info";
  std::size_t max_message_bytes = 16u << 20;
  std::size_t max_queued_bytes = 8u << 20;
};

// "30", "30s", "1500ms", "2m" -> milliseconds; "never" -> nullopt (rooms are never unloaded).
std::optional<std::optional<std::chrono::milliseconds>> parse_grace(const std::string& text) {
  if (text == "never") return std::optional<std::chrono::milliseconds>{};
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
  return std::optional<std::chrono::milliseconds>(std::chrono::milliseconds(static_cast<std::int64_t>(ms)));
}

std::shared_ptr<spdlog::logger> make_logger(const std::string& level) {
  auto logger = std::make_shared<spdlog::logger>("yws", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%e%z level=%l %v");
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::info);  // the "listening" line must reach a reading test at once
  return logger;
}

int run_serve(const serve_args& args) {
  if (args.store != "memory") {
    std::fprintf(stderr,
                 "yws serve: --store '%s' is not available in this build; the only store is 'memory' "
                 "(rooms live in memory and are lost on restart)\n",
                 args.store.c_str());
    return 2;
  }
  auto grace = parse_grace(args.room_grace);
  if (!grace) {
    std::fprintf(stderr, "yws serve: --room-grace '%s': expected seconds (30, 30s, 1500ms, 2m) or 'never'\n",
                 args.room_grace.c_str());
    return 2;
  }
  auto logger = make_logger(args.log_level);
  spdlog::set_default_logger(logger);

  net::server_options opts;
  opts.host = args.host;
  opts.port = args.port;
  opts.threads = args.threads;
  opts.room_grace = *grace;
  opts.max_message_bytes = args.max_message_bytes;
  opts.max_queued_bytes = args.max_queued_bytes;
  opts.logger = logger;
  if (auto ok = net::validate(opts); !ok) {
    std::fprintf(stderr, "yws serve: invalid options: %s\n", ok.error().message().c_str());
    return 2;
  }

  // Signals are caught from before the server starts, so none is missed.
  boost::asio::io_context signal_context(1);
  boost::asio::signal_set signals(signal_context, SIGINT, SIGTERM);
  int received = 0;
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (!ec) received = sig;
  });

  net::server server(opts);
  if (auto ok = server.start(); !ok) {
    logger->critical("msg=\"cannot start\" error=\"{}\"", ok.error().message());
    logger->flush();
    return 1;
  }
  logger->info("msg=\"serving\" store=memory room_grace={} pid={}", args.room_grace, static_cast<long>(::getpid()));
  signal_context.run();
  logger->info("msg=\"shutting down\" signal={}", received);
  server.stop();
  logger->flush();
  return 0;
}

}  // namespace

CLI::App* add_serve_command(CLI::App& app) {
  auto args = std::make_shared<serve_args>();
  auto* cmd = app.add_subcommand("serve", "Serve rooms to y-websocket clients (ws://HOST:PORT/<room>)");
  cmd->add_option("--host", args->host, "Address or name to listen on (0.0.0.0: every interface)")
      ->envname("YWS_HOST")
      ->capture_default_str();
  cmd->add_option("--port", args->port,
                  "TCP port; 0 picks a free one (logged as `msg=\"listening\" ... port=N` at level info)")
      ->envname("YWS_PORT")
      ->capture_default_str();
  cmd->add_option("--threads", args->threads, "I/O threads; 0 = one per core")
      ->envname("YWS_THREADS")
      ->capture_default_str();
  cmd->add_option("--store", args->store, "Where room documents are kept: memory (lost on restart)")
      ->envname("YWS_STORE")
      ->capture_default_str();
  cmd->add_option("--room-grace", args->room_grace,
                  "How long an empty room stays loaded: seconds (30, 30s, 1500ms, 2m; 0 = unload at once) or never")
      ->envname("YWS_ROOM_GRACE")
      ->capture_default_str();
  cmd->add_option("--log-level", args->log_level, "trace, debug, info, warn, error, critical or off")
      ->envname("YWS_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  cmd->add_option("--max-message-bytes", args->max_message_bytes,
                  "Largest message a client may send; larger ones close it with 1009")
      ->envname("YWS_MAX_MESSAGE_BYTES")
      ->capture_default_str();
  cmd->add_option("--max-queued-bytes", args->max_queued_bytes,
                  "Bytes waiting for a slow client before it is closed with 1013")
      ->envname("YWS_MAX_QUEUED_BYTES")
      ->capture_default_str();
  cmd->callback([args] { exit_code = run_serve(*args); });
  return cmd;
}

}  // namespace yws::app
