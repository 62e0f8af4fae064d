#include "crdt/block_store.hpp"

#include <algorithm>
#include <stdexcept>

namespace yws::crdt::detail {

client_index block_store::intern(std::uint64_t client) {
  const auto [it, inserted] = index_.try_emplace(client, static_cast<client_index>(clients_.size()));
  if (inserted) {
    if (clients_.size() >= no_client) throw std::length_error("too many clients");
    clients_.push_back(client_entry{client, {}});
  }
  return it->second;
}

void block_store::add(item* it) {
  auto& v = clients_[it->id.client].structs;
  if (!v.empty() && v.back()->end_clock() != it->id.clock) {
    throw std::logic_error("block_store::add: struct does not continue its client");
  }
  v.push_back(it);
}

namespace {

// Yjs findIndexSS within one sorted, contiguous run of structs (binary search with a pivot guess).
std::size_t find_in(const std::vector<item*>& structs, std::uint32_t clock) {
  std::size_t left = 0;
  std::size_t right = structs.size() - 1;
  const item* mid = structs[right];
  if (mid->id.clock == clock) return right;
  const std::uint64_t first = structs.front()->id.clock;
  const std::uint64_t span = std::uint64_t{mid->id.clock} + mid->length - 1 - first;
  std::size_t mid_index = span == 0 || clock < first ? 0 : static_cast<std::size_t>(((clock - first) * right) / span);
  if (mid_index > right) mid_index = right;
  while (left <= right) {
    mid = structs[mid_index];
    if (mid->id.clock <= clock) {
      if (clock < mid->id.clock + mid->length) return mid_index;
      left = mid_index + 1;
    } else {
      if (mid_index == 0) break;
      right = mid_index - 1;
    }
    mid_index = (left + right) / 2;
  }
  throw std::logic_error("find_index: clock not in store");
}

}  // namespace

std::size_t struct_list::chunk_of(std::size_t i) const noexcept {
  // The last chunk starting at or before i.
  const auto it = std::upper_bound(starts_.begin(), starts_.end(), i);
  return static_cast<std::size_t>(it - starts_.begin()) - 1;
}

void struct_list::push_back(item* it) {
  if (chunks_.empty() || chunks_.back().size() >= chunk_max) {
    chunks_.emplace_back();
    chunks_.back().reserve(16);
    starts_.push_back(size_);
    firsts_.push_back(it->id.clock);
  }
  chunks_.back().push_back(it);
  ++size_;
}

void struct_list::insert(std::size_t i, item* it) {
  if (i >= size_) {
    push_back(it);
    return;
  }
  const std::size_t k = chunk_of(i);
  auto& chunk = chunks_[k];
  chunk.insert(chunk.begin() + static_cast<std::ptrdiff_t>(i - starts_[k]), it);
  firsts_[k] = chunk.front()->id.clock;
  for (std::size_t j = k + 1; j < starts_.size(); ++j) ++starts_[j];
  ++size_;
  if (chunk.size() > chunk_max) {
    const std::size_t half = chunk.size() / 2;
    std::vector<item*> upper(chunk.begin() + static_cast<std::ptrdiff_t>(half), chunk.end());
    chunk.resize(half);
    chunks_.insert(chunks_.begin() + static_cast<std::ptrdiff_t>(k) + 1, std::move(upper));
    starts_.insert(starts_.begin() + static_cast<std::ptrdiff_t>(k) + 1, starts_[k] + half);
    firsts_.insert(firsts_.begin() + static_cast<std::ptrdiff_t>(k) + 1, chunks_[k + 1].front()->id.clock);
  }
}

void struct_list::erase(std::size_t first, std::size_t last) {
  while (first < last) {
    const std::size_t k = chunk_of(first);
    auto& chunk = chunks_[k];
    const std::size_t off = first - starts_[k];
    const std::size_t n = std::min(last - first, chunk.size() - off);
    chunk.erase(chunk.begin() + static_cast<std::ptrdiff_t>(off), chunk.begin() + static_cast<std::ptrdiff_t>(off + n));
    for (std::size_t j = k + 1; j < starts_.size(); ++j) starts_[j] -= n;
    size_ -= n;
    last -= n;
    if (chunk.empty()) {
      chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(k));
      starts_.erase(starts_.begin() + static_cast<std::ptrdiff_t>(k));
      firsts_.erase(firsts_.begin() + static_cast<std::ptrdiff_t>(k));
      continue;
    }
    firsts_[k] = chunk.front()->id.clock;
    if (k + 1 < chunks_.size() && chunk.size() + chunks_[k + 1].size() <= chunk_max / 2) {
      // Join small neighbours so that merges do not leave many tiny chunks behind.
      chunk.insert(chunk.end(), chunks_[k + 1].begin(), chunks_[k + 1].end());
      chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(k) + 1);
      starts_.erase(starts_.begin() + static_cast<std::ptrdiff_t>(k) + 1);
      firsts_.erase(firsts_.begin() + static_cast<std::ptrdiff_t>(k) + 1);
    }
  }
}

std::size_t struct_list::find_index(std::uint32_t clock) const {
  if (size_ == 0) throw std::logic_error("find_index in an empty client");
  const item* last = back();
  if (last->id.clock <= clock) {
    if (clock < last->id.clock + last->length) return size_ - 1;  // the common case: the newest struct
    throw std::logic_error("find_index: clock not in store");
  }
  if (chunks_.size() == 1) return find_in(chunks_.front(), clock);
  // The last chunk whose first struct starts at or before `clock`.
  const auto it = std::upper_bound(firsts_.begin(), firsts_.end(), clock);
  const std::size_t k = it == firsts_.begin() ? 0 : static_cast<std::size_t>(it - firsts_.begin()) - 1;
  return starts_[k] + find_in(chunks_[k], clock);
}

}  // namespace yws::crdt::detail
