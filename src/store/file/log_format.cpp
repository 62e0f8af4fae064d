#include "store/file/log_format.hpp"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "yws/encoding/decoder.hpp"
#include "yws/encoding/encoder.hpp"

namespace yws::store::detail {
namespace {

std::uint32_t crc_of(std::span<const std::uint8_t> data) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths: feed large buffers in pieces.
  while (!data.empty()) {
    const std::size_t n = std::min<std::size_t>(data.size(), 1u << 30);
    crc = crc32(crc, data.data(), static_cast<uInt>(n));
    data = data.subspan(n);
  }
  return static_cast<std::uint32_t>(crc);
}

void put_u32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::uint32_t get_u32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

void put_f64(bytes& out, double v) {
  const auto bits = std::bit_cast<std::uint64_t>(v);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(bits >> (8 * i)));
}

double get_f64(const std::uint8_t* p) {
  std::uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) bits |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return std::bit_cast<double>(bits);
}

bool all_zero(std::span<const std::uint8_t> data) {
  return std::all_of(data.begin(), data.end(), [](std::uint8_t b) { return b == 0; });
}

bool known_type(std::uint8_t t) { return t >= 1 && t <= 3; }

// Decodes the payload of an update or snapshot record into `e`.
result<void> decode_update_payload(std::span<const std::uint8_t> payload, log_entry& e) {
  if (payload.size() < 8) return errc::corruption;
  e.timestamp = get_f64(payload.data());
  encoding::decoder dec(payload.subspan(8));
  auto metadata = dec.read_var_bytes();
  if (!metadata) return errc::corruption;
  e.metadata = *metadata;
  e.update = dec.rest();
  return {};
}

}  // namespace

void append_frame(bytes& out, record_type type, std::span<const std::uint8_t> payload) {
  const std::size_t at = out.size();
  out.resize(at + frame_header_size);
  std::uint8_t* h = out.data() + at;
  put_u32(h + 4, static_cast<std::uint32_t>(payload.size()));
  h[8] = static_cast<std::uint8_t>(type);
  put_u32(h + 9, crc_of(payload));
  put_u32(h, crc_of(std::span<const std::uint8_t>(h + 4, 9)));
  out.insert(out.end(), payload.begin(), payload.end());
}

void append_update_record(bytes& out, record_type type, double timestamp,
                          std::span<const std::uint8_t> metadata, std::span<const std::uint8_t> update) {
  bytes payload;
  payload.reserve(8 + 5 + metadata.size() + update.size());
  put_f64(payload, timestamp);
  encoding::encoder enc;
  enc.write_var_bytes(metadata);
  payload.insert(payload.end(), enc.data().begin(), enc.data().end());
  payload.insert(payload.end(), update.begin(), update.end());
  append_frame(out, type, payload);
}

bytes encode_log_start(std::string_view room) {
  bytes out(log_magic.begin(), log_magic.end());
  encoding::encoder enc;
  enc.write_var_uint(log_format_version);
  enc.write_var_bytes(std::span(reinterpret_cast<const std::uint8_t*>(room.data()), room.size()));
  append_frame(out, record_type::header, enc.data());
  return out;
}

result<log_start> parse_log_start(std::span<const std::uint8_t> file) {
  if (file.size() < log_magic.size() + frame_header_size ||
      !std::equal(log_magic.begin(), log_magic.end(), file.begin())) {
    return errc::corruption;
  }
  const std::uint8_t* h = file.data() + log_magic.size();
  const std::uint32_t length = get_u32(h + 4);
  if (get_u32(h) != crc_of(std::span<const std::uint8_t>(h + 4, 9)) ||
      h[8] != static_cast<std::uint8_t>(record_type::header) ||
      length > file.size() - log_magic.size() - frame_header_size) {
    return errc::corruption;
  }
  const auto payload = file.subspan(log_magic.size() + frame_header_size, length);
  if (get_u32(h + 9) != crc_of(payload)) return errc::corruption;
  encoding::decoder dec(payload);
  auto version = dec.read_var_uint();
  if (!version) return errc::corruption;
  if (*version != log_format_version) return errc::unsupported_feature;
  auto room = dec.read_var_bytes();
  if (!room) return errc::corruption;
  log_start out;
  out.room.assign(reinterpret_cast<const char*>(room->data()), room->size());
  out.data_start = log_magic.size() + frame_header_size + length;
  return out;
}

result<scanned_log> scan_records(std::span<const std::uint8_t> file, std::uint64_t start) {
  scanned_log out;
  std::uint64_t pos = start;
  const std::uint64_t size = file.size();
  while (pos < size) {
    const std::uint64_t left = size - pos;
    if (left < frame_header_size) {  // a header cut short can only be the tail
      out.torn_tail = true;
      break;
    }
    const std::uint8_t* h = file.data() + pos;
    if (get_u32(h) != crc_of(std::span<const std::uint8_t>(h + 4, 9))) {
      // A crash may leave zeros where a record was being written; anything else is damage.
      if (all_zero(file.subspan(pos))) {
        out.torn_tail = true;
        break;
      }
      return errc::corruption;
    }
    const std::uint32_t length = get_u32(h + 4);
    if (!known_type(h[8]) || length > max_record_payload) return errc::corruption;
    if (length > left - frame_header_size) {  // the record's end never reached the disk
      out.torn_tail = true;
      break;
    }
    const auto payload = file.subspan(pos + frame_header_size, length);
    const std::uint64_t end = pos + frame_header_size + length;
    if (get_u32(h + 9) != crc_of(payload)) {
      // The last record (possibly followed by zero fill), written but not synced before a crash.
      if (all_zero(file.subspan(end))) {
        out.torn_tail = true;
        break;
      }
      return errc::corruption;
    }
    const auto type = static_cast<record_type>(h[8]);
    if (type == record_type::header) return errc::corruption;  // only one, at the start
    log_entry e;
    e.type = type;
    e.offset = pos;
    e.end = end;
    YWS_TRY_VOID(decode_update_payload(payload, e));
    out.entries.push_back(e);
    pos = end;
  }
  out.valid_end = pos;
  return out;
}

}  // namespace yws::store::detail
