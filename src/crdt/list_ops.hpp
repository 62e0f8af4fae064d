// crdt/list_ops.hpp: index-based editing of list types (Yjs AbstractType.js list functions and
// search markers), shared by arrays, texts and xml fragments.
//
// Positions count visible clock units (countable, not deleted). Search markers are Yjs'
// ArraySearchMarker, kept exactly as Yjs keeps them: they decide where a lookup starts, and Yjs'
// lookups have corner cases (stale markers after remote changes are dropped, merged items move
// their markers) that yws reproduces rather than improves.
//
// Thread safety: none. Functions taking a transaction require it to be open.
#pragma once

#include <cstdint>
#include <vector>

#include "crdt/doc_impl.hpp"

namespace yws::crdt::detail {

// Yjs Item.prev / Item.next: the nearest non-deleted neighbour.
item* prev_undeleted(item* it) noexcept;
item* next_undeleted(item* it) noexcept;

// Yjs findMarker: a marker at or near `index` (creating or moving one), or nullptr when the
// branch has no markers, is empty or index is 0.
search_marker* find_marker(doc_impl& d, branch& b, std::uint32_t index);
// index - marker.index, never below 0 (only stale markers could make it negative).
std::uint32_t relative_index(std::uint32_t index, const search_marker& m) noexcept;
// Yjs updateMarkerChanges after inserting (len > 0) or deleting (len < 0) at `index`.
void update_marker_changes(std::vector<search_marker>& markers, std::int64_t index, std::int64_t len);

// A new item's clock length for content `c` (strings: UTF-16 units; any/json: values; else 1).
std::uint32_t content_length(const content& c);

// Yjs typeListInsertGenericsAfter: inserts one item per content after `reference` (nullptr: at
// the start). Returns the last inserted item.
item* insert_contents_after(doc_impl& d, transaction& tr, branch& parent, item* reference, std::vector<content> contents);
// Yjs typeListInsertGenerics. `count` is the number of values inserted (for the markers).
// Requires: index <= parent.length.
void insert_contents(doc_impl& d, transaction& tr, branch& parent, std::uint32_t index, std::vector<content> contents,
                     std::uint32_t count);
// Yjs typeListPushGenerics: inserts after the last item of the list (deleted or not).
void push_contents(doc_impl& d, transaction& tr, branch& parent, std::vector<content> contents);
// Yjs typeListDelete. Requires: index + length <= parent.length.
void delete_range(doc_impl& d, transaction& tr, branch& parent, std::uint32_t index, std::uint32_t length);
// Yjs typeListGet: the item holding visible position `index` and the offset inside it, or
// {nullptr, 0}.
std::pair<item*, std::uint32_t> find_visible(doc_impl& d, branch& parent, std::uint32_t index);

// Yjs typeListInsertGenericsAfter's packing of inserted values: consecutive JSON values share
// one ContentAny, binary values get one ContentBinary each.
std::vector<content> pack_values(const encoding::any_array& values);
// A new branch for a nested type of `kind` (not yet integrated; `created` receives it) and the
// content that will hold it. Throws std::invalid_argument for type_kind::undefined.
content new_type_content(doc_impl& d, type_kind kind, std::string_view node_name, branch*& created);

// Yjs typeMapSet / typeMapDelete.
void map_set(doc_impl& d, transaction& tr, branch& parent, key_index key, content c);
void map_delete(doc_impl& d, transaction& tr, branch& parent, key_index key);
// The live item holding a key's value, or nullptr.
item* map_value(const doc_impl& d, const branch& parent, std::string_view key);

}  // namespace yws::crdt::detail
