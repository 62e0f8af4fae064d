// crdt/store_ops.hpp: the item algorithms of Yjs (Item.js, StructStore.js, Transaction.js).
//
// Each function is the Yjs function of the same role, with the same side effects (splits are
// recorded for merging, changed types recorded, lengths adjusted), because those side effects
// decide the struct boundaries and therefore the bytes a doc emits.
//
// Thread safety: none. All functions require an open transaction where they take one.
#pragma once

#include <cstdint>
#include <vector>

#include "crdt/doc_impl.hpp"

namespace yws::crdt::detail {

// Allocates an item with the given fields (Yjs `new Item(...)`); info gets the countable bit
// from the content. Not yet integrated.
item* make_item(doc_impl& d, sid id, item* left, sid origin, item* right, sid right_origin, branch_index parent,
                key_index parent_sub, content c);

// Yjs splitItem: splits `left` at `diff` and returns the new right part (linked, recorded in
// merge_structs, not yet in the struct array: the caller inserts it after `left`).
item* split_item(doc_impl& d, transaction& tr, item* left, std::uint32_t diff);

// Yjs findIndexCleanStart: index of the struct starting at `clock`, splitting an item if needed.
std::size_t find_index_clean_start(doc_impl& d, transaction& tr, struct_list& structs, std::uint32_t clock);
// Yjs iterateStructs: calls f(item*) for every struct overlapping [clock, clock + len) of
// `client`, after splitting items at both ends.
template <class F>
void iterate_structs(doc_impl& d, transaction& tr, client_index client, std::uint32_t clock, std::uint32_t len, F&& f);
// Yjs getItemCleanStart / getItemCleanEnd (GC structs are returned unsplit).
item* get_item_clean_start(doc_impl& d, transaction& tr, sid id);
item* get_item_clean_end(doc_impl& d, transaction& tr, sid id);

// Yjs Item.integrate(transaction, 0): conflict resolution, linking, store, content integration.
// Requires: `it` has its parent (a live branch index), left/right/origin/right_origin set.
void integrate_item(doc_impl& d, transaction& tr, item* it);
// Integrates a GC struct of `len` at `id` (Yjs GC.integrate with offset 0).
void integrate_gc(doc_impl& d, transaction& tr, sid id, std::uint32_t len);

// Yjs Item.delete (ContentType children deleted depth-first without recursion).
void delete_item(doc_impl& d, transaction& tr, item* it);

// Yjs Item.gc: frees the content (nested types' items become GC structs). With parent_gcd the
// item itself becomes a GC struct.
void gc_item(doc_impl& d, item* it, bool parent_gcd);

// Yjs tryToMergeWithLefts: merges structs[pos] into its left neighbours while possible,
// releases the merged items and removes them from `structs`. Returns how many were merged.
std::size_t try_to_merge_with_lefts(doc_impl& d, struct_list& structs, std::size_t pos);

// The ID under which a branch is referenced as a parent (its item's ID).
sid branch_item_id(const branch& b) noexcept;

template <class F>
void iterate_structs(doc_impl& d, transaction& tr, client_index client, std::uint32_t clock, std::uint32_t len, F&& f) {
  if (len == 0) return;
  struct_list& structs = d.store.structs(client);
  const std::uint64_t end = std::uint64_t{clock} + len;
  std::size_t index = find_index_clean_start(d, tr, structs, clock);
  item* s;
  do {
    s = structs[index++];
    if (end < std::uint64_t{s->id.clock} + s->length) {
      find_index_clean_start(d, tr, structs, static_cast<std::uint32_t>(end));
    }
    f(s);
  } while (index < structs.size() && structs[index]->id.clock < end);
}

}  // namespace yws::crdt::detail
