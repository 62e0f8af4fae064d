// yws/net/hooks.hpp: the extension points of the sync server, with pycrdt-websocket's meanings.
//
//   yws::net::server_hooks hooks;
//   hooks.on_connect = [](const yws::net::connect_request& req) {
//     if (req.http[boost::beast::http::field::authorization] != "Bearer s3cret")
//       return yws::net::connect_decision::reject(boost::beast::http::status::unauthorized);
//     return yws::net::connect_decision::accept();
//   };
//   hooks.on_room_update = [&](yws::net::room_access& room, std::span<const std::uint8_t> u) {
//     audit_log.push(room.name(), u);   // quick, non-blocking: it runs on the room's executor
//   };
//
// Durable stores are not wired through hooks: give the server one (server_options::storage, a
// yws::store::store) and it loads rooms before serving them, appends every update before it is
// broadcast, flushes on unload and compacts in the background, all off the rooms' executors.
// The hooks keep their meaning with or without a store.
//
// Every hook is optional. Hooks that take a room_access run on that room's executor, inside the
// room's error isolation: an exception goes to `exception_handler`. They must be quick (they hold
// up the room) and must not edit the doc unless documented.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

#include "yws/error.hpp"
#include "yws/net/room_access.hpp"

namespace yws::crdt {
class doc;
}

namespace yws::net {

// Why a session ended; each maps to one WebSocket close code we send (or none) and to one label
// of the yws_sessions_closed_total metric. Values are stable.
enum class close_reason : std::uint8_t {
  client_closed,     // the client started the closing handshake (its code is in disconnect_info)
  connection_lost,   // the TCP connection failed, was reset, or a handshake timed out
  idle_timeout,      // nothing received for idle_timeout; socket closed without a handshake
  server_shutdown,   // server::stop: 1001 going away
  room_closed,       // delete_room: 1001 going away
  room_error,        // the room failed (factory error, or the exception handler gave up): 1011
  overflow,          // outbound queue over max_queued_bytes (or deferred bytes): 1013
  message_too_big,   // an incoming message over max_message_bytes: 1009
  protocol_error,    // a malformed y-websocket message or an invalid update: 1002
  unsupported_data,  // a text frame, or a message type yws does not speak: 1003
};
inline constexpr std::size_t close_reason_count = 10;
// The metric label: "client_closed", "overflow", ...
std::string_view to_string(close_reason r) noexcept;

// One connection, as hooks and logs name it.
struct peer_info {
  std::uint64_t session_id = 0;  // unique within a server run
  std::string remote;            // "address:port" of the client (or "unknown")
};

// An upgrade request reaching the built-in listener (or server::handle_upgrade).
struct connect_request {
  const boost::beast::http::request<boost::beast::http::string_body>& http;
  std::string_view room;  // the room name parsed from the target
  const peer_info& peer;
};

// What on_connect decided: accept, or answer the upgrade request with an HTTP error.
struct connect_decision {
  std::optional<boost::beast::http::status> reject_status;  // nullopt = accept
  std::string reject_body;

  static connect_decision accept() { return {}; }
  static connect_decision reject(boost::beast::http::status status, std::string body = {}) {
    return {status, std::move(body)};
  }
};

// A session that ended.
struct disconnect_info {
  std::string_view room;
  const peer_info& peer;
  close_reason reason;
  std::uint16_t close_code = 0;  // the code sent or received in the closing handshake; 0 = none
};

// The room side of an upstream connection (pycrdt-websocket's provider_factory): it keeps a
// room's doc in sync with another server. The C++ client issue provides one.
// Thread safety: start() and stop() are called on the room's executor; the provider must touch
// the doc only there (through the room_handle it got from room_access::handle()).
// Lifetime: created when the room is set up, stopped and destroyed when the room unloads.
class upstream_provider {
 public:
  virtual ~upstream_provider() = default;
  virtual void start() = 0;
  // After stop() returns the provider must not post to the room any more.
  virtual void stop() = 0;
};

struct server_hooks {
  // Before the WebSocket handshake, on the connection's executor: accept, or reject with an
  // HTTP status (pycrdt-websocket's ASGIServer on_connect, with a status instead of a bool).
  // Not run for server::serve_websocket, whose caller did its own handshake. An exception answers
  // 500.
  std::function<connect_decision(const connect_request&)> on_connect;
  // After a session ended and left its room, on the connection's executor.
  std::function<void(const disconnect_info&)> on_disconnect;
  // Sees every binary message before the room does; return true to skip it (pycrdt-websocket's
  // on_message). The place for custom message types, read-only policies, rate limits.
  std::function<bool(room_access&, const peer_info&, std::span<const std::uint8_t> frame)> on_message;
  // A message the room could not use (malformed, unknown type, an update that does not apply):
  // return true to ignore it and go on, false to close the session with the documented code
  // (pycrdt-websocket's on_message_error). Without the hook the session is closed.
  std::function<bool(room_access&, const peer_info&, std::error_code, std::span<const std::uint8_t> frame)>
      on_message_error;
  // An exception escaped room code (a hook, a posted function, a broken invariant). Return true
  // when handled: the room goes on. Return false to close the room: its sessions get 1011 and it
  // is unloaded. Without the hook the exception is logged and the room goes on (pycrdt-websocket's
  // exception_logger). Never stops the server or another room.
  std::function<bool(std::exception_ptr, std::string_view room)> exception_handler;

  // Provides the doc of a new room, on the room's executor, before any client is served (e.g. to
  // choose doc options, or to load it from somewhere else than server_options::storage). With a
  // store, the stored updates are then applied to that doc on the store's pool before anyone is
  // served. An error closes the waiting sessions with 1011 and unloads the room. Without the hook
  // a room starts with an empty doc.
  std::function<result<std::unique_ptr<crdt::doc>>(std::string_view room)> room_factory;
  // Every update the room captures (see rooms_ready), after it was applied, in order. Must not
  // edit the doc. With a store it runs when the update is captured, before its append returned.
  std::function<void(room_access&, std::span<const std::uint8_t> update)> on_room_update;
  // The room is about to be unloaded (grace period over, delete_room, stop): last chance to flush.
  std::function<void(room_access&)> on_room_unload;
  // Creates the room's upstream provider when the room is set up (nullptr = none).
  std::function<std::unique_ptr<upstream_provider>(room_access&)> upstream_provider_factory;
};

}  // namespace yws::net
