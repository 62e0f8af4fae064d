#include "crdt/item.hpp"

#include <new>

namespace yws::crdt::detail {

namespace {
// info value of a slot on the free list; no live item has all flag bits set.
constexpr std::uint8_t free_slot = 0xFF;
}  // namespace

item_pool::~item_pool() {
  for (std::size_t c = 0; c < chunks_.size(); ++c) {
    item* base = chunks_[c].get();
    const std::size_t n = c + 1 == chunks_.size() ? used_in_last_ : chunk_items;
    for (std::size_t i = 0; i < n; ++i) {
      if (base[i].info != free_slot) base[i].~item();
    }
  }
}

item* item_pool::make() {
  if (free_ != nullptr) {
    item* it = free_;
    free_ = it->left;
    it->~item();  // the free-list slot still holds a trivially destroyed item
    return new (it) item();
  }
  if (used_in_last_ == chunk_items) {
    chunks_.emplace_back(static_cast<item*>(::operator new(chunk_items * sizeof(item))));
    used_in_last_ = 0;
  }
  item* slot = chunks_.back().get() + used_in_last_++;
  return new (slot) item();
}

void item_pool::release(item* it) noexcept {
  it->c = content();  // frees the payload now; the slot keeps an empty content
  it->info = free_slot;
  it->left = free_;
  free_ = it;
}

}  // namespace yws::crdt::detail
