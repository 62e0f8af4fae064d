// store/compression.hpp: zlib blobs as Python's zlib.compress/zlib.decompress make and read them.
//
// Thread safety: free functions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "yws/store/store.hpp"

namespace yws::store::detail {

bytes zlib_compress(std::span<const std::uint8_t> data);

// The inflated bytes if `data` is one complete zlib stream (header, deflate data and Adler-32
// all valid, nothing after it) inflating to at most `max_size` bytes; nullopt otherwise.
std::optional<bytes> zlib_decompress(std::span<const std::uint8_t> data, std::size_t max_size = std::size_t{1} << 30);

// A stored blob as the application wrote it: inflated if it is a zlib stream, else as is (as
// pycrdt-store's read(): a plain Yjs update is never a valid zlib stream with its checksum).
bytes decode_blob(std::span<const std::uint8_t> data);

}  // namespace yws::store::detail
