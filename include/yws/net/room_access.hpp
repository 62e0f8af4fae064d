// yws/net/room_access.hpp: how code outside a connection reads and edits a room.
//
// A room (its doc, its awareness and its sessions) lives on one executor, a strand. Code that
// wants to touch it posts a function there; the function gets a `room_access`, valid only during
// that call. Edits made through it are broadcast to the room's clients like any client's edit.
//
//   server.post_to_room("notes", [](yws::net::room_access& room) {
//     room.doc().get_map("config").set("theme", "dark");   // broadcast as one update
//   });
//   // later, from anywhere (e.g. an upstream provider):
//   handle.post([](yws::net::room_access& room) { room.set_ready(); });
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "yws/protocol/awareness.hpp"

namespace yws::crdt {
class doc;
}

namespace yws::net {

namespace detail {
class room;
}

class room_handle;

// The state of one room, for the duration of one call on the room's executor.
// Thread safety: use only inside the function it was passed to (it is on the room's executor).
// Lifetime: do not keep it, nor references it returns, beyond that call; keep a room_handle.
class room_access {
 public:
  explicit room_access(detail::room& r) noexcept : room_(&r) {}

  // The room's current name (rename_room changes it).
  const std::string& name() const;
  // The room's document. Updates made to it are broadcast to the room's synced clients (and
  // given to the on_room_update hook) once the room is ready. Do not hold handles past the call.
  crdt::doc& doc();
  // The room's awareness; the server's own client id is the doc's. Changes made with the local
  // origin (set_local_state) are broadcast like clients' changes.
  protocol::awareness& awareness();
  // Milliseconds on the server's monotonic clock: the `now` of awareness calls.
  protocol::millis now() const;
  // Open sessions of this room.
  std::size_t session_count() const;
  // See server_options::rooms_ready. set_ready() is a one-way latch: it processes the sync
  // messages held so far, in arrival order, and captures updates from then on.
  bool ready() const;
  void set_ready();
  // A handle to post more work to this room later.
  room_handle handle() const;

 private:
  detail::room* room_;
};

// A reference to one loaded room, to post work to it from any thread.
// Thread safety: all members may be called from any thread.
// Lifetime: it keeps the room object alive but does not keep the room loaded: once the room has
// been unloaded (grace period over, delete_room, stop), post() drops the function and returns
// false. A new connection to the same name then gets a new room; use server::post_to_room to
// reach "whatever room currently has this name".
class room_handle {
 public:
  room_handle() = default;
  explicit room_handle(std::shared_ptr<detail::room> r) noexcept : room_(std::move(r)) {}

  bool valid() const noexcept { return room_ != nullptr; }
  // Runs `fn` on the room's executor, unless the room has been unloaded by then. Returns false
  // when the room is already known to be unloaded (fn is not run). An exception thrown by fn goes
  // to the exception_handler hook, as for any error in the room.
  bool post(std::function<void(room_access&)> fn) const;
  // The room's strand.
  boost::asio::any_io_executor get_executor() const;

 private:
  std::shared_ptr<detail::room> room_;
};

}  // namespace yws::net
