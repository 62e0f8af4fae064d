#include "yws/protocol/sync.hpp"

#include <variant>

namespace yws::protocol {

std::vector<std::uint8_t> encode_sync_step1(const crdt::doc& d) {
  return encode_sync_message(sync_type::step1, crdt::encode_state_vector_v1(d));
}

result<std::vector<std::uint8_t>> encode_sync_step2(const crdt::doc& d,
                                                    std::span<const std::uint8_t> remote_state_vector) {
  YWS_TRY(update, crdt::encode_state_as_update_v1(d, remote_state_vector));
  return encode_sync_message(sync_type::step2, update);
}

result<sync_result> handle_sync(crdt::doc& d, const message& m, crdt::origin o, const sync_options& opts) {
  sync_result out;
  if (const auto* step1 = std::get_if<sync_step1>(&m)) {
    YWS_TRY(reply, encode_sync_step2(d, step1->state_vector));
    out.reply = std::move(reply);
    return out;
  }
  std::span<const std::uint8_t> update;
  if (const auto* step2 = std::get_if<sync_step2>(&m)) {
    update = step2->update;
  } else if (const auto* u = std::get_if<sync_update>(&m)) {
    update = u->update;
  } else {
    return errc::invalid_argument;
  }
  if (opts.read_only) {
    out.blocked = true;
    return out;
  }
  YWS_TRY_VOID(crdt::apply_update_v1(d, update, o));
  return out;
}

}  // namespace yws::protocol
