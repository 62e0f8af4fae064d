// crdt/update_ir.hpp: a decoded v1 update, independent of any doc.
//
// apply_update_v1 decodes and validates the whole update into this form before touching the
// doc, which is what makes applying atomic. The same form holds pending structs and pending
// deletes, and is what mergeUpdates/diffUpdate (update_merge.cpp) work on.
//
// Fields mirror what Yjs' decoder produces: an item keeps origin / rightOrigin as IDs, its
// parent as a root name or an ID only when it was on the wire (no origins), and its parentSub
// only when the key string was on the wire.
//
// Thread safety: a value type. Lifetime: owns everything.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "crdt/content.hpp"
#include "yws/encoding/decoder.hpp"
#include "yws/encoding/encoder.hpp"
#include "yws/error.hpp"

namespace yws::crdt::detail {

struct ir_id {
  std::uint64_t client = 0;
  std::uint32_t clock = 0;
  friend bool operator==(const ir_id&, const ir_id&) = default;
};

enum class ir_kind : std::uint8_t { gc, item, skip };
enum class ir_parent : std::uint8_t { none, name, id };

struct ir_struct {
  std::uint64_t client = 0;
  std::uint32_t clock = 0;
  std::uint32_t len = 0;
  ir_kind kind = ir_kind::gc;
  ir_parent parent_kind = ir_parent::none;
  bool has_origin = false;
  bool has_right_origin = false;
  ir_id origin;
  ir_id right_origin;
  ir_id parent_id;
  std::string parent_name;
  std::optional<std::string> parent_sub;
  content c;

  std::uint32_t end() const noexcept { return clock + len; }
  // A copy of every field but the content (content is move-only; callers split or clone it).
  ir_struct without_content() const {
    ir_struct r;
    r.client = client;
    r.clock = clock;
    r.len = len;
    r.kind = kind;
    r.parent_kind = parent_kind;
    r.has_origin = has_origin;
    r.has_right_origin = has_right_origin;
    r.origin = origin;
    r.right_origin = right_origin;
    r.parent_id = parent_id;
    r.parent_name = parent_name;
    r.parent_sub = parent_sub;
    return r;
  }
};

struct ir_block {
  std::uint64_t client = 0;
  std::uint32_t clock = 0;
  std::vector<ir_struct> structs;
};

struct ds_range {
  std::uint32_t clock = 0;
  std::uint32_t len = 0;
};

// A delete set as read from the wire: clients in stream order, ranges as written.
struct ir_delete_set {
  std::vector<std::pair<std::uint64_t, std::vector<ds_range>>> clients;
  bool empty() const noexcept { return clients.empty(); }
};

// Builds an ir_delete_set client by client, in order of first appearance, with one entry per
// client. Clients are found by hash: a hostile update may list hundreds of thousands of them,
// and a search of the list per client would be quadratic.
class ds_builder {
 public:
  // The ranges of `client`, created empty on first use. Valid until the next call.
  std::vector<ds_range>& ranges_of(std::uint64_t client) {
    if (!ds_.clients.empty() && ds_.clients.back().first == client) return ds_.clients.back().second;
    const auto [it, added] = index_.try_emplace(client, ds_.clients.size());
    if (added) ds_.clients.emplace_back(client, std::vector<ds_range>{});
    return ds_.clients[it->second].second;
  }
  bool empty() const noexcept { return ds_.empty(); }
  ir_delete_set take() && { return std::move(ds_); }

 private:
  ir_delete_set ds_;
  std::unordered_map<std::uint64_t, std::size_t> index_;
};

struct update_ir {
  std::vector<ir_block> blocks;  // in stream order (Yjs writes clients descending)
  ir_delete_set ds;
  bool has_structs() const noexcept {
    for (const auto& b : blocks) {
      if (!b.structs.empty()) return true;
    }
    return false;
  }
};

// Decodes a v1 update. Rejects (malformed_update, unknown_content_ref, integer_out_of_range,
// unexpected_end_of_buffer, invalid_json, ...) anything Yjs could not integrate safely: unknown
// content or type refs, zero-length structs, clocks past 2^32-1, and references to the item's
// own client at or after the item's clock. Trailing bytes after the delete set are ignored.
[[nodiscard]] result<update_ir> decode_update_v1(std::span<const std::uint8_t> bytes);

// Reads a delete set (the tail of an update) from `dec`.
[[nodiscard]] result<ir_delete_set> decode_delete_set_v1(encoding::decoder& dec);

// Writes the structs of `ir` (blocks as they are, each struct from offset 0) and its delete set.
void write_update_v1(encoding::encoder& enc, const update_ir& ir);
std::vector<std::uint8_t> encode_update_v1(const update_ir& ir);

// Writes one decoded struct from clock offset `offset` (Yjs Item/GC/Skip.write).
void write_ir_struct(encoding::encoder& enc, const ir_struct& s, std::uint32_t offset);

// Writes a delete set with clients descending and ranges as given (Yjs writeDeleteSet).
void write_delete_set(encoding::encoder& enc, const ir_delete_set& ds);

// Yjs sortAndMergeDeleteSet on one client's ranges: sorted by clock, overlapping or adjacent
// ranges joined.
void sort_and_merge(std::vector<ds_range>& ranges);
// The same over every client of `ds`.
void sort_and_merge(ir_delete_set& ds);

}  // namespace yws::crdt::detail
