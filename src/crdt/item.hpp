// crdt/item.hpp: the structs of a doc's block store (Yjs Item and GC) and their pool.
//
// Every struct is an `item`: a GC struct is an item with the `gc` flag and no content, not
// linked into any list. Items live in an item_pool at stable addresses, so the lists
// (left/right), the per-client arrays, the maps of branches and search markers hold plain
// pointers. An item is 64 bytes: IDs use doc-local client indices, the parent is a branch index
// and the map key an interned key index.
//
// Thread safety: none. Lifetime: items belong to their doc's pool; a pointer stays valid until
// the item is released (merged into its left neighbour or replaced by a GC struct).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "crdt/content.hpp"
#include "crdt/ids.hpp"

namespace yws::crdt::detail {

// Bits of item::info. keep/countable/deleted/marker are Yjs' bits; gc marks a GC struct; redone
// says the doc's redone table holds an entry for this item.
enum item_flag : std::uint8_t {
  flag_keep = 1,
  flag_countable = 2,
  flag_deleted = 4,
  flag_marker = 8,
  flag_gc = 16,
  flag_redone = 32,
};

struct item {
  item* left = nullptr;    // current left neighbour in the parent's list / key chain
  item* right = nullptr;   // current right neighbour
  sid id;
  sid origin;              // left neighbour's last ID at creation (Yjs origin)
  sid right_origin;        // right neighbour's ID at creation
  std::uint32_t length = 0;
  branch_index parent = no_branch;
  key_index parent_sub = no_key;
  std::uint8_t info = 0;
  content c;

  bool is_gc() const noexcept { return (info & flag_gc) != 0; }
  bool deleted() const noexcept { return (info & flag_deleted) != 0; }
  bool countable() const noexcept { return (info & flag_countable) != 0; }
  bool keep() const noexcept { return (info & flag_keep) != 0; }
  bool marker() const noexcept { return (info & flag_marker) != 0; }
  bool has_redone() const noexcept { return (info & flag_redone) != 0; }
  void set_flag(item_flag f, bool on) noexcept { info = on ? (info | f) : (info & ~f); }
  // Visible content units: countable and not deleted.
  bool visible() const noexcept { return (info & (flag_countable | flag_deleted)) == flag_countable; }
  std::uint32_t end_clock() const noexcept { return id.clock + length; }
  sid last_id() const noexcept { return {id.client, id.clock + length - 1}; }
};

static_assert(sizeof(item) == 64, "item layout grew; keep it at one cache line");

// Fixed-size chunks with a free list: stable addresses, one allocation per 256 items.
class item_pool {
 public:
  item_pool() = default;
  item_pool(const item_pool&) = delete;
  item_pool& operator=(const item_pool&) = delete;
  ~item_pool();

  item* make();
  // Destroys the item (and its content) and recycles its slot.
  void release(item* it) noexcept;

 private:
  static constexpr std::size_t chunk_items = 256;
  struct chunk_deleter {
    void operator()(item* p) const noexcept { ::operator delete(static_cast<void*>(p)); }
  };
  std::vector<std::unique_ptr<item, chunk_deleter>> chunks_;
  std::size_t used_in_last_ = chunk_items;
  item* free_ = nullptr;  // linked through item::left
};

}  // namespace yws::crdt::detail
