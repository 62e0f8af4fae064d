// yws: the command-line entry point. Only argument parsing and wiring live here; every command
// is a thin layer over the library.
#include <cstdio>

#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"yws: Yjs-compatible real-time collaboration server and tools"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "yws 0.1.0");

  auto* serve = app.add_subcommand("serve", "Serve rooms to y-websocket clients (not built yet)");
  serve->allow_extras();
  serve->callback([] {
    std::fputs("yws serve: the sync server is not part of this build yet (issue 4); "
               "available commands: see `yws --help`\n", stderr);
    yws::app::exit_code = 2;
  });

  CLI11_PARSE(app, argc, argv);
  return yws::app::exit_code;
}
