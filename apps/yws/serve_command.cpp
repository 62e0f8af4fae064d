// `yws serve`: the sync server for y-websocket clients.
//
//   yws serve [--host H] [--port P] [--threads N] [--room-grace 30s|never] [--log-level info]
//             [--store none|memory|temp|file:DIR|sqlite:PATH] [--fsync always|batch|never]
//             [--sync-window 100ms] [--compact-records N] [--compact-bytes N] [--store-threads N]
//             [--max-message-bytes N] [--max-queued-bytes N]
//
// With a store, a room loads its document from it before answering any client, and a client's
// update is echoed (acknowledged) only after it was appended under the --fsync policy; see
// docs/architecture.md "Rooms and the store" for the whole durability contract.
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
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "duration.hpp"
#include "logger.hpp"
#include "yws/net/server.hpp"
#include "yws/net/upstream.hpp"
#include "yws/store/open.hpp"

namespace yws::app {
namespace {

struct serve_args {
  std::string host = "127.0.0.1";
  std::uint16_t port = 1234;
  unsigned threads = 0;
  // Durable by default, as pycrdt-websocket users expect of a server: a SQLite file in the
  // working directory. Tests and benchmarks that want no store say --store none.
  std::string store = "sqlite:yws.db";
  std::string fsync = "batch";
  std::string sync_window = "100ms";
  std::uint64_t compact_records = 10000;
  std::uint64_t compact_bytes = 16u << 20;
  unsigned store_threads = 2;
  std::string room_grace = "30s";
  std::string log_level = "info";
  std::size_t max_message_bytes = 16u << 20;
  std::size_t max_queued_bytes = 8u << 20;
  std::string upstream;  // ws://host:port: every room also syncs with that server's room of its name
};

// A duration, or "never" -> nullopt (rooms are never unloaded).
std::optional<std::optional<std::chrono::milliseconds>> parse_grace(const std::string& text) {
  if (text == "never") return std::optional<std::chrono::milliseconds>{};
  auto d = parse_duration(text);
  if (!d) return std::nullopt;
  return std::optional<std::chrono::milliseconds>(*d);
}

store::fsync_policy parse_fsync(const std::string& text) {
  if (text == "always") return store::fsync_policy::always;
  if (text == "never") return store::fsync_policy::never;
  return store::fsync_policy::batch;  // CLI11 checked the value
}

// The store named by --store (nullptr for none); exit code 2 (bad URI) or 1 (cannot open) in
// `exit` otherwise.
std::shared_ptr<store::store> open_server_store(const serve_args& args, const std::shared_ptr<spdlog::logger>& logger,
                                                int& exit) {
  if (args.store == "none") return nullptr;
  auto where = store::parse_store_uri(args.store);
  if (!where) {
    std::fprintf(stderr, "yws serve: --store '%s': expected none, memory, temp, file:DIR or sqlite:PATH\n",
                 args.store.c_str());
    exit = 2;
    return nullptr;
  }
  auto window = parse_duration(args.sync_window);
  if (!window || window->count() == 0) {
    std::fprintf(stderr, "yws serve: --sync-window '%s': expected a positive duration (100ms, 1s)\n",
                 args.sync_window.c_str());
    exit = 2;
    return nullptr;
  }
  store::open_options options;
  options.common.fsync = parse_fsync(args.fsync);
  options.common.sync_window = *window;
  // Events are what the store did on its own (a torn tail cut on open, a failed squash).
  options.common.on_event = [logger](const store::store_event& e) {
    const auto level = e.error ? spdlog::level::warn : spdlog::level::info;
    logger->log(level, "msg=\"store event\" room=\"{}\" what=\"{}\" error=\"{}\"", e.room, e.what,
                e.error ? e.error.message() : "");
  };
  auto opened = store::open_store(*where, options);
  if (!opened) {
    logger->critical("msg=\"cannot open the store\" store=\"{}\" error=\"{}\"", args.store, opened.error().message());
    logger->flush();
    exit = 1;
    return nullptr;
  }
  return std::shared_ptr<store::store>(std::move(*opened));
}

int run_serve(const serve_args& args) {
  auto grace = parse_grace(args.room_grace);
  if (!grace) {
    std::fprintf(stderr, "yws serve: --room-grace '%s': expected seconds (30, 30s, 1500ms, 2m) or 'never'\n",
                 args.room_grace.c_str());
    return 2;
  }
  auto logger = make_stderr_logger("yws", args.log_level);
  spdlog::set_default_logger(logger);

  net::server_options opts;
  opts.host = args.host;
  opts.port = args.port;
  opts.threads = args.threads;
  opts.room_grace = *grace;
  opts.max_message_bytes = args.max_message_bytes;
  opts.max_queued_bytes = args.max_queued_bytes;
  opts.logger = logger;
  int store_exit = 0;
  opts.storage.store = open_server_store(args, logger, store_exit);
  if (store_exit != 0) return store_exit;
  opts.storage.threads = args.store_threads;
  opts.storage.compact_records = args.compact_records;
  opts.storage.compact_bytes = args.compact_bytes;
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

  net::server_hooks hooks;
  if (!args.upstream.empty()) {
    if (!net::parse_ws_url(args.upstream)) {
      std::fprintf(stderr, "yws serve: --upstream '%s': expected ws://HOST:PORT\n", args.upstream.c_str());
      return 2;
    }
    net::provider_options upstream_opts;
    upstream_opts.logger = logger;
    hooks.upstream_provider_factory = net::make_upstream_factory(args.upstream, upstream_opts);
  }
  net::server server(opts, std::move(hooks));
  if (auto ok = server.start(); !ok) {
    logger->critical("msg=\"cannot start\" error=\"{}\"", ok.error().message());
    logger->flush();
    return 1;
  }
  logger->info("msg=\"serving\" store=\"{}\" fsync={} room_grace={} pid={}", args.store, args.fsync, args.room_grace,
               static_cast<long>(::getpid()));
  signal_context.run();
  logger->info("msg=\"shutting down\" signal={}", received);
  server.stop();  // every acknowledged update is stored and flushed when it returns
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
  cmd->add_option("--store", args->store,
                  "Where room documents are kept: none (a room's doc is lost when it unloads), memory (kept "
                  "until exit), temp (a temporary directory), file:DIR (one log per room) or sqlite:PATH "
                  "(pycrdt-store's schema). With a store, rooms load from it before serving, and a client's "
                  "update is echoed only once it is appended. Default: the SQLite file yws.db in the working directory")
      ->envname("YWS_STORE")
      ->capture_default_str();
  cmd->add_option("--fsync", args->fsync,
                  "Durability of appends: always (on disk before the echo: nothing acknowledged is ever lost), "
                  "batch (in the OS before the echo, on disk within --sync-window: a killed process loses "
                  "nothing, a power cut at most the window) or never (left to the OS)")
      ->envname("YWS_FSYNC")
      ->check(CLI::IsMember({"always", "batch", "never"}))
      ->capture_default_str();
  cmd->add_option("--sync-window", args->sync_window, "Longest time appended data stays unsynced under --fsync batch")
      ->envname("YWS_SYNC_WINDOW")
      ->capture_default_str();
  cmd->add_option("--compact-records", args->compact_records,
                  "Compact a room in the background once its stored history has this many records (0 = never)")
      ->envname("YWS_COMPACT_RECORDS")
      ->capture_default_str();
  cmd->add_option("--compact-bytes", args->compact_bytes,
                  "Compact a room in the background once its stored history has this many bytes (0 = never)")
      ->envname("YWS_COMPACT_BYTES")
      ->capture_default_str();
  cmd->add_option("--store-threads", args->store_threads, "Threads for store calls (loads, appends, compaction)")
      ->envname("YWS_STORE_THREADS")
      ->check(CLI::Range(1u, 64u))
      ->capture_default_str();
  cmd->add_option("--room-grace", args->room_grace,
                  "How long an empty room stays loaded: seconds (30, 30s, 1500ms, 2m; 0 = unload at once) or never")
      ->envname("YWS_ROOM_GRACE")
      ->capture_default_str();
  cmd->add_option("--log-level", args->log_level, "trace, debug, info, warn, error, critical or off")
      ->envname("YWS_LOG_LEVEL")
      ->check(CLI::IsMember(log_levels))
      ->capture_default_str();
  cmd->add_option("--max-message-bytes", args->max_message_bytes,
                  "Largest message a client may send; larger ones close it with 1009")
      ->envname("YWS_MAX_MESSAGE_BYTES")
      ->capture_default_str();
  cmd->add_option("--max-queued-bytes", args->max_queued_bytes,
                  "Bytes waiting for a slow client before it is closed with 1013")
      ->envname("YWS_MAX_QUEUED_BYTES")
      ->capture_default_str();
  cmd->add_option("--upstream", args->upstream,
                  "ws://HOST:PORT of a server each room also syncs with (its room of the same name)")
      ->envname("YWS_UPSTREAM");
  cmd->footer(
      "Durability with a store: a room loads its document from the store before it answers any client "
      "(a room whose load fails closes its clients with 1011 and is never served empty); every update is "
      "appended before it is broadcast, so the echo a client gets is its acknowledgement, under the --fsync "
      "policy; appends are group-committed (one write and fsync per batch); rooms flush when they unload and "
      "on SIGINT/SIGTERM, which exit 0 once everything acknowledged is stored. See docs/architecture.md.");
  cmd->callback([args] { exit_code = run_serve(*args); });
  return cmd;
}

}  // namespace yws::app
