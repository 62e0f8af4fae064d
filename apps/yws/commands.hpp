// The `yws` subcommands. Each registers itself on the root CLI11 app and returns the subcommand;
// main() runs the callback of whichever was chosen. Commands print to stdout, diagnostics to
// stderr, and their exit code says whether they succeeded.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <string>

namespace yws::app {

// Set by a command's callback; main() returns it.
inline int exit_code = 0;

// `yws doc apply|dump`: offline tools over Yjs v1 update files (doc_command.cpp).
CLI::App* add_doc_command(CLI::App& app);

// `yws serve`: the sync server (serve_command.cpp).
CLI::App* add_serve_command(CLI::App& app);

// `yws client URL`: a y-websocket client of one room (client_command.cpp).
CLI::App* add_client_command(CLI::App& app);

// `yws store ls|inspect|compact|export|import`: durable stores (store_command.cpp).
CLI::App* add_store_command(CLI::App& app);

// Runs a command's body. An escaped exception (a broken invariant) becomes "<prefix>: internal
// error: ..." on stderr and exit code 1 rather than a crash; so does a failed flush of stdout.
template <class Fn>
void run_guarded(const std::string& prefix, Fn&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: internal error: %s\n", prefix.c_str(), e.what());
    exit_code = 1;
  }
  if (std::fflush(stdout) != 0 && exit_code == 0) {
    std::fprintf(stderr, "%s: cannot write to stdout\n", prefix.c_str());
    exit_code = 1;
  }
}

}  // namespace yws::app
