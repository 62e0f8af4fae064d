#include "net/sync_client.hpp"

#include "yws/protocol/sync.hpp"

namespace yws::net::test {

protocol::millis now_ms() {
  return std::chrono::duration_cast<protocol::millis>(std::chrono::steady_clock::now().time_since_epoch());
}

sync_client::sync_client(std::uint64_t client_id)
    : doc(with_client_id(client_id)),
      awareness(client_id, now_ms()),
      peer_(doc, awareness, protocol::peer_options{.origin = this}) {
  doc_sub_ = doc.on_update([this](std::span<const std::uint8_t> u, crdt::origin o) {
    if (o != this && ws.is_open()) ws.send(protocol::encode_sync_update(u));
  });
  awareness_sub_ = awareness.on_update([this](const protocol::awareness_changes& c, protocol::origin o) {
    if (o == protocol::local_origin && ws.is_open()) {
      ws.send(protocol::encode_awareness_message(awareness.encode_update(c.changed_clients())));
    }
  });
}

sync_client::~sync_client() {
  doc_sub_.reset();
  awareness_sub_.reset();
}

int sync_client::connect(std::uint16_t port, std::string_view room) {
  const int status = ws.connect(port, "/" + std::string(room));
  if (status != 101) return status;
  for (auto& frame : peer_.greeting()) ws.send(frame);
  return status;
}

bool sync_client::pump_one(std::chrono::milliseconds timeout) {
  auto frame = ws.read(timeout);
  if (!frame) return false;
  protocol::message_reader reader(*frame);
  while (!reader.at_end()) {
    auto m = reader.next();
    if (!m) break;
    std::uint8_t sync = 255;
    if (std::holds_alternative<protocol::sync_step1>(*m)) sync = 0;
    if (std::holds_alternative<protocol::sync_step2>(*m)) sync = 1;
    if (std::holds_alternative<protocol::sync_update>(*m)) sync = 2;
    received_.push_back({protocol::type_of(*m), sync});
    if (sync == 1) synced_ = true;
  }
  auto r = peer_.handle(*frame, now_ms());
  for (auto& reply : r.replies) ws.send(reply);
  return !r.error;
}

bool sync_client::pump_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + timeout;
  while (!pred()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left <= 0ms || !pump_one(left)) return pred();
  }
  return true;
}

bool sync_client::round_trip(std::chrono::milliseconds timeout) {
  if (!ws.send(protocol::encode_query_awareness())) return false;
  const auto before = count(protocol::message_type::awareness);
  return pump_until([&] { return count(protocol::message_type::awareness) > before; }, timeout);
}

void sync_client::set_awareness(const encoding::any& state) { awareness.set_local_state(state, now_ms()); }

std::size_t sync_client::count(protocol::message_type t, std::optional<protocol::sync_type> s) const {
  std::size_t n = 0;
  for (const auto& k : received_) {
    if (k.type != t) continue;
    if (s && k.sync != static_cast<std::uint8_t>(*s)) continue;
    ++n;
  }
  return n;
}

}  // namespace yws::net::test
