// yws/protocol/message.hpp: the y-websocket message codec (y-protocols 1.0.7 framing).
//
// A message is `varUint(message_type)` followed by its body:
//   0 sync            varUint(sync_type) varUint8Array(payload)   step1: state vector,
//                                                                 step2 / update: v1 update
//   1 awareness       varUint8Array(awareness update)             (see awareness.hpp)
//   2 auth            varUint(0) varString(reason) = permission denied (y-protocols auth.js);
//                     varUint(1) = permission granted (yrs)
//   3 query-awareness (no body); the answer is an awareness message with every known state
//
// JS peers put one message in each WebSocket frame; yrs may concatenate several, so decoding goes
// through `message_reader`, which yields the messages of a frame one by one. Encoders write one
// message per buffer, the form every peer accepts. Decoded messages are views into the frame (no
// copy); encoded ones are plain byte vectors, so a broadcast is encoded once and shared.
//
//   yws::protocol::message_reader reader(frame);
//   while (!reader.at_end()) {
//     auto msg = reader.next();
//     if (!msg) return close_connection(msg.error());
//     if (auto* s1 = std::get_if<yws::protocol::sync_step1>(&*msg)) send(...);
//   }
//   std::vector<std::uint8_t> out = yws::protocol::encode_sync_update(update);  // shared by all
//
// Thread safety: free functions and value types. Lifetime: decoded messages view the frame they
// were decoded from and must not outlive it.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "yws/encoding/encoder.hpp"
#include "yws/error.hpp"

namespace yws::protocol {

// Outer message types (y-websocket, yrs `sync::protocol`).
enum class message_type : std::uint8_t { sync = 0, awareness = 1, auth = 2, query_awareness = 3 };
// Sync sub-types (y-protocols sync.js).
enum class sync_type : std::uint8_t { step1 = 0, step2 = 1, update = 2 };
// Auth sub-types: y-protocols defines only 0; yrs also writes 1.
enum class auth_type : std::uint8_t { permission_denied = 0, permission_granted = 1 };

// Sync step 1: the sender's encoded v1 state vector; the answer is a step 2.
struct sync_step1 {
  std::span<const std::uint8_t> state_vector;
};
// Sync step 2: a v1 update holding what the receiver lacked (the answer to a step 1).
struct sync_step2 {
  std::span<const std::uint8_t> update;
};
// An incremental v1 document update.
struct sync_update {
  std::span<const std::uint8_t> update;
};
// An encoded awareness update (decode it with awareness.hpp).
struct awareness_message {
  std::span<const std::uint8_t> update;
};
// Auth. `reason` is set for permission_denied only, and holds the bytes as sent (not validated
// UTF-8).
struct auth_message {
  auth_type type = auth_type::permission_denied;
  std::string_view reason;
};
// A request for every awareness state the receiver knows.
struct query_awareness {};

using message = std::variant<sync_step1, sync_step2, sync_update, awareness_message, auth_message, query_awareness>;

// The outer type of a decoded message.
message_type type_of(const message& m) noexcept;
// True for the messages that change a document (sync step 2 and update): the ones PROTOCOL.md
// says to drop from read-only peers.
bool is_document_write(const message& m) noexcept;

// Reads the messages of one frame in order. After an error the reader is at its end: the rest of
// the frame cannot be delimited, so it is not read. Errors: errc::unknown_message_type for an outer,
// sync or auth type it does not know; the decoder's error (e.g. unexpected_end_of_buffer) for
// truncated input.
// Thread safety: none. Lifetime: views `frame`, which must outlive the reader and the messages.
class message_reader {
 public:
  explicit message_reader(std::span<const std::uint8_t> frame) noexcept : rest_(frame) {}

  bool at_end() const noexcept { return rest_.empty(); }
  // Requires: !at_end().
  [[nodiscard]] result<message> next();

 private:
  std::span<const std::uint8_t> rest_;
};

// Decodes a frame holding exactly one message. Trailing bytes are errc::malformed_message (use
// message_reader for frames that may hold several); an empty frame is also malformed_message.
[[nodiscard]] result<message> decode_message(std::span<const std::uint8_t> frame);

// Appends `m` to `enc` (to build a frame of several messages, or to encode into a reused buffer).
void write_message(encoding::encoder& enc, const message& m);
// `m` as one frame. Round-trips decode_message.
std::vector<std::uint8_t> encode_message(const message& m);

// (The sync step 1 and 2 of a doc are encoded by encode_sync_step1/2 in sync.hpp.)
// Any sync message around an already encoded payload (a state vector for step 1, a v1 update
// otherwise).
std::vector<std::uint8_t> encode_sync_message(sync_type type, std::span<const std::uint8_t> payload);
// An update message carrying the v1 `update` (what a doc's on_update handler broadcasts).
std::vector<std::uint8_t> encode_sync_update(std::span<const std::uint8_t> update);
// An awareness message carrying an encoded awareness update (awareness::encode_update).
std::vector<std::uint8_t> encode_awareness_message(std::span<const std::uint8_t> awareness_update);
std::vector<std::uint8_t> encode_query_awareness();
std::vector<std::uint8_t> encode_permission_denied(std::string_view reason);
std::vector<std::uint8_t> encode_permission_granted();

}  // namespace yws::protocol
