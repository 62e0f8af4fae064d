#include "yws/protocol/peer.hpp"

#include <variant>

#include "yws/protocol/sync.hpp"

namespace yws::protocol {

peer::peer(crdt::doc& d, awareness& aw, peer_options opts) : doc_(d), awareness_(aw), opts_(opts) {}

std::vector<std::vector<std::uint8_t>> peer::greeting() const {
  std::vector<std::vector<std::uint8_t>> frames;
  frames.push_back(encode_sync_step1(doc_));
  if (auto states = awareness_.encode_all()) frames.push_back(encode_awareness_message(*states));
  return frames;
}

frame_result peer::handle(std::span<const std::uint8_t> frame, millis now) {
  frame_result out;
  if (frame.empty()) {
    out.error = make_error_code(errc::malformed_message);
    return out;
  }
  message_reader reader(frame);
  while (!reader.at_end()) {
    auto m = reader.next();
    if (!m) {
      out.error = m.error();
      break;
    }
    if (auto ec = handle_message(*m, out, now)) {
      out.error = ec;
      break;
    }
    ++out.handled;
  }
  return out;
}

std::error_code peer::handle_message(const message& m, frame_result& out, millis now) {
  if (const auto* aw = std::get_if<awareness_message>(&m)) {
    if (!opts_.accept_awareness) {
      ++out.blocked;
      return {};
    }
    auto changes = awareness_.apply_update(aw->update, opts_.origin, now);
    if (!changes) return changes.error();
    controlled_.track(*changes);
    auto& acc = out.awareness;
    acc.added.insert(acc.added.end(), changes->added.begin(), changes->added.end());
    acc.updated.insert(acc.updated.end(), changes->updated.begin(), changes->updated.end());
    acc.removed.insert(acc.removed.end(), changes->removed.begin(), changes->removed.end());
    return {};
  }
  if (std::holds_alternative<query_awareness>(m)) {
    if (auto states = awareness_.encode_all()) out.replies.push_back(encode_awareness_message(*states));
    return {};
  }
  if (const auto* auth = std::get_if<auth_message>(&m)) {
    if (auth->type == auth_type::permission_denied) out.permission_denied = std::string(auth->reason);
    return {};
  }
  auto r = handle_sync(doc_, m, opts_.origin, {.read_only = opts_.read_only});
  if (!r) return r.error();
  if (r->blocked) ++out.blocked;
  if (std::holds_alternative<sync_step2>(m)) ++out.step2s;
  if (!r->reply.empty()) out.replies.push_back(std::move(r->reply));
  return {};
}

awareness_changes peer::close(millis now) {
  auto ids = controlled_.ids();
  controlled_ = {};
  return awareness_.remove_states(ids, opts_.origin, now);
}

}  // namespace yws::protocol
