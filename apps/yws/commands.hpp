// The `yws` subcommands. Each registers itself on the root CLI11 app and returns the subcommand;
// main() runs the callback of whichever was chosen. Commands print to stdout, diagnostics to
// stderr, and their exit code says whether they succeeded.
#pragma once

#include <CLI/CLI.hpp>

namespace yws::app {

// Set by a command's callback; main() returns it.
inline int exit_code = 0;

}  // namespace yws::app
