#include "yws/net/room_access.hpp"

#include <boost/asio/post.hpp>

#include "net/room.hpp"
#include "net/server_core.hpp"

namespace yws::net {

const std::string& room_access::name() const { return room_->name(); }
crdt::doc& room_access::doc() { return room_->doc(); }
protocol::awareness& room_access::awareness() { return room_->awareness(); }
protocol::millis room_access::now() const { return detail::server_core::now(); }
std::size_t room_access::session_count() const { return room_->session_count(); }
bool room_access::ready() const { return room_->ready(); }
void room_access::set_ready() { room_->set_ready(); }
room_handle room_access::handle() const { return room_handle(room_->shared_from_this()); }

bool room_handle::post(std::function<void(room_access&)> fn) const {
  if (!room_ || room_->unloaded()) return false;
  boost::asio::post(room_->strand(), [r = room_, fn = std::move(fn)] { r->run(fn); });
  return true;
}

boost::asio::any_io_executor room_handle::get_executor() const {
  return room_ ? boost::asio::any_io_executor(room_->strand()) : boost::asio::any_io_executor();
}

}  // namespace yws::net
