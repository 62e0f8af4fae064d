// libFuzzer target for the y-websocket message decoder and the protocol handlers.
//
// The first byte sets the peer's permissions; the rest is one received frame. Every message is
// decoded, re-encoded (which must decode to the same bytes again) and fed to the sync handler and
// an awareness instance; a failed apply must leave the doc or the awareness as it was. Then the
// whole frame goes through a `peer`, as the server would run it.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "yws/crdt/doc.hpp"
#include "yws/protocol/awareness.hpp"
#include "yws/protocol/message.hpp"
#include "yws/protocol/peer.hpp"
#include "yws/protocol/sync.hpp"

namespace {

using namespace yws;
using namespace std::chrono_literals;

void check(bool ok) {
  if (!ok) std::abort();  // libFuzzer reports the input
}

const char connection = 'c';

crdt::doc::options with_client(std::uint64_t id) {
  crdt::doc::options o;
  o.client_id = id;
  return o;
}

// A doc with a little of everything, so that updates can refer to existing content.
void seed(crdt::doc& d) {
  d.transact([&] {
    d.get_text("text").insert(0, "seed text");
    d.get_map("map").set("k", encoding::any(1));
    d.get_array("array").push({encoding::any(true), encoding::any("x")});
  });
  d.get_text("text").erase(1, 3);
}

void check_round_trip(const protocol::message& m) {
  const auto bytes = protocol::encode_message(m);
  const auto again = protocol::decode_message(bytes);
  check(again.has_value());
  check(protocol::encode_message(*again) == bytes);
  check(protocol::type_of(*again) == protocol::type_of(m));
}

void handle_one(const protocol::message& m, crdt::doc& d, protocol::awareness& aw, bool read_only) {
  if (const auto* a = std::get_if<protocol::awareness_message>(&m)) {
    const auto before = aw.encode_all();
    const auto ids = aw.client_ids();
    auto r = aw.apply_update(a->update, &connection, 1000ms);
    if (!r) check(aw.encode_all() == before && aw.client_ids() == ids);
    (void)aw.tick(40000ms);
    return;
  }
  if (std::holds_alternative<protocol::query_awareness>(m) || std::holds_alternative<protocol::auth_message>(m)) {
    (void)aw.encode_all();
    return;
  }
  const auto before = crdt::encode_state_as_update_v1(d);
  auto r = protocol::handle_sync(d, m, &connection, {.read_only = read_only});
  if (!r || r->blocked) {
    check(crdt::encode_state_as_update_v1(d) == before);
    return;
  }
  if (!r->reply.empty()) {
    // A step 2 we wrote must be a message, and its update must apply to an empty doc.
    const auto reply = protocol::decode_message(r->reply);
    check(reply.has_value() && std::holds_alternative<protocol::sync_step2>(*reply));
    crdt::doc fresh(with_client(3));
    check(crdt::apply_update_v1(fresh, std::get<protocol::sync_step2>(*reply).update).has_value());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t flags = data[0];
  const std::span<const std::uint8_t> frame(data + 1, size - 1);
  const bool read_only = flags & 1;
  const bool accept_awareness = !(flags & 2);

  crdt::doc d(with_client(1));
  seed(d);
  protocol::awareness aw(1, 0ms);

  protocol::message_reader reader(frame);
  while (!reader.at_end()) {
    auto m = reader.next();
    if (!m) {
      check(reader.at_end());
      break;
    }
    check_round_trip(*m);
    handle_one(*m, d, aw, read_only);
  }

  // The same frame again, through the per-connection handler (updates now mostly known).
  protocol::peer p(d, aw, {.origin = &connection, .read_only = read_only, .accept_awareness = accept_awareness});
  auto r = p.handle(frame, 2000ms);
  for (const auto& reply : r.replies) check(protocol::decode_message(reply).has_value());
  (void)p.close(3000ms);
  check(p.controlled().empty());
  return 0;
}
