// yws: the command-line entry point. Only argument parsing and wiring live here; every command
// is a thin layer over the library.
#include <cstdio>

#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"yws: Yjs-compatible real-time collaboration server and tools"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "yws 0.1.0");

  yws::app::add_serve_command(app);
  yws::app::add_doc_command(app);
  yws::app::add_store_command(app);
  yws::app::add_client_command(app);

  CLI11_PARSE(app, argc, argv);
  return yws::app::exit_code;
}
