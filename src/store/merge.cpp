#include "store/merge.hpp"

#include "yws/crdt/doc.hpp"

namespace yws::store::detail {
namespace {

crdt::doc fresh_doc() {
  crdt::doc::options o;
  o.client_id = 0;  // never edits locally; a fixed id keeps merging deterministic
  o.gc = true;
  return crdt::doc(std::move(o));
}

}  // namespace

result<bytes> merge_updates(std::span<const std::span<const std::uint8_t>> updates) {
  crdt::doc merged = fresh_doc();
  for (auto u : updates) YWS_TRY_VOID(crdt::apply_update_v1(merged, u));
  bytes snapshot = crdt::encode_state_as_update_v1(merged);

  crdt::doc check = fresh_doc();
  if (!crdt::apply_update_v1(check, snapshot)) return errc::corruption;
  if (check.state() != merged.state() || crdt::encode_state_as_update_v1(check) != snapshot) {
    return errc::corruption;
  }
  return snapshot;
}

}  // namespace yws::store::detail
