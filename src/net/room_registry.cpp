#include "net/room_registry.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>

#include "net/room.hpp"
#include "net/room_name.hpp"
#include "net/server_core.hpp"

namespace yws::net::detail {

namespace {

void post_stop(const std::shared_ptr<room>& r, close_reason why) {
  boost::asio::post(r->strand(), [r, why] { r->stop(why); });
}

}  // namespace

std::shared_ptr<room> room_registry::acquire(std::string_view name) {
  std::lock_guard lock(mu_);
  if (closed_) return nullptr;
  auto it = rooms_.find(std::string(name));
  if (it == rooms_.end()) {
    it = rooms_.emplace(std::string(name), std::make_shared<room>(core_, std::string(name))).first;
  }
  ++it->second->users;
  return it->second;
}

bool room_registry::unregister_locked(const std::shared_ptr<room>& r) {
  if (!r->registered) return false;
  r->registered = false;
  rooms_.erase(r->registered_name);
  return true;
}

void room_registry::release(const std::shared_ptr<room>& r) {
  const auto& grace = core_.opts.room_grace;
  {
    std::lock_guard lock(mu_);
    if (--r->users > 0 || !r->registered || !grace) return;
    if (grace->count() == 0) {
      unregister_locked(r);
    } else {
      boost::asio::post(r->strand(), [r] { r->start_grace(); });
      return;
    }
  }
  post_stop(r, close_reason::room_closed);
}

void room_registry::try_unload(const std::shared_ptr<room>& r) {
  {
    std::lock_guard lock(mu_);
    if (r->users > 0 || !unregister_locked(r)) return;
  }
  post_stop(r, close_reason::room_closed);
}

void room_registry::fail(const std::shared_ptr<room>& r) {
  std::lock_guard lock(mu_);
  unregister_locked(r);
}

std::shared_ptr<room> room_registry::find(std::string_view name) const {
  std::lock_guard lock(mu_);
  auto it = rooms_.find(std::string(name));
  return it == rooms_.end() ? nullptr : it->second;
}

std::vector<std::string> room_registry::names() const {
  std::vector<std::string> out;
  {
    std::lock_guard lock(mu_);
    out.reserve(rooms_.size());
    for (const auto& [name, r] : rooms_) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::size_t room_registry::size() const {
  std::lock_guard lock(mu_);
  return rooms_.size();
}

result<void> room_registry::rename(std::string_view from, std::string_view to) {
  YWS_TRY_VOID(check_room_name(to, core_.opts.max_room_name_bytes));
  std::shared_ptr<room> r;
  {
    std::lock_guard lock(mu_);
    auto it = rooms_.find(std::string(from));
    if (it == rooms_.end()) return errc::not_found;
    if (from == to) return {};
    if (rooms_.count(std::string(to)) != 0) return errc::invalid_argument;
    r = std::move(it->second);
    rooms_.erase(it);
    r->registered_name = std::string(to);
    rooms_.emplace(std::string(to), r);
  }
  boost::asio::post(r->strand(), [r, name = std::string(to)]() mutable { r->set_name(std::move(name)); });
  return {};
}

result<void> room_registry::remove(std::string_view name) {
  std::shared_ptr<room> r;
  {
    std::lock_guard lock(mu_);
    auto it = rooms_.find(std::string(name));
    if (it == rooms_.end()) return errc::not_found;
    r = it->second;  // a copy: unregistering erases the map's
    unregister_locked(r);
  }
  post_stop(r, close_reason::room_closed);
  return {};
}

std::vector<std::shared_ptr<room>> room_registry::close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  std::vector<std::shared_ptr<room>> out;
  out.reserve(rooms_.size());
  for (auto& [name, r] : rooms_) {
    r->registered = false;
    out.push_back(std::move(r));
  }
  rooms_.clear();
  return out;
}

}  // namespace yws::net::detail
