// yws-oracle: a long-running process that drives yws docs for the Node interop tests.
//
// It reads one JSON request per line on stdin and writes one JSON response per line on stdout,
// in order, until stdin closes. Bytes travel as hex. The protocol is described in
// tests/interop/README.md; tests/interop/oracle-client.mjs is its client.
//
// Responses are flushed whenever no further request is already buffered, so a client may
// pipeline many requests and read the responses afterwards.
#include <iostream>
#include <string>

#include "session.hpp"

int main() {
  std::ios::sync_with_stdio(false);
  std::cin.tie(nullptr);
  yws::interop::session s;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    std::cout << s.handle_line(line) << '\n';
    if (std::cin.rdbuf()->in_avail() <= 0) std::cout.flush();
  }
  std::cout.flush();
  return 0;
}
