#include "fixtures.hpp"

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "yws/encoding/decoder.hpp"
#include "yws/encoding/json.hpp"

namespace yws::bench {

std::filesystem::path fixtures_dir() {
  if (const char* shared = std::getenv("YWS_SHARED_DIR"); shared != nullptr && *shared != '\0')
    return std::filesystem::path(shared) / "fixtures";
  return YWS_SHARED_FIXTURES;
}

result<std::vector<std::uint8_t>> read_fixture(std::string_view name) {
  std::ifstream in(fixtures_dir() / name, std::ios::binary);
  if (!in) return errc::not_found;
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return errc::io_error;
  return bytes;
}

namespace {

// Both binary fixtures are varUint(n) followed by n entries: reads the file into `out.bytes`, then
// `read_entry(dec, out)` n times. Entries take at least `min_entry_bytes`, which bounds n (and so
// any reservation) by the file size; trailing bytes are an error.
template <class T, class ReadEntry>
result<T> read_counted(std::string_view name, std::size_t min_entry_bytes, ReadEntry read_entry) {
  YWS_TRY(bytes, read_fixture(name));
  T out{std::move(bytes), {}};
  encoding::decoder dec(out.bytes);
  YWS_TRY(n, dec.read_var_uint32());
  if (n > out.bytes.size() / min_entry_bytes) return errc::malformed_update;
  for (std::uint32_t i = 0; i < n; ++i) YWS_TRY_VOID(read_entry(dec, out));
  if (!dec.at_end()) return errc::malformed_update;
  return out;
}

result<void> read_trace_op(encoding::decoder& dec, trace& t) {
  YWS_TRY(tag, dec.read_var_uint32());
  YWS_TRY(index, dec.read_var_uint32());
  trace_op op{tag == 1, index, 0, {}};
  if (tag == 1) {
    YWS_TRY(chunk, dec.read_var_string_view());
    op.chunk = chunk;
  } else if (tag == 2) {
    YWS_TRY(len, dec.read_var_uint32());
    op.len = len;
  } else {
    return errc::malformed_update;
  }
  t.ops.push_back(op);
  return {};
}

result<void> read_stream_update(encoding::decoder& dec, update_stream& s) {
  YWS_TRY(update, dec.read_var_bytes());
  s.updates.push_back(update);
  return {};
}

}  // namespace

result<trace> read_trace(std::string_view name) { return read_counted<trace>(name, 3, read_trace_op); }

result<update_stream> read_update_stream(std::string_view name) {
  return read_counted<update_stream>(name, 1, read_stream_update);
}

result<std::uint32_t> read_final_length(std::string_view json_name) {
  YWS_TRY(bytes, read_fixture(json_name));
  YWS_TRY(meta, encoding::parse_json(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())));
  const encoding::any* len = meta.find("finalLength");
  if (len == nullptr || !len->is_number() || len->as_number() < 0 || len->as_number() > 4294967295.0)
    return errc::invalid_json;
  return static_cast<std::uint32_t>(len->as_number());
}

std::uint32_t fnv1a32(std::span<const std::uint8_t> bytes) noexcept {
  std::uint32_t h = 0x811c9dc5u;
  for (std::uint8_t b : bytes) {
    h ^= b;
    h *= 0x01000193u;
  }
  return h;
}

std::uint32_t fnv1a32(std::string_view text) noexcept {
  return fnv1a32(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

}  // namespace yws::bench
