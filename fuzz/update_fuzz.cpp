// libFuzzer target: apply_update_v1 on arbitrary bytes, to a fresh doc and to a doc preloaded
// with a small valid update. Applying must never crash, and a rejected update must leave the doc
// exactly as it was (same encoded state, same state vector, same pending data).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "yws/crdt/doc.hpp"

namespace {

using yws::crdt::doc;

doc::options fixed_client(std::uint64_t client) {
  doc::options o;
  o.client_id = client;
  return o;
}

void check(doc& d, std::span<const std::uint8_t> input) {
  const std::vector<std::uint8_t> before = yws::crdt::encode_state_as_update_v1(d);
  const yws::crdt::state_vector sv_before = d.state();
  const bool pending_before = d.has_pending();
  const auto r = yws::crdt::apply_update_v1(d, input);
  if (!r) {
    if (yws::crdt::encode_state_as_update_v1(d) != before || !(d.state() == sv_before) ||
        d.has_pending() != pending_before) {
      std::abort();  // a rejected update changed the doc
    }
    return;
  }
  // An accepted update leaves a doc whose own state reloads.
  (void)d.to_json();
  doc reload(fixed_client(3));
  if (!yws::crdt::apply_update_v1(reload, yws::crdt::encode_state_as_update_v1(d))) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  {
    doc fresh(fixed_client(1));
    check(fresh, input);
  }
  {
    // "abc" typed by client 1, "X" inserted by client 2, a map entry and a nested array, and a
    // deletion: gives the input items to split, reference and delete.
    doc pre(fixed_client(2));
    auto t = pre.get_text("t");
    t.insert(0, "abc");
    t.insert(1, "X");
    t.erase(2, 1);
    pre.get_map("m").set("k", 1);
    pre.get_array("a").push_type(yws::crdt::type_kind::array).as_array().push({1, 2});
    check(pre, input);
  }
  return 0;
}
