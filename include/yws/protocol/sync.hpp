// yws/protocol/sync.hpp: the y-protocols sync exchange (src/sync.js), sans-I/O.
//
// Each side sends sync step 1 (its state vector); the other answers with sync step 2 (what the
// first lacks); from then on every local change travels as an update message. handle_sync()
// applies what a peer sent to a doc and returns the reply to send back, if any; it never does
// I/O and never throws.
//
//   auto msg = yws::protocol::decode_message(frame);                    // or message_reader
//   if (!msg) return close(msg.error());
//   auto r = yws::protocol::handle_sync(doc, *msg, &connection, {.read_only = viewer});
//   if (!r) return close(r.error());              // the doc is unchanged
//   if (!r->reply.empty()) send(std::move(r->reply));
//   // applied updates reach other peers through doc.on_update (origin = &connection)
//
// Thread safety: none beyond the doc's (one thread per doc).
#pragma once

#include <cstdint>
#include <vector>

#include "yws/crdt/doc.hpp"
#include "yws/error.hpp"
#include "yws/protocol/message.hpp"

namespace yws::protocol {

// Sync step 1 carrying `d`'s state vector: what each side sends first.
std::vector<std::uint8_t> encode_sync_step1(const crdt::doc& d);
// Sync step 2 answering a peer whose encoded state vector is `remote_state_vector`. Errors: the
// state vector's decoding error.
[[nodiscard]] result<std::vector<std::uint8_t>> encode_sync_step2(const crdt::doc& d,
                                                                  std::span<const std::uint8_t> remote_state_vector);

struct sync_options {
  // A read-only peer may ask for the document (step 1) but its step 2 and update messages are
  // dropped, as PROTOCOL.md recommends.
  bool read_only = false;
};

struct sync_result {
  // A complete frame for the sender: the step 2 answering its step 1. Empty when there is nothing
  // to send.
  std::vector<std::uint8_t> reply;
  // True when a step 2 or update was dropped because the peer is read-only.
  bool blocked = false;
};

// Handles one sync message (sync_step1, sync_step2 or sync_update) for `d`. Updates are applied
// with apply_update_v1 and origin `o`. Errors: the update's or state vector's decoding error (the
// doc is then unchanged; y-protocols only logs, a server should close the connection);
// errc::invalid_argument when `m` is not a sync message.
[[nodiscard]] result<sync_result> handle_sync(crdt::doc& d, const message& m, crdt::origin o,
                                              const sync_options& opts = {});

}  // namespace yws::protocol
