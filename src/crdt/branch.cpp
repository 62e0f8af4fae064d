#include "crdt/branch.hpp"

namespace yws::crdt::detail {

item* key_map::get(key_index k) const noexcept {
  if (index_) {
    const auto it = index_->find(k);
    return it == index_->end() ? nullptr : entries_[it->second].second;
  }
  for (const auto& [key, v] : entries_) {
    if (key == k) return v;
  }
  return nullptr;
}

void key_map::set(key_index k, item* v) {
  if (index_) {
    const auto [it, inserted] = index_->try_emplace(k, static_cast<std::uint32_t>(entries_.size()));
    if (inserted) {
      entries_.emplace_back(k, v);
    } else {
      entries_[it->second].second = v;
    }
    return;
  }
  for (auto& [key, val] : entries_) {
    if (key == k) {
      val = v;
      return;
    }
  }
  entries_.emplace_back(k, v);
  if (entries_.size() > index_threshold) {
    index_ = std::make_unique<std::unordered_map<key_index, std::uint32_t>>();
    for (std::uint32_t i = 0; i < entries_.size(); ++i) index_->emplace(entries_[i].first, i);
  }
}

}  // namespace yws::crdt::detail
