// store/file/log_format.hpp: the framing of a room log (docs/store-format.md, "file store").
//
//   log     := magic header-record record*
//   magic   := 89 'Y' 'W' 'S' 'L' 'O' 'G' 0A
//   record  := header_crc:u32 length:u32 type:u8 payload_crc:u32 payload[length]   (little endian)
//              header_crc = CRC-32 of the 9 bytes length..payload_crc, payload_crc = CRC-32 of
//              the payload (zlib's CRC-32)
//   header  := type 1, payload varUint(format version = 1) varUint8Array(room name)
//   update  := type 2, payload f64le(timestamp) varUint8Array(metadata) update-bytes
//   snapshot:= type 3, same payload; the merged state written by compaction, first after the header
//
// Recovery rules (scan_records): bytes after the last whole record that a crash can leave (a
// partial record, a last record failing its payload checksum, zero fill) are a torn tail to cut;
// anything else that fails its checks is corruption.
//
// Thread safety: free functions over the caller's buffers.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "yws/store/store.hpp"

namespace yws::store::detail {

inline constexpr std::array<std::uint8_t, 8> log_magic = {0x89, 'Y', 'W', 'S', 'L', 'O', 'G', 0x0a};
inline constexpr std::uint64_t log_format_version = 1;
inline constexpr std::size_t frame_header_size = 13;
// No record is larger: a length above it in a header with a valid checksum is corruption.
inline constexpr std::uint32_t max_record_payload = 1u << 30;

enum class record_type : std::uint8_t { header = 1, update = 2, snapshot = 3 };

// Appends one framed record.
void append_frame(bytes& out, record_type type, std::span<const std::uint8_t> payload);
// Appends an update or snapshot record.
void append_update_record(bytes& out, record_type type, double timestamp,
                          std::span<const std::uint8_t> metadata, std::span<const std::uint8_t> update);
// The magic and the header record of a new log for `room`.
bytes encode_log_start(std::string_view room);

struct log_start {
  std::string room;
  std::uint64_t data_start = 0;  // offset of the first record after the header
};
// Reads the magic and header record. errc::corruption if they are missing or damaged.
[[nodiscard]] result<log_start> parse_log_start(std::span<const std::uint8_t> file);

struct log_entry {
  record_type type = record_type::update;
  double timestamp = 0;
  std::span<const std::uint8_t> metadata;  // into the scanned buffer
  std::span<const std::uint8_t> update;    // into the scanned buffer
  std::uint64_t offset = 0;                // of the frame, in the buffer
  std::uint64_t end = 0;                   // one past the frame
};

struct scanned_log {
  std::vector<log_entry> entries;
  std::uint64_t valid_end = 0;  // end of the last whole record
  bool torn_tail = false;       // bytes after valid_end to cut
};

// Scans the records of `file` from `start` to its end. errc::corruption for damage that a crash
// cannot explain (see the recovery rules above).
[[nodiscard]] result<scanned_log> scan_records(std::span<const std::uint8_t> file, std::uint64_t start);

}  // namespace yws::store::detail
