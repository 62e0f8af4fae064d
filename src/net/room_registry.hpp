// The rooms of a server by name, with the use counts that decide when a room unloads.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "yws/error.hpp"

namespace yws::net::detail {

class room;
class server_core;

// A room is "in use" from acquire() to release(): by a session (for its whole life) or by one
// server::post_to_room call. When the count drops to 0 the grace period starts (on the room's
// strand); when it ends, try_unload() removes the room if it is still unused. The count and the
// map change only under one mutex, so a connection arriving as the grace period ends either keeps
// the room or gets a new one, never a room that is being unloaded.
//
// Thread safety: every member may be called from any thread. Lifetime: owned by the server core.
class room_registry {
 public:
  explicit room_registry(server_core& core) noexcept : core_(core) {}

  // The room of that name, created when absent, counted as in use once more. nullptr once the
  // registry is closed (the server is stopping).
  std::shared_ptr<room> acquire(std::string_view name);
  // One use less. At zero: unload now (grace 0), start the grace timer, or nothing (never).
  void release(const std::shared_ptr<room>& r);
  // The grace period of `r` ended: unload it if it is still registered and unused.
  void try_unload(const std::shared_ptr<room>& r);
  // Unregisters `r` (if still registered) and stops it with 1011: its setup or its exception
  // handler failed.
  void fail(const std::shared_ptr<room>& r);

  std::shared_ptr<room> find(std::string_view name) const;
  std::vector<std::string> names() const;
  std::size_t size() const;
  [[nodiscard]] result<void> rename(std::string_view from, std::string_view to);
  // Unregisters the room and stops it (sessions get 1001). Errors: errc::not_found.
  [[nodiscard]] result<void> remove(std::string_view name);
  // Refuses new rooms and returns every registered room, unregistered (stop()).
  std::vector<std::shared_ptr<room>> close();

 private:
  // Requires: mu_ held; `r` is not a reference into rooms_ (it is erased). False when `r` was
  // not registered.
  bool unregister_locked(const std::shared_ptr<room>& r);

  server_core& core_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<room>> rooms_;
  bool closed_ = false;
};

}  // namespace yws::net::detail
