#include "crdt/text_ops.hpp"

#include <algorithm>
#include <map>

#include "crdt/list_ops.hpp"
#include "crdt/store_ops.hpp"
#include "crdt/transaction.hpp"
#include "crdt/values.hpp"

namespace yws::crdt::detail {

// ---------------------------------------------------------------------------------------------
// attribute maps and comparisons

const encoding::any* attr_map::get(std::string_view key) const noexcept {
  for (const auto& [k, v] : entries_) {
    if (k == key) return v;
  }
  return nullptr;
}

attr_map::shared_value attr_map::shared(std::string_view key) const noexcept {
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].first == key) return owners_[i];
  }
  return nullptr;
}

bool attr_map::has(std::string_view key) const noexcept {
  return std::any_of(entries_.begin(), entries_.end(), [&](const auto& e) { return e.first == key; });
}

void attr_map::set(std::string_view key, const encoding::any* v, shared_value owner) {
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].first == key) {
      entries_[i].second = v;
      owners_[i] = std::move(owner);
      return;
    }
  }
  entries_.emplace_back(std::string(key), v);
  owners_.push_back(std::move(owner));
}

void attr_map::erase(std::string_view key) {
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].first == key) {
      entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(i));
      owners_.erase(owners_.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    }
  }
}

std::vector<std::pair<std::string, const encoding::any*>> attr_map::js_order() const {
  auto out = entries_;
  std::stable_partition(out.begin(), out.end(), [](const auto& e) { return encoding::is_array_index_key(e.first); });
  const auto idx_end = std::find_if(out.begin(), out.end(), [](const auto& e) { return !encoding::is_array_index_key(e.first); });
  std::stable_sort(out.begin(), idx_end, [](const auto& a, const auto& b) {
    return a.first.size() != b.first.size() ? a.first.size() < b.first.size() : a.first < b.first;
  });
  return out;
}

const encoding::any* null_attr() noexcept {
  static const encoding::any null_value(nullptr);
  return &null_value;
}

namespace {

bool is_object_like(const encoding::any& v) noexcept { return v.is_object() || v.is_array() || v.is_binary(); }

// lib0 object.equalFlat on two objects of the same shape.
bool equal_flat(const encoding::any& a, const encoding::any& b) {
  if (a.type() != b.type()) return false;
  if (a.is_binary()) return a.as_binary() == b.as_binary();
  if (a.is_array()) {
    const auto& x = a.as_array();
    const auto& y = b.as_array();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (!strict_equal(&x[i], &y[i])) return false;
    }
    return true;
  }
  const auto& x = a.as_object();
  const auto& y = b.as_object();
  const auto xo = encoding::js_key_order(x);
  const auto yo = encoding::js_key_order(y);
  if (xo.size() != yo.size()) return false;
  for (const std::size_t i : xo) {
    const encoding::any* other = b.find(x[i].first);
    if (other == nullptr) return false;
    if (!strict_equal(&x[i].second, other)) return false;
  }
  return true;
}

}  // namespace

bool strict_equal(const encoding::any* a, const encoding::any* b) noexcept {
  if (a == b) return true;
  const bool a_undef = a == nullptr || a->is_undefined();
  const bool b_undef = b == nullptr || b->is_undefined();
  if (a_undef || b_undef) return a_undef && b_undef;
  if (a->type() != b->type()) return false;
  switch (a->type()) {
    case encoding::any::kind::null: return true;
    case encoding::any::kind::boolean: return a->as_bool() == b->as_bool();
    case encoding::any::kind::number: return a->as_number() == b->as_number();
    case encoding::any::kind::bigint: return a->as_bigint() == b->as_bigint();
    case encoding::any::kind::string: return a->as_string() == b->as_string();
    default: return false;  // distinct objects
  }
}

bool equal_attrs(const encoding::any* a, const encoding::any* b) noexcept {
  if (strict_equal(a, b)) return true;
  if (a == nullptr || b == nullptr || !is_object_like(*a) || !is_object_like(*b)) return false;
  return equal_flat(*a, *b);
}

attr_map attrs_from_object(const encoding::any_object& obj) {
  attr_map m;
  for (const std::size_t i : encoding::js_key_order(obj)) {
    if (obj[i].second.is_undefined()) continue;
    // Every format item made from this value holds this one object, as in Yjs.
    auto owner = std::make_shared<const encoding::any>(obj[i].second);
    const encoding::any* v = owner.get();
    m.set(obj[i].first, v, std::move(owner));
  }
  return m;
}

namespace {

bool is_format(const item* it) noexcept { return it->c.tag() == content_tag::format; }

// Yjs updateCurrentAttributes.
void update_current_attributes(attr_map& current, const format_content& f) {
  if (f.value.is_null()) {
    current.erase(f.key);
  } else {
    current.set(f.key, &f.value, f.shared);
  }
}

// A format item's content for attribute `key` of `attrs` (its value object, shared if it has one).
content format_from(const attr_map& attrs, const std::string& key, const encoding::any* val) {
  if (auto owner = attrs.shared(key); owner != nullptr && owner.get() == val) {
    return content::make_format(key, std::move(owner));
  }
  return content::make_format(key, val == nullptr ? encoding::any() : *val);
}

item* new_local_item(doc_impl& d, branch& parent, item* left, item* right, content c) {
  const client_index own = d.own_client();
  const std::uint32_t len = content_length(c);
  item* it = make_item(d, {own, d.store.state(own)}, left, left != nullptr ? left->last_id() : sid{}, right,
                       right != nullptr ? right->id : sid{}, parent.index, no_key, std::move(c));
  it->length = len;
  return it;
}

// Yjs findNextPosition.
void find_next_position(doc_impl& d, transaction& tr, text_position& pos, std::int64_t count) {
  while (pos.right != nullptr && count > 0) {
    item* r = pos.right;
    if (is_format(r)) {
      if (!r->deleted()) update_current_attributes(pos.current, r->c.format());
    } else if (!r->deleted()) {
      if (count < r->length) get_item_clean_start(d, tr, {r->id.client, r->id.clock + static_cast<std::uint32_t>(count)});
      pos.index += r->length;
      count -= r->length;
    }
    pos.left = r;
    pos.right = r->right;
  }
}

// Yjs minimizeAttributeChanges: skip deleted items and formats that already match.
void minimize_attribute_changes(text_position& pos, const attr_map& attributes) {
  while (pos.right != nullptr) {
    const item* r = pos.right;
    if (!(r->deleted() || (is_format(r) && equal_attrs(or_null(attributes.get(r->c.format().key)), &r->c.format().value)))) {
      break;
    }
    pos.forward();
  }
}

// Yjs insertAttributes: format items for every attribute that differs from the current one.
// Returns the attributes to restore after the inserted content (owning their null values).
attr_map insert_attributes(doc_impl& d, transaction& tr, branch& parent, text_position& pos, const attr_map& attributes) {
  attr_map negated;
  for (const auto& [key, val] : attributes.js_order()) {
    const encoding::any* current = or_null(pos.current.get(key));
    if (!equal_attrs(current, val)) {
      negated.set(key, current, pos.current.shared(key));
      item* f = new_local_item(d, parent, pos.left, pos.right, format_from(attributes, key, val));
      pos.right = f;
      integrate_item(d, tr, f);
      pos.forward();
    }
  }
  return negated;
}

// Yjs insertNegatedAttributes.
void insert_negated_attributes(doc_impl& d, transaction& tr, branch& parent, text_position& pos, attr_map negated) {
  while (pos.right != nullptr) {
    const item* r = pos.right;
    if (!(r->deleted() || (is_format(r) && equal_attrs(negated.get(r->c.format().key), &r->c.format().value)))) break;
    if (!r->deleted()) negated.erase(r->c.format().key);
    pos.forward();
  }
  for (const auto& [key, val] : negated.entries()) {
    item* f = new_local_item(d, parent, pos.left, pos.right, format_from(negated, key, val));
    integrate_item(d, tr, f);
    pos.right = f;
    pos.forward();
  }
}

// Yjs cleanupFormattingGap: deletes format items between `start` and the next content item that
// are overwritten or redundant. Returns how many were deleted.
std::uint32_t cleanup_formatting_gap(doc_impl& d, transaction& tr, item* start, item* curr, const attr_map& start_attrs,
                                     attr_map& curr_attrs) {
  item* end = start;
  std::vector<std::pair<std::string_view, const format_content*>> end_formats;
  while (end != nullptr && (!end->countable() || end->deleted())) {
    if (!end->deleted() && is_format(end)) {
      const format_content& f = end->c.format();
      auto it = std::find_if(end_formats.begin(), end_formats.end(), [&](const auto& e) { return e.first == f.key; });
      if (it == end_formats.end()) {
        end_formats.emplace_back(f.key, &f);
      } else {
        it->second = &f;
      }
    }
    end = end->right;
  }
  std::uint32_t cleanups = 0;
  bool reached_curr = false;
  while (start != end) {
    if (curr == start) reached_curr = true;
    if (!start->deleted() && is_format(start)) {
      const format_content& f = start->c.format();
      const encoding::any* start_value = or_null(start_attrs.get(f.key));
      const auto ef = std::find_if(end_formats.begin(), end_formats.end(), [&](const auto& e) { return e.first == f.key; });
      const format_content* end_format = ef == end_formats.end() ? nullptr : ef->second;
      if (end_format != &f || strict_equal(start_value, &f.value)) {
        // Either overwritten by a later format, or not needed because the value already held.
        delete_item(d, tr, start);
        ++cleanups;
        if (!reached_curr && strict_equal(or_null(curr_attrs.get(f.key)), &f.value) && !strict_equal(start_value, &f.value)) {
          if (start_value->is_null()) {
            curr_attrs.erase(f.key);
          } else {
            curr_attrs.set(f.key, start_value, start_attrs.shared(f.key));
          }
        }
      }
      if (!reached_curr && !start->deleted()) update_current_attributes(curr_attrs, f);
    }
    start = start->right;
  }
  return cleanups;
}

// Yjs cleanupContextlessFormattingGap: deletes repeated format keys in the gap around `it`.
void cleanup_contextless_formatting_gap(doc_impl& d, transaction& tr, item* it) {
  while (it != nullptr && it->right != nullptr && (it->right->deleted() || !it->right->countable())) it = it->right;
  std::vector<std::string_view> seen;
  while (it != nullptr && (it->deleted() || !it->countable())) {
    if (!it->deleted() && is_format(it)) {
      const std::string_view key = it->c.format().key;
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
        delete_item(d, tr, it);
      } else {
        seen.push_back(key);
      }
    }
    it = it->left;
  }
}

// Yjs cleanupYTextFormatting (it only ever cleans the gap before the first content item).
void cleanup_text_formatting_of(doc_impl& d, transaction& tr, branch& b) {
  item* start = b.start;
  attr_map start_attrs;
  attr_map current;
  for (item* end = b.start; end != nullptr; end = end->right) {
    if (end->deleted()) continue;
    if (is_format(end)) {
      update_current_attributes(current, end->c.format());
    } else {
      cleanup_formatting_gap(d, tr, start, end, start_attrs, current);
      start_attrs = current;
      start = end;
    }
  }
}

bool is_text_kind(const branch& b) noexcept { return b.kind == type_kind::text || b.kind == type_kind::xml_text; }

}  // namespace

void cleanup_text_formatting(doc_impl& d, transaction& tr) {
  // Texts that received format items need a full cleanup.
  std::vector<branch_index> full;
  auto add_full = [&](branch_index b) {
    if (std::find(full.begin(), full.end(), b) == full.end()) full.push_back(b);
  };
  for (const client_index c : tr.touched) {
    const std::uint32_t before = tr.before(c);
    const std::uint32_t after = d.store.state(c);
    if (after == before) continue;
    iterate_structs(d, tr, c, before, after - before, [&](item* it) {
      if (!it->deleted() && is_format(it)) add_full(it->parent);
    });
  }
  transact(d, [&](transaction& t) {
    for (const auto& [c, ranges] : tr.deletes) {
      const std::uint32_t state = d.store.state(c);
      for (const ds_range& r : ranges) {
        if (r.clock >= state) break;
        iterate_structs(d, tr, c, r.clock, r.len, [&](item* it) {
          if (it->is_gc()) return;
          branch& p = d.parent_of(*it);
          if (!is_text_kind(p) || !p.has_formatting) return;
          if (std::find(full.begin(), full.end(), p.index) != full.end()) return;
          if (is_format(it)) {
            full.push_back(p.index);
          } else {
            cleanup_contextless_formatting_gap(d, t, it);
          }
        });
      }
    }
    for (const branch_index b : full) cleanup_text_formatting_of(d, t, d.branch_at(b));
  });
}

void text_position::forward() {
  item* r = right;
  if (is_format(r)) {
    if (!r->deleted()) update_current_attributes(current, r->c.format());
  } else if (!r->deleted()) {
    index += r->length;
  }
  left = r;
  right = r->right;
}

text_position find_position(doc_impl& d, transaction& tr, branch& parent, std::uint32_t index, bool use_search_marker) {
  text_position pos;
  search_marker* marker = use_search_marker ? find_marker(d, parent, index) : nullptr;
  if (marker != nullptr) {
    pos.left = marker->p->left;
    pos.right = marker->p;
    pos.index = static_cast<std::uint32_t>(std::max<std::int64_t>(marker->index, 0));
    find_next_position(d, tr, pos, std::int64_t{index} - marker->index);
  } else {
    pos.right = parent.start;
    find_next_position(d, tr, pos, index);
  }
  return pos;
}

void insert_text(doc_impl& d, transaction& tr, branch& parent, text_position& pos, content c, attr_map attributes) {
  for (const auto& [key, val] : pos.current.entries()) {
    const encoding::any* a = attributes.get(key);
    if (a == nullptr || a->is_undefined()) attributes.set(key, null_attr());
  }
  minimize_attribute_changes(pos, attributes);
  attr_map negated = insert_attributes(d, tr, parent, pos, attributes);
  const std::uint32_t len = content_length(c);
  if (parent.markers) update_marker_changes(*parent.markers, pos.index, len);
  const std::uint32_t index = pos.index;
  item* it = new_local_item(d, parent, pos.left, pos.right, std::move(c));
  integrate_item(d, tr, it);
  pos.right = it;
  pos.index = index;
  pos.forward();
  insert_negated_attributes(d, tr, parent, pos, std::move(negated));
}

void format_text(doc_impl& d, transaction& tr, branch& parent, text_position& pos, std::uint32_t length,
                 const attr_map& attributes) {
  minimize_attribute_changes(pos, attributes);
  attr_map negated = insert_attributes(d, tr, parent, pos, attributes);
  // Delete formats the new attributes supersede; also look past the range for formats that make
  // negated attributes unnecessary.
  while (pos.right != nullptr &&
         (length > 0 || (!negated.empty() && (pos.right->deleted() || is_format(pos.right))))) {
    item* r = pos.right;
    if (!r->deleted()) {
      if (is_format(r)) {
        const format_content& f = r->c.format();
        const encoding::any* attr = attributes.get(f.key);
        if (attr != nullptr) {
          if (equal_attrs(attr, &f.value)) {
            negated.erase(f.key);
          } else {
            if (length == 0) break;
            negated.set(f.key, &f.value, f.shared);
          }
          delete_item(d, tr, r);
        } else {
          pos.current.set(f.key, &f.value, f.shared);
        }
      } else {
        if (length < r->length) get_item_clean_start(d, tr, {r->id.client, r->id.clock + length});
        length -= std::min(length, r->length);
      }
    }
    pos.forward();
  }
  // Quill assumes a trailing newline: formatting past the end inserts newlines.
  if (length > 0) {
    item* nl = new_local_item(d, parent, pos.left, pos.right, content::make_string(std::string(length, '\n')));
    pos.right = nl;
    integrate_item(d, tr, nl);
    pos.forward();
  }
  insert_negated_attributes(d, tr, parent, pos, std::move(negated));
}

void delete_text(doc_impl& d, transaction& tr, text_position& pos, std::uint32_t length) {
  const std::uint32_t start_length = length;
  const attr_map start_attrs = pos.current;
  item* start = pos.right;
  while (length > 0 && pos.right != nullptr) {
    item* r = pos.right;
    if (!r->deleted()) {
      const content_tag t = r->c.tag();
      if (t == content_tag::type || t == content_tag::embed || t == content_tag::string) {
        if (length < r->length) get_item_clean_start(d, tr, {r->id.client, r->id.clock + length});
        length -= std::min(length, r->length);
        delete_item(d, tr, r);
      }
    }
    pos.forward();
  }
  const item* any_item = pos.left != nullptr ? pos.left : pos.right;
  if (any_item == nullptr) return;
  branch& parent = d.parent_of(*any_item);
  // Without any format item in this text the cleanup could not delete anything; skipping it
  // avoids walking long runs of tombstones.
  if (start != nullptr && parent.format_items) cleanup_formatting_gap(d, tr, start, pos.right, start_attrs, pos.current);
  if (parent.markers) {
    update_marker_changes(*parent.markers, pos.index, -static_cast<std::int64_t>(start_length) + length);
  }
}

encoding::any text_to_delta(const doc_impl& d, const branch& b, int depth) {
  encoding::any_array ops;
  attr_map current;
  std::string str;
  auto attrs_object = [&]() {
    encoding::any_object attrs;
    for (const auto& [k, v] : current.entries()) attrs.emplace_back(k, *v);
    return attrs;
  };
  auto pack_str = [&]() {
    if (str.empty()) return;
    encoding::any_object op;
    op.emplace_back("insert", std::move(str));
    if (!current.empty()) op.emplace_back("attributes", attrs_object());
    ops.emplace_back(std::move(op));
    str.clear();
  };
  for (const item* n = b.start; n != nullptr; n = n->right) {
    if (n->deleted()) continue;
    switch (n->c.tag()) {
      case content_tag::string: str.append(n->c.str()); break;
      case content_tag::type:
      case content_tag::embed: {
        pack_str();
        encoding::any_object op;
        op.emplace_back("insert", n->c.tag() == content_tag::embed ? n->c.embed() : type_json(d, d.branch_at(n->c.type_branch()), depth + 1));
        if (!current.empty()) op.emplace_back("attributes", attrs_object());
        ops.emplace_back(std::move(op));
        break;
      }
      case content_tag::format:
        pack_str();
        update_current_attributes(current, n->c.format());
        break;
      default: break;
    }
  }
  pack_str();
  return encoding::any(std::move(ops));
}

std::string text_to_string(const branch& b) {
  std::string s;
  for (const item* n = b.start; n != nullptr; n = n->right) {
    if (n->visible() && n->c.tag() == content_tag::string) s.append(n->c.str());
  }
  return s;
}

}  // namespace yws::crdt::detail
