// yws/protocol/peer.hpp: everything the y-websocket protocol does for one connection, sans-I/O.
//
// A `peer` is the server's (or a client's) side of one connection to a shared doc and awareness:
// greeting() gives the frames to send first (sync step 1, then every awareness state, as
// y-websocket's server does), handle() takes each received frame (one message, or several
// concatenated as yrs sends them) and returns the frames to send back plus what changed, and
// close() removes the awareness states this connection spoke for. Document and awareness changes
// reach the other connections through the doc's and the awareness' own events, whose origin is
// this peer's `origin`.
//
//   yws::protocol::peer p(room.doc, room.awareness, {.origin = this, .read_only = viewer});
//   for (auto& f : p.greeting()) send(std::move(f));
//   ... on each frame:
//   auto r = p.handle(frame, now_ms());
//   for (auto& f : r.replies) send(std::move(f));
//   if (r.error) close_connection(r.error);
//   ... when the connection ends:
//   p.close(now_ms());                               // fires awareness events with `origin`
//
// Thread safety: none; use on the thread that owns the doc and awareness.
// Lifetime: refers to the doc and the awareness, which must outlive it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "yws/crdt/doc.hpp"
#include "yws/protocol/awareness.hpp"
#include "yws/protocol/message.hpp"

namespace yws::protocol {

struct peer_options {
  // Origin of this connection's doc transactions and awareness changes (compare it in event
  // handlers to avoid echoing a peer's own changes back to it).
  protocol::origin origin = nullptr;
  // Drop sync step 2 and update messages (PROTOCOL.md's read-only peers).
  bool read_only = false;
  // Drop awareness messages too (PROTOCOL.md's optional stricter read-only mode).
  bool accept_awareness = true;
};

// What handling one frame did.
struct [[nodiscard]] frame_result {
  // Frames to send back to this peer, in order (a step 2 per step 1, the awareness states per
  // query-awareness).
  std::vector<std::vector<std::uint8_t>> replies;
  // The awareness changes the frame's awareness messages caused (y-protocols 'update' sets,
  // concatenated in message order).
  awareness_changes awareness;
  std::size_t handled = 0;  // messages handled, including dropped ones
  std::size_t blocked = 0;  // messages dropped because of the peer's options
  // Sync step 2 messages handled (dropped ones included): for a client, the server's answers
  // to its step 1s, which is how a provider knows it is synced.
  std::size_t step2s = 0;
  // The reason of the last permission-denied auth message (clients get these from servers).
  std::optional<std::string> permission_denied;
  // The first failure (undecodable message, update or awareness update). The messages before it
  // took effect; the one that failed and those after it did not. The connection should be closed.
  std::error_code error;
};

class peer {
 public:
  peer(crdt::doc& d, awareness& aw, peer_options opts);

  // Sync step 1, then (when there is any state) an awareness message with every state.
  std::vector<std::vector<std::uint8_t>> greeting() const;
  // Handles every message of `frame` (a decoded message views the frame only during this call).
  frame_result handle(std::span<const std::uint8_t> frame, millis now);
  // Removes the awareness states of the clients this connection controlled (with this peer's
  // origin) and returns the changes; afterwards the peer controls none. Idempotent.
  awareness_changes close(millis now);

  // The awareness clients this connection's messages added or updated and did not remove since.
  const controlled_clients& controlled() const noexcept { return controlled_; }
  const peer_options& options() const noexcept { return opts_; }

 private:
  std::error_code handle_message(const message& m, frame_result& out, millis now);

  crdt::doc& doc_;
  awareness& awareness_;
  peer_options opts_;
  controlled_clients controlled_;
};

}  // namespace yws::protocol
