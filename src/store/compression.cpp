#include "store/compression.hpp"

#include <zlib.h>

#include <stdexcept>

namespace yws::store::detail {
namespace {

// The two-byte zlib header: deflate, window <= 32K, no preset dictionary, check bits valid.
bool zlib_header(std::span<const std::uint8_t> data) {
  if (data.size() < 6) return false;
  const unsigned cmf = data[0];
  const unsigned flg = data[1];
  return (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && (flg & 0x20) == 0 && (cmf * 256 + flg) % 31 == 0;
}

}  // namespace

bytes zlib_compress(std::span<const std::uint8_t> data) {
  uLongf bound = compressBound(static_cast<uLong>(data.size()));
  bytes out(bound);
  // Level 6 is Python's zlib.compress default.
  if (compress2(out.data(), &bound, data.data(), static_cast<uLong>(data.size()), 6) != Z_OK) {
    throw std::bad_alloc();  // compress2 fails only for lack of memory with a correct bound
  }
  out.resize(bound);
  return out;
}

std::optional<bytes> zlib_decompress(std::span<const std::uint8_t> data, std::size_t max_size) {
  if (!zlib_header(data)) return std::nullopt;
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) return std::nullopt;
  bytes out;
  out.resize(std::min<std::size_t>(max_size, std::max<std::size_t>(64, data.size() * 4)));
  zs.next_in = const_cast<Bytef*>(data.data());
  zs.avail_in = static_cast<uInt>(data.size());
  int rc = Z_OK;
  std::size_t produced = 0;
  for (;;) {
    zs.next_out = out.data() + produced;
    zs.avail_out = static_cast<uInt>(std::min<std::size_t>(out.size() - produced, 1u << 30));
    const uInt before = zs.avail_out;
    rc = inflate(&zs, Z_NO_FLUSH);
    produced += before - zs.avail_out;
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR) break;
    if (produced < out.size()) {
      if (rc == Z_BUF_ERROR) break;  // no progress possible: truncated input
      continue;
    }
    if (out.size() >= max_size) {
      rc = Z_MEM_ERROR;
      break;
    }
    out.resize(std::min(max_size, out.size() * 2));
  }
  const bool whole = rc == Z_STREAM_END && zs.avail_in == 0;
  inflateEnd(&zs);
  if (!whole) return std::nullopt;
  out.resize(produced);
  return out;
}

bytes decode_blob(std::span<const std::uint8_t> data) {
  if (auto inflated = zlib_decompress(data)) return std::move(*inflated);
  return bytes(data.begin(), data.end());
}

}  // namespace yws::store::detail
