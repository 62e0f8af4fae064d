// crdt/text_ops.hpp: Y.Text internals (YText.js): positions with the formatting in effect,
// inserting text or embeds between neighbours, formatting ranges, deleting ranges and cleaning
// redundant format marks, and toDelta.
//
// Formatting is stored inline as format items (ContentFormat key/value, length 1, not
// countable). An attribute holds from a format item to the next one with the same key; a null
// value ends it. Attribute values are compared as Yjs does (`===`, or a flat comparison of
// objects), which makes identity matter: attribute maps therefore hold pointers to the values
// inside format items or inside the caller's attribute object, never copies, and with them the
// shared value object when there is one, so that new format items can hold the same object.
//
// Thread safety: none. Functions taking a transaction require it to be open; pointers in
// attr_map stay valid for the duration of one operation (format items are never merged).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crdt/doc_impl.hpp"
#include "yws/encoding/any.hpp"

namespace yws::crdt::detail {

// An insertion-ordered attribute map (a JS Map, or a JS object when `js_order` is used).
// A nullptr value stands for `undefined`. A value may come with the shared object it lives in
// (format_content::shared), which format items made from it then hold.
class attr_map {
 public:
  using shared_value = std::shared_ptr<const encoding::any>;
  const encoding::any* get(std::string_view key) const noexcept;
  // The shared object `get(key)` points into, or null.
  shared_value shared(std::string_view key) const noexcept;
  bool has(std::string_view key) const noexcept;
  // `owner`, if given, is the shared object `v` points to.
  void set(std::string_view key, const encoding::any* v, shared_value owner = nullptr);
  void erase(std::string_view key);
  bool empty() const noexcept { return entries_.empty(); }
  std::size_t size() const noexcept { return entries_.size(); }
  const std::vector<std::pair<std::string, const encoding::any*>>& entries() const noexcept { return entries_; }
  // The entries in JavaScript's for-in order for an object (array-index keys ascending first).
  std::vector<std::pair<std::string, const encoding::any*>> js_order() const;

 private:
  std::vector<std::pair<std::string, const encoding::any*>> entries_;
  std::vector<shared_value> owners_;  // parallel to entries_
};

// The `null` value used where Yjs stores null attribute values.
const encoding::any* null_attr() noexcept;
// Yjs `x ?? null`.
inline const encoding::any* or_null(const encoding::any* v) noexcept {
  return v == nullptr || v->is_undefined() ? null_attr() : v;
}
// JavaScript `a === b` on attribute values (objects are equal only to themselves).
bool strict_equal(const encoding::any* a, const encoding::any* b) noexcept;
// Yjs equalAttrs: `===`, or both non-null objects with flat-equal entries.
bool equal_attrs(const encoding::any* a, const encoding::any* b) noexcept;
// An attribute object given by the caller, as an attr_map in JS order (undefined values dropped).
attr_map attrs_from_object(const encoding::any_object& obj);

// Yjs ItemTextListPosition.
struct text_position {
  item* left = nullptr;
  item* right = nullptr;
  std::uint32_t index = 0;
  attr_map current;  // attributes in effect between left and right

  // Moves over `right`. Requires: right != nullptr.
  void forward();
};

// Yjs findPosition: the position before visible index `index` (splitting an item if needed).
// Without search markers the attributes in effect are computed from the start.
text_position find_position(doc_impl& d, transaction& tr, branch& parent, std::uint32_t index, bool use_search_marker);

// Yjs insertText: inserts `c` (string, embed or type content) at `pos` with exactly `attributes`
// (formats are inserted before and negated after as needed).
void insert_text(doc_impl& d, transaction& tr, branch& parent, text_position& pos, content c, attr_map attributes);

// Yjs formatText: applies `attributes` (null removes) to `length` units from `pos`.
void format_text(doc_impl& d, transaction& tr, branch& parent, text_position& pos, std::uint32_t length,
                 const attr_map& attributes);

// Yjs deleteText: deletes `length` visible units from `pos`, then removes format items made
// redundant by the deletion.
void delete_text(doc_impl& d, transaction& tr, text_position& pos, std::uint32_t length);

// Yjs cleanupYTextAfterTransaction: after a remote transaction touched a text with formatting,
// removes the format items it made redundant, in a new local transaction (queued after `tr`).
void cleanup_text_formatting(doc_impl& d, transaction& tr);

// Yjs toDelta() without snapshots. Nested types appear as their to_json() (`depth`: nesting
// level of this text inside the value being built, to bound recursion).
encoding::any text_to_delta(const doc_impl& d, const branch& b, int depth = 0);
// Yjs YText.toString(): the visible strings concatenated.
std::string text_to_string(const branch& b);

}  // namespace yws::crdt::detail
