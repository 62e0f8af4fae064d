// crdt/branch.hpp: the internal state of a shared type (Yjs AbstractType).
//
// A branch is either a root (named in the doc, no item) or nested (its item holds a ContentType
// naming it). It owns no items: it points at the first item of its list (`start`) and, per map
// key, at the last item of that key's chain (`map`, insertion-ordered like a JS Map because
// toJSON enumerates it). `length` counts visible clock units of the list.
//
// Branches live in their doc's branch table for the doc's whole life, so handles never dangle:
// when the item of a branch is garbage-collected the branch becomes `dead` (empty, remembering
// the item's ID so that edits made through stale handles can still name their parent).
//
// Thread safety: none. Lifetime: owned by doc_impl.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "crdt/ids.hpp"
#include "crdt/item.hpp"
#include "yws/crdt/doc.hpp"

namespace yws::crdt::detail {

// Insertion-ordered key -> item map (a JS Map of parentSub -> last item of the key's chain).
class key_map {
 public:
  item* get(key_index k) const noexcept;
  // Sets the value; a new key goes to the end, an existing key keeps its position.
  void set(key_index k, item* v);
  void clear() noexcept {
    entries_.clear();
    index_.reset();
  }
  std::size_t size() const noexcept { return entries_.size(); }
  bool empty() const noexcept { return entries_.empty(); }
  auto begin() const noexcept { return entries_.begin(); }
  auto end() const noexcept { return entries_.end(); }

 private:
  static constexpr std::size_t index_threshold = 8;
  std::vector<std::pair<key_index, item*>> entries_;
  std::unique_ptr<std::unordered_map<key_index, std::uint32_t>> index_;  // built past the threshold
};

// Yjs ArraySearchMarker: a remembered (item, index) pair that speeds up index lookups.
struct search_marker {
  item* p = nullptr;
  std::int64_t index = 0;  // signed: Yjs' arithmetic on stale markers may go below zero
  std::uint64_t timestamp = 0;
};

struct branch {
  branch_index index = no_branch;   // position in the doc's branch table
  type_kind kind = type_kind::undefined;
  bool is_root = false;
  bool has_formatting = false;      // a format item was integrated (Yjs _hasFormatting)
  bool format_items = false;        // ever held a format item (unlike has_formatting, survives upgrades)
  bool dead = false;                // its content was garbage-collected
  item* owner = nullptr;            // the item holding this type (nullptr for roots and dead branches)
  sid owner_id;                     // the owner's ID, kept after the owner is gone
  std::string root_name;            // roots only
  std::string node_name;            // xml_element node name / xml_hook hook name
  item* start = nullptr;            // first item of the list
  std::uint32_t length = 0;         // visible clock units of the list
  key_map map;
  // Search markers (Yjs _searchMarker): nullptr means disabled (null), as for maps, xml
  // fragments, placeholders and texts with formatting.
  std::unique_ptr<std::vector<search_marker>> markers;

  // Yjs `type._item.deleted` check used throughout: a nested type whose item is deleted.
  bool owner_deleted() const noexcept { return dead || (owner != nullptr && owner->deleted()); }
};

}  // namespace yws::crdt::detail
