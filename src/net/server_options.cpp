#include "yws/net/server_options.hpp"

namespace yws::net {

result<void> validate(const server_options& o) {
  using std::chrono::milliseconds;
  const bool bad = (o.listen && o.host.empty()) || o.max_message_bytes == 0 || o.max_queued_bytes == 0 ||
                   o.max_deferred_bytes == 0 || o.max_room_name_bytes == 0 || o.ping_interval <= milliseconds(0) ||
                   o.idle_timeout <= milliseconds(0) || o.ping_interval >= o.idle_timeout ||
                   o.handshake_timeout <= milliseconds(0) || o.close_timeout <= milliseconds(0) ||
                   o.shutdown_timeout <= milliseconds(0) || o.awareness_timeout < milliseconds(10) ||
                   (o.room_grace && *o.room_grace < milliseconds(0)) ||
                   (o.storage.store && o.storage.threads == 0);
  if (bad) return errc::invalid_argument;
  return {};
}

}  // namespace yws::net
