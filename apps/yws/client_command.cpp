// `yws client URL`: joins a room as a y-websocket client (net::blocking_provider).
//
//   yws client ws://127.0.0.1:1234/notes [--timeout 10s] [--text NAME]... [--array NAME]...
//              [--map NAME]... [--apply FILE] [--insert-text ROOT:INDEX:TEXT]
//              [--awareness JSON] [--json] [--watch] [--watch-awareness] [--commands]
//
// It connects and waits for the sync handshake (exit 1 after --timeout), then in this order:
// applies the v1 update in FILE, inserts TEXT at INDEX (UTF-16 units) of the text root ROOT, sets
// our awareness state, and, when it changed anything, waits until the server confirmed it (exit 1
// after --timeout). --json prints the document as one JSON line (roots are known by name only until
// typed: --text/--array/--map NAME type them, as Yjs' getText(NAME) would). --watch prints the
// JSON again on every change and --watch-awareness prints {"awareness":{"<client id>":state,...}}
// on every awareness change, until SIGINT/SIGTERM (or, with --commands, the end of stdin).
// --commands reads commands from stdin, one a line, and answers each with one line:
//   insert-text ROOT:INDEX:TEXT | delete-text ROOT:INDEX:LENGTH | set ROOT:KEY:JSON
//   awareness JSON | json | flush (waits for the server's confirmation) | quit
// answers: `ok`, the JSON, or `error: <reason>`. Exit code 0; 1 on a failure; 2 on bad arguments.
#include <atomic>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "duration.hpp"
#include "logger.hpp"
#include "yws/crdt/doc.hpp"
#include "yws/encoding/json.hpp"
#include "yws/net/provider_blocking.hpp"

namespace yws::app {
namespace {

struct client_args {
  std::string url;
  std::string timeout = "10s";
  std::vector<std::string> text_roots;
  std::vector<std::string> array_roots;
  std::vector<std::string> map_roots;
  std::string apply_file;
  std::string insert_text;
  std::string awareness;
  bool json = false;
  bool watch = false;
  bool watch_awareness = false;
  bool commands = false;
  std::string log_level = "warn";
};

// Lines come from the provider's thread (watch) and the main thread (answers).
std::mutex stdout_mutex;

void print_line(const std::string& text) {
  std::lock_guard lock(stdout_mutex);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

// "ROOT:N:REST" -> {ROOT, N, REST}; nullopt when malformed.
struct indexed_arg {
  std::string root;
  std::uint32_t index = 0;
  std::string rest;
};
std::optional<indexed_arg> parse_indexed(std::string_view text) {
  const auto first = text.find(':');
  if (first == std::string_view::npos || first == 0) return std::nullopt;
  const auto second = text.find(':', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  indexed_arg out{std::string(text.substr(0, first)), 0, std::string(text.substr(second + 1))};
  const auto digits = text.substr(first + 1, second - first - 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out.index);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) return std::nullopt;
  return out;
}

class client_session {
 public:
  client_session(const client_args& args, std::shared_ptr<spdlog::logger> logger)
      : args_(args), timeout_(parse_duration(args.timeout).value_or(std::chrono::seconds(10))), provider_(args.url, options(logger)) {}

  int run() {
    // Observers are set before the provider's thread can call them.
    if (args_.watch) provider_.set_on_update([this](crdt::doc& d, crdt::origin) { print_line(json_of(d)); });
    if (args_.watch_awareness)
      provider_.set_on_awareness_change([this](const protocol::awareness&) { print_awareness_later(); });
    if (auto ok = provider_.start(); !ok) return fail("cannot use URL " + args_.url + ": " + ok.error().message(), 2);
    if (!provider_.wait_synced(timeout_)) return fail("no sync with " + args_.url + " within the timeout", 1);
    bool changed = false;
    if (!args_.apply_file.empty()) {
      if (auto err = apply_file(args_.apply_file); !err.empty()) return fail(err, 1);
      changed = true;
    }
    if (!args_.insert_text.empty()) {
      if (auto err = insert_text(args_.insert_text); !err.empty()) return fail(err, 2);
      changed = true;
    }
    if (!args_.awareness.empty()) {
      if (auto err = set_awareness(args_.awareness); !err.empty()) return fail(err, 2);
      changed = true;
    }
    if (changed && !provider_.flush(timeout_)) return fail("the server did not confirm the changes in time", 1);
    if (args_.json || args_.watch) print_line(json_of_now());
    if (args_.watch_awareness) print_awareness_later();
    if (args_.commands) {
      read_commands();
    } else if (args_.watch || args_.watch_awareness) {
      wait_for_signal();
    }
    provider_.close(std::chrono::seconds(2));
    return 0;
  }

 private:
  static net::provider_options options(std::shared_ptr<spdlog::logger> logger) {
    net::provider_options o;
    o.logger = std::move(logger);
    return o;
  }

  int fail(const std::string& message, int code) {
    std::fprintf(stderr, "yws client: %s\n", message.c_str());
    return code;
  }

  // On the provider's thread.
  std::string json_of(crdt::doc& d) const {
    for (const auto& n : args_.text_roots) (void)d.get_text(n);
    for (const auto& n : args_.array_roots) (void)d.get_array(n);
    for (const auto& n : args_.map_roots) (void)d.get_map(n);
    return encoding::to_json(d.to_json());
  }
  std::string json_of_now() {
    return provider_.call([this](net::provider&, crdt::doc& d) { return json_of(d); });
  }

  // Awareness events fire inside the provider's handling; the states are read right after.
  void print_awareness_later() {
    provider_.call([](net::provider& p, crdt::doc&) {
      p.post([&p] {
        encoding::any_object states;
        for (auto id : p.awareness().client_ids()) {
          if (const auto* s = p.awareness().state(id)) states.emplace_back(std::to_string(id), *s);
        }
        encoding::any_object line{{"awareness", encoding::any(std::move(states))}};
        print_line(encoding::to_json(encoding::any(std::move(line))));
      });
    });
  }

  std::string apply_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return "cannot open " + path;
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return "cannot read " + path;
    auto ok = provider_.call([&](net::provider&, crdt::doc& d) { return crdt::apply_update_v1(d, bytes); });
    if (!ok) return path + ": " + ok.error().message();
    return {};
  }

  std::string insert_text(std::string_view spec) {
    auto arg = parse_indexed(spec);
    if (!arg) return "expected ROOT:INDEX:TEXT, got '" + std::string(spec) + "'";
    return provider_.call([&](net::provider&, crdt::doc& d) -> std::string {
      auto t = d.get_text(arg->root);
      if (arg->index > t.length()) return "index " + std::to_string(arg->index) + " is past the end of " + arg->root;
      t.insert(arg->index, arg->rest);
      return {};
    });
  }

  std::string delete_text(std::string_view spec) {
    auto arg = parse_indexed(spec);
    if (!arg) return "expected ROOT:INDEX:LENGTH";
    std::uint32_t length = 0;
    const char* last = arg->rest.data() + arg->rest.size();
    auto [end, ec] = std::from_chars(arg->rest.data(), last, length);
    if (ec != std::errc() || end != last || arg->rest.empty()) return "expected ROOT:INDEX:LENGTH";
    return provider_.call([&](net::provider&, crdt::doc& d) -> std::string {
      auto t = d.get_text(arg->root);
      if (arg->index > t.length() || length > t.length() - arg->index) return "range past the end of " + arg->root;
      t.erase(arg->index, length);
      return {};
    });
  }

  std::string set_key(std::string_view spec) {
    const auto first = spec.find(':');
    const auto second = first == std::string_view::npos ? first : spec.find(':', first + 1);
    if (second == std::string_view::npos) return "expected ROOT:KEY:JSON";
    auto value = encoding::parse_json(spec.substr(second + 1));
    if (!value) return "bad JSON: " + value.error().message();
    provider_.transact([&](crdt::doc& d) {
      d.get_map(spec.substr(0, first)).set(spec.substr(first + 1, second - first - 1), *value);
    });
    return {};
  }

  std::string set_awareness(std::string_view json) {
    auto state = encoding::parse_json(json);
    if (!state) return "--awareness: bad JSON: " + state.error().message();
    provider_.set_awareness(std::move(*state));
    return {};
  }

  void read_commands() {
    std::string line;
    while (std::getline(std::cin, line)) {
      const auto space = line.find(' ');
      const std::string verb = line.substr(0, space);
      const std::string_view rest = space == std::string::npos ? std::string_view() : std::string_view(line).substr(space + 1);
      std::string err;
      if (verb == "quit") {
        print_line("ok");
        return;
      } else if (verb == "json") {
        print_line(json_of_now());
        continue;
      } else if (verb == "flush") {
        err = provider_.flush(timeout_) ? "" : "no confirmation from the server in time";
      } else if (verb == "insert-text") {
        err = insert_text(rest);
      } else if (verb == "delete-text") {
        err = delete_text(rest);
      } else if (verb == "set") {
        err = set_key(rest);
      } else if (verb == "awareness") {
        err = set_awareness(rest);
      } else {
        err = "unknown command '" + verb + "'";
      }
      print_line(err.empty() ? "ok" : "error: " + err);
    }
  }

  static void wait_for_signal() {
    boost::asio::io_context ioc(1);
    boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([](const boost::system::error_code&, int) {});
    ioc.run();
  }

  const client_args& args_;
  std::chrono::milliseconds timeout_;
  net::blocking_provider provider_;
};

}  // namespace

CLI::App* add_client_command(CLI::App& app) {
  auto args = std::make_shared<client_args>();
  auto* cmd = app.add_subcommand("client", "Join a room as a y-websocket client (ws://HOST:PORT/<room>)");
  cmd->add_option("url", args->url, "ws://host:port/room")->required();
  cmd->add_option("--timeout", args->timeout, "How long to wait for the sync and for confirmations (10s, 500ms, 2m)")
      ->check([](const std::string& text) {
        auto d = parse_duration(text);
        return d && d->count() > 0 ? std::string() : "expected a positive duration (10s, 500ms, 2m)";
      })
      ->capture_default_str();
  cmd->add_option("--text", args->text_roots, "Type the root NAME as a text before printing");
  cmd->add_option("--array", args->array_roots, "Type the root NAME as an array before printing");
  cmd->add_option("--map", args->map_roots, "Type the root NAME as a map before printing");
  cmd->add_option("--apply", args->apply_file, "Apply this v1 update file, then wait for the server's confirmation");
  cmd->add_option("--insert-text", args->insert_text, "ROOT:INDEX:TEXT: insert TEXT into the text root ROOT");
  cmd->add_option("--awareness", args->awareness, "Set our awareness state to this JSON");
  cmd->add_flag("--json", args->json, "Print the document as JSON once synced");
  cmd->add_flag("--watch", args->watch, "Print the document as JSON on every change (until SIGINT/SIGTERM)");
  cmd->add_flag("--watch-awareness", args->watch_awareness, "Print the awareness states on every change");
  cmd->add_flag("--commands", args->commands, "Read commands from stdin (see the file comment)");
  cmd->add_option("--log-level", args->log_level, "trace, debug, info, warn, error, critical or off")
      ->check(CLI::IsMember(log_levels))
      ->capture_default_str();
  cmd->callback([args] {
    run_guarded("yws client", [&] {
      client_session session(*args, make_stderr_logger("yws-client", args->log_level));
      exit_code = session.run();
    });
  });
  return cmd;
}

}  // namespace yws::app
