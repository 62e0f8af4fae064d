// bench/fixtures.hpp: the shared benchmark fixtures (../shared/fixtures, see its README.md) read
// and decoded into the form the timed loops consume, outside any timed region.
//
// Thread safety: none needed; everything here is a value. Lifetime: a trace's and an update
// stream's views point into the `bytes` member of the same object.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "yws/error.hpp"

namespace yws::bench {

// $YWS_SHARED_DIR/fixtures when set, else the directory configured at build time.
std::filesystem::path fixtures_dir();

[[nodiscard]] result<std::vector<std::uint8_t>> read_fixture(std::string_view name);

// b4-editing-trace.bin: varUint(n), then `1 varUint(index) varString(chunk)` (insert) or
// `2 varUint(index) varUint(len)` (delete).
struct trace_op {
  bool insert = false;
  std::uint32_t index = 0;
  std::uint32_t len = 0;   // delete: UTF-16 units to remove
  std::string_view chunk;  // insert: UTF-8 text
};
struct trace {
  std::vector<std::uint8_t> bytes;
  std::vector<trace_op> ops;
};
[[nodiscard]] result<trace> read_trace(std::string_view name);

// remote-10k-*.updates.bin: varUint(count), then count x varUint8Array(update).
struct update_stream {
  std::vector<std::uint8_t> bytes;
  std::vector<std::span<const std::uint8_t>> updates;
};
[[nodiscard]] result<update_stream> read_update_stream(std::string_view name);

// The final text length a remote-10k-*.json promises ("finalLength").
[[nodiscard]] result<std::uint32_t> read_final_length(std::string_view json_name);

// FNV-1a 32-bit: the fingerprint bench/js/peers.mjs computes over the same bytes, so results of
// yws, yjs and ywasm can be compared without shipping whole texts around.
std::uint32_t fnv1a32(std::span<const std::uint8_t> bytes) noexcept;
std::uint32_t fnv1a32(std::string_view text) noexcept;

}  // namespace yws::bench
