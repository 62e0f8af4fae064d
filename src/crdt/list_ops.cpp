#include "crdt/list_ops.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "crdt/store_ops.hpp"
#include "crdt/utf16.hpp"

namespace yws::crdt::detail {

namespace {

constexpr std::size_t max_search_markers = 16;

void overwrite_marker(doc_impl& d, search_marker& m, item* p, std::int64_t index) {
  m.p->set_flag(flag_marker, false);
  m.p = p;
  p->set_flag(flag_marker, true);
  m.index = index;
  m.timestamp = d.marker_clock++;
}

search_marker* mark_position(doc_impl& d, std::vector<search_marker>& markers, item* p, std::int64_t index) {
  if (markers.size() >= max_search_markers) {
    // Reuse the least recently used marker.
    search_marker* oldest = &markers.front();
    for (auto& m : markers) {
      if (!(oldest->timestamp < m.timestamp)) oldest = &m;
    }
    overwrite_marker(d, *oldest, p, index);
    return oldest;
  }
  p->set_flag(flag_marker, true);
  markers.push_back({p, index, d.marker_clock++});
  return &markers.back();
}

}  // namespace

std::uint32_t relative_index(std::uint32_t index, const search_marker& m) noexcept {
  const std::int64_t rel = std::int64_t{index} - m.index;
  return rel < 0 ? 0 : static_cast<std::uint32_t>(rel);
}

item* prev_undeleted(item* it) noexcept {
  item* n = it->left;
  while (n != nullptr && n->deleted()) n = n->left;
  return n;
}

item* next_undeleted(item* it) noexcept {
  item* n = it->right;
  while (n != nullptr && n->deleted()) n = n->right;
  return n;
}

search_marker* find_marker(doc_impl& d, branch& b, std::uint32_t index) {
  if (b.start == nullptr || index == 0 || !b.markers) return nullptr;
  auto& markers = *b.markers;
  search_marker* marker = nullptr;
  for (auto& m : markers) {
    // reduce((a, b) => |index - a.index| < |index - b.index| ? a : b): ties pick the later one
    if (marker == nullptr || !(std::llabs(index - marker->index) < std::llabs(index - m.index))) marker = &m;
  }
  item* p = b.start;
  std::int64_t pindex = 0;
  if (marker != nullptr) {
    p = marker->p;
    pindex = marker->index;
    marker->timestamp = d.marker_clock++;
  }
  // Walk right, then left, to the item holding `index`.
  while (p->right != nullptr && pindex < index) {
    if (p->visible()) {
      if (index < pindex + p->length) break;
      pindex += p->length;
    }
    p = p->right;
  }
  while (p->left != nullptr && pindex > index) {
    p = p->left;
    if (p->visible()) pindex -= p->length;
  }
  // Never mark an item that could still be merged into its left neighbour.
  while (p->left != nullptr && p->left->id.client == p->id.client && p->left->id.clock + p->left->length == p->id.clock) {
    p = p->left;
    if (p->visible()) pindex -= p->length;
  }
  if (marker != nullptr && std::llabs(marker->index - pindex) * static_cast<std::int64_t>(max_search_markers) <
                               static_cast<std::int64_t>(d.branch_at(p->parent).length)) {
    overwrite_marker(d, *marker, p, pindex);
    return marker;
  }
  return mark_position(d, markers, p, pindex);
}

void update_marker_changes(std::vector<search_marker>& markers, std::int64_t index, std::int64_t len) {
  for (auto i = static_cast<std::ptrdiff_t>(markers.size()) - 1; i >= 0; --i) {
    search_marker& m = markers[static_cast<std::size_t>(i)];
    if (len > 0) {
      item* p = m.p;
      p->set_flag(flag_marker, false);
      // Move the marker to the previous visible position, so that position comparisons work.
      while (p != nullptr && (p->deleted() || !p->countable())) {
        p = p->left;
        if (p != nullptr && p->visible()) m.index -= p->length;
      }
      if (p == nullptr || p->marker()) {
        markers.erase(markers.begin() + i);
        continue;
      }
      m.p = p;
      p->set_flag(flag_marker, true);
    }
    if (index < m.index || (len > 0 && index == m.index)) m.index = std::max(index, m.index + len);
  }
}

std::uint32_t content_length(const content& c) {
  switch (c.tag()) {
    case content_tag::string: return utf16_length(c.str());
    case content_tag::any:
    case content_tag::json: return static_cast<std::uint32_t>(c.values().size());
    default: return 1;
  }
}

item* insert_contents_after(doc_impl& d, transaction& tr, branch& parent, item* reference, std::vector<content> contents) {
  item* left = reference;
  item* right = reference == nullptr ? parent.start : reference->right;
  const client_index own = d.own_client();
  for (content& c : contents) {
    const std::uint32_t len = content_length(c);
    item* it = make_item(d, {own, d.store.state(own)}, left, left != nullptr ? left->last_id() : sid{}, right,
                         right != nullptr ? right->id : sid{}, parent.index, no_key, std::move(c));
    it->length = len;
    integrate_item(d, tr, it);
    left = it;
  }
  return left;
}

void insert_contents(doc_impl& d, transaction& tr, branch& parent, std::uint32_t index, std::vector<content> contents,
                     std::uint32_t count) {
  if (index > parent.length) throw std::out_of_range("list insert: index past the end");
  if (index == 0) {
    if (parent.markers) update_marker_changes(*parent.markers, 0, count);
    insert_contents_after(d, tr, parent, nullptr, std::move(contents));
    return;
  }
  const std::uint32_t start_index = index;
  item* n = parent.start;
  if (search_marker* marker = find_marker(d, parent, index)) {
    n = marker->p;
    index = relative_index(index, *marker);
    if (index == 0) {
      // Step to the previous undeleted item so that the loop below can land on it.
      n = prev_undeleted(n);
      index += (n != nullptr && n->visible()) ? n->length : 0;
    }
  }
  for (; n != nullptr; n = n->right) {
    if (n->visible()) {
      if (index <= n->length) {
        if (index < n->length) get_item_clean_start(d, tr, {n->id.client, n->id.clock + index});
        break;
      }
      index -= n->length;
    }
  }
  if (parent.markers) update_marker_changes(*parent.markers, start_index, count);
  insert_contents_after(d, tr, parent, n, std::move(contents));
}

void push_contents(doc_impl& d, transaction& tr, branch& parent, std::vector<content> contents) {
  // Start from the marker with the highest index and walk to the last item.
  item* n = parent.start;
  std::int64_t best = 0;
  if (parent.markers) {
    for (const auto& m : *parent.markers) {
      if (m.index > best) {
        best = m.index;
        n = m.p;
      }
    }
  }
  if (n != nullptr) {
    while (n->right != nullptr) n = n->right;
  }
  insert_contents_after(d, tr, parent, n, std::move(contents));
}

void delete_range(doc_impl& d, transaction& tr, branch& parent, std::uint32_t index, std::uint32_t length) {
  if (length == 0) return;
  if (std::uint64_t{index} + length > parent.length) throw std::out_of_range("list delete: range past the end");
  const std::uint32_t start_index = index;
  const std::uint32_t start_length = length;
  item* n = parent.start;
  if (search_marker* marker = find_marker(d, parent, index)) {
    n = marker->p;
    index = relative_index(index, *marker);
  }
  // Find the first item to delete.
  for (; n != nullptr && index > 0; n = n->right) {
    if (n->visible()) {
      if (index < n->length) get_item_clean_start(d, tr, {n->id.client, n->id.clock + index});
      index -= std::min(index, n->length);
    }
  }
  while (length > 0 && n != nullptr) {
    if (!n->deleted()) {
      if (length < n->length) get_item_clean_start(d, tr, {n->id.client, n->id.clock + length});
      delete_item(d, tr, n);
      length -= std::min(length, n->length);
    }
    n = n->right;
  }
  if (parent.markers) {
    update_marker_changes(*parent.markers, start_index, -static_cast<std::int64_t>(start_length) + length);
  }
}

std::pair<item*, std::uint32_t> find_visible(doc_impl& d, branch& parent, std::uint32_t index) {
  item* n = parent.start;
  if (search_marker* marker = find_marker(d, parent, index)) {
    n = marker->p;
    index = relative_index(index, *marker);
  }
  for (; n != nullptr; n = n->right) {
    if (n->visible()) {
      if (index < n->length) return {n, index};
      index -= n->length;
    }
  }
  return {nullptr, 0};
}

void map_set(doc_impl& d, transaction& tr, branch& parent, key_index key, content c) {
  item* left = parent.map.get(key);
  const client_index own = d.own_client();
  const std::uint32_t len = content_length(c);
  item* it = make_item(d, {own, d.store.state(own)}, left, left != nullptr ? left->last_id() : sid{}, nullptr, sid{},
                       parent.index, key, std::move(c));
  it->length = len;
  integrate_item(d, tr, it);
}

void map_delete(doc_impl& d, transaction& tr, branch& parent, key_index key) {
  if (item* it = parent.map.get(key)) delete_item(d, tr, it);
}

item* map_value(const doc_impl& d, const branch& parent, std::string_view key) {
  const key_index k = d.keys.find(key);
  if (k == no_key) return nullptr;
  item* it = parent.map.get(k);
  return it != nullptr && !it->deleted() ? it : nullptr;
}

}  // namespace yws::crdt::detail
