// yws/net/server_options.hpp: the knobs of the sync server, with their defaults and why.
//
//   yws::net::server_options opts{.port = 0, .threads = 2};
//   opts.room_grace = std::chrono::seconds(0);           // unload a room as soon as it is empty
//   if (auto ok = yws::net::validate(opts); !ok) fail(ok.error());
//
// Thread safety: a value type. The server copies it at construction.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "yws/error.hpp"

namespace spdlog {
class logger;
}

namespace yws::store {
class store;
}

namespace yws::net {

// Where rooms keep their documents (see docs/architecture.md "Rooms and the store"). With a store,
// a room loads its doc from it before it answers any client, and every update it applies is
// appended before it is broadcast (the echo a client gets is its acknowledgement). Store calls
// block on disk, so they run on a pool of `threads` threads of their own, never on a room's strand.
struct storage_options {
  // nullptr: rooms start empty and nothing is kept (hooks may still do it, see hooks.hpp).
  // The store is shared with the embedder, who may keep using it (stores are thread-safe); the
  // server calls it from start() until stop() returned, and flushes it in stop().
  std::shared_ptr<store::store> store;
  unsigned threads = 2;
  // A room whose stored history passes either bound (records, or stored bytes) is compacted in
  // the background (store::compact on the pool; the room goes on meanwhile). 0 = never.
  std::uint64_t compact_records = 10000;
  std::uint64_t compact_bytes = 16u << 20;
};

struct server_options {
  // Built-in listener. `listen = false` runs no listener: an embedder hands connections over
  // (server::serve_websocket / server::handle_upgrade). Port 0 binds an ephemeral port; read it
  // back with server::local_port().
  bool listen = true;
  std::string host = "127.0.0.1";
  std::uint16_t port = 1234;  // y-websocket's default
  // I/O threads; 0 = one per core (std::thread::hardware_concurrency()). Rooms are confined to
  // strands, so any number is safe.
  unsigned threads = 0;

  // A client message larger than this closes the connection with 1009. Yjs sends a whole
  // document in one sync step 2, so this bounds the document size a client can upload at once.
  std::size_t max_message_bytes = 16u << 20;
  // Bytes a session may have waiting to be written (not counting the message being written).
  // A message that finds the queue already at or over this limit closes the session with 1013
  // instead of being dropped, because a Yjs peer cannot skip an update; the client reconnects and
  // catches up with a state-vector diff. So a session holds at most this plus two messages.
  std::size_t max_queued_bytes = 8u << 20;
  // Frames received while a room loads from the store, and sync messages received while it is
  // not ready (see rooms_ready), wait in the room; over this many bytes (the two together) the
  // session that sent the next one is closed with 1013.
  std::size_t max_deferred_bytes = 16u << 20;

  // Keepalive: a WebSocket ping after this long without one (y-websocket's server pings every
  // 30 s too), and a connection from which nothing (message, ping or pong) arrived for
  // idle_timeout is closed without a handshake: the peer is gone.
  std::chrono::milliseconds ping_interval = std::chrono::seconds(30);
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
  // Deadline for reading the HTTP request and completing the WebSocket handshake.
  std::chrono::milliseconds handshake_timeout = std::chrono::seconds(30);
  // Deadline for a closing handshake (ours or the peer's); after it the socket is just closed.
  std::chrono::milliseconds close_timeout = std::chrono::seconds(5);
  // stop() waits this long for sessions to finish their closing handshakes (1001) before it
  // closes the remaining sockets.
  std::chrono::milliseconds shutdown_timeout = std::chrono::seconds(10);

  // How long an empty room (no session, no pending room call) stays loaded: 0 = unload at once
  // (pycrdt-websocket's auto_clean_rooms), nullopt = never unload.
  std::optional<std::chrono::milliseconds> room_grace = std::chrono::seconds(30);
  // Whether new rooms start ready. A room that is not ready accepts clients and serves awareness,
  // but holds their sync messages and broadcasts no document update until it is set ready (see
  // docs/architecture.md "Ready rooms").
  bool rooms_ready = true;

  // Awareness: remote states not renewed for this long are removed; the server's own state {}
  // is renewed at half of it and the timers are checked at a tenth (y-protocols' 30 s / 15 s / 3 s).
  std::chrono::milliseconds awareness_timeout = std::chrono::seconds(30);

  // Room names (URL path without the leading '/' and the query, percent-decoded): at most this
  // many bytes of valid UTF-8 without control characters; others get HTTP 400.
  std::size_t max_room_name_bytes = 512;

  // `Server` header of HTTP responses and of the WebSocket handshake.
  std::string server_name = "yws";
  // The durable store of room documents (none by default).
  storage_options storage;

  // Where the server logs; nullptr = spdlog's default logger.
  std::shared_ptr<spdlog::logger> logger;
};

// Checks an options value once, before a server is built from it. Errors: errc::invalid_argument
// (a zero limit or timeout, a ping interval not below the idle timeout, an empty host,
// a store with 0 threads).
[[nodiscard]] result<void> validate(const server_options& opts);

}  // namespace yws::net
