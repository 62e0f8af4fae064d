// Helpers shared by the crdt tests: hex, fixture files, docs with fixed client ids.
#pragma once

#include <cstdint>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "support/hex.hpp"
#include "yws/crdt/doc.hpp"

namespace yws::crdt::test {

using yws::test::from_hex;

// Bytes separated by spaces, so failures read like the spec's annotated examples.
inline std::string to_hex(std::span<const std::uint8_t> bytes) { return yws::test::to_hex(bytes, " "); }

// The doc's whole state as hex, for readable comparisons.
inline std::string state_hex(const doc& d) { return to_hex(encode_state_as_update_v1(d)); }

inline std::vector<std::uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::string shared_fixture(std::string_view name) { return std::string(YWS_SHARED_FIXTURES) + "/" + std::string(name); }

inline doc::options with_client(std::uint64_t client, bool gc = true) {
  doc::options o;
  o.client_id = client;
  o.gc = gc;
  return o;
}

// Collects the update events of a doc.
struct update_log {
  std::vector<std::vector<std::uint8_t>> updates;
  std::vector<origin> origins;
  subscription sub;
  explicit update_log(doc& d)
      : sub(d.on_update([this](std::span<const std::uint8_t> u, origin o) {
          updates.emplace_back(u.begin(), u.end());
          origins.push_back(o);
        })) {}
};

}  // namespace yws::crdt::test
