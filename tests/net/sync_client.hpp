// A y-websocket peer for tests: a doc and an awareness synced with the server through ws_client,
// using the protocol module's sans-I/O peer (as a y-websocket provider would behave).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "net/test_client.hpp"
#include "yws/crdt/doc.hpp"
#include "yws/protocol/awareness.hpp"
#include "yws/protocol/message.hpp"
#include "yws/protocol/peer.hpp"

namespace yws::net::test {

// Milliseconds on the steady clock (awareness time).
protocol::millis now_ms();

inline crdt::doc::options with_client_id(std::uint64_t id) {
  crdt::doc::options o;
  o.client_id = id;
  return o;
}

// Thread safety: none. Lifetime: owns its doc, awareness and connection.
class sync_client {
 public:
  explicit sync_client(std::uint64_t client_id);
  ~sync_client();

  // Connects to ws://127.0.0.1:port/<room> and sends the greeting (sync step 1 and our awareness
  // state), as a y-websocket provider does on open. Returns the HTTP status (101 = connected).
  int connect(std::uint16_t port, std::string_view room);
  // Handles the next frame. False when the connection closed or the wait timed out.
  bool pump_one(std::chrono::milliseconds timeout = default_timeout);
  // Handles frames until pred() holds (checked first). False on close or timeout.
  bool pump_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout = default_timeout);
  // Until a sync step 2 has arrived (the server answered our step 1).
  bool wait_synced(std::chrono::milliseconds timeout = default_timeout) {
    return pump_until([&] { return synced_; }, timeout);
  }
  // connect() == 101, then wait_synced().
  bool join(std::uint16_t port, std::string_view room) { return connect(port, room) == 101 && wait_synced(); }
  // Document update messages received so far (echoes of our own included).
  std::size_t updates_received() const { return count(protocol::message_type::sync, protocol::sync_type::update); }
  // Until at least `n` update messages have arrived.
  bool wait_updates(std::size_t n, std::chrono::milliseconds timeout = default_timeout) {
    return pump_until([&] { return updates_received() >= n; }, timeout);
  }
  // A query-awareness and its answer: everything the room queued for us before has arrived.
  bool round_trip(std::chrono::milliseconds timeout = default_timeout);
  // Sets our awareness state (sent to the server like a provider does).
  void set_awareness(const encoding::any& state);

  bool synced() const { return synced_; }
  // The outer type and sync type (or 255) of every message received, in order.
  struct received_kind {
    protocol::message_type type;
    std::uint8_t sync;  // protocol::sync_type for sync messages, else 255
  };
  const std::vector<received_kind>& received() const { return received_; }
  std::size_t count(protocol::message_type t, std::optional<protocol::sync_type> s = std::nullopt) const;

  crdt::doc doc;
  protocol::awareness awareness;
  ws_client ws;

 private:
  protocol::peer peer_;
  crdt::subscription doc_sub_;
  crdt::subscription awareness_sub_;
  bool synced_ = false;
  std::vector<received_kind> received_;
};

}  // namespace yws::net::test
