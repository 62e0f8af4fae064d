#include "crdt/store_ops.hpp"

#include <stdexcept>

namespace yws::crdt::detail {

item* make_item(doc_impl& d, sid id, item* left, sid origin, item* right, sid right_origin, branch_index parent,
                key_index parent_sub, content c) {
  item* it = d.pool.make();
  it->id = id;
  it->left = left;
  it->origin = origin;
  it->right = right;
  it->right_origin = right_origin;
  it->parent = parent;
  it->parent_sub = parent_sub;
  it->info = c.countable() ? flag_countable : 0;
  it->c = std::move(c);
  return it;
}

sid branch_item_id(const branch& b) noexcept { return b.owner != nullptr ? b.owner->id : b.owner_id; }

item* split_item(doc_impl& d, transaction& tr, item* left, std::uint32_t diff) {
  if (left->is_gc() || diff == 0 || diff >= left->length) throw std::logic_error("split_item: bad split");
  const sid id = left->id;
  item* right = make_item(d, {id.client, id.clock + diff}, left, {id.client, id.clock + diff - 1}, left->right,
                          left->right_origin, left->parent, left->parent_sub, left->c.splice(diff, left->length));
  right->length = left->length - diff;
  if (left->deleted()) right->set_flag(flag_deleted, true);
  if (left->keep()) right->set_flag(flag_keep, true);
  if (left->has_redone()) {
    const sid r = d.redone.at(left);
    d.redone[right] = {r.client, r.clock + diff};
    right->set_flag(flag_redone, true);
  }
  // The left part keeps its rightOrigin on purpose (Yjs: changing it breaks syncing).
  left->right = right;
  if (right->right != nullptr) right->right->left = right;
  tr.merge_structs.push_back(right->id);
  if (right->parent_sub != no_key && right->right == nullptr) d.parent_of(*right).map.set(right->parent_sub, right);
  left->length = diff;
  return right;
}

std::size_t find_index_clean_start(doc_impl& d, transaction& tr, struct_list& structs, std::uint32_t clock) {
  const std::size_t index = block_store::find_index(structs, clock);
  item* s = structs[index];
  if (s->id.clock < clock && !s->is_gc()) {
    item* right = split_item(d, tr, s, clock - s->id.clock);
    structs.insert(index + 1, right);
    return index + 1;
  }
  return index;
}

item* get_item_clean_start(doc_impl& d, transaction& tr, sid id) {
  auto& structs = d.store.structs(id.client);
  return structs[find_index_clean_start(d, tr, structs, id.clock)];
}

item* get_item_clean_end(doc_impl& d, transaction& tr, sid id) {
  auto& structs = d.store.structs(id.client);
  const std::size_t index = block_store::find_index(structs, id.clock);
  item* s = structs[index];
  if (id.clock != s->id.clock + s->length - 1 && !s->is_gc()) {
    item* right = split_item(d, tr, s, id.clock - s->id.clock + 1);
    structs.insert(index + 1, right);
  }
  return s;
}

namespace {

// The first item of a key's chain (the chain head is reached by walking left from the value).
item* key_chain_start(const branch& p, key_index sub) {
  item* o = p.map.get(sub);
  while (o != nullptr && o->left != nullptr) o = o->left;
  return o;
}

// Yjs ContentX.integrate for the kinds that do something.
void integrate_content(doc_impl& d, transaction& tr, item* it, branch& p) {
  switch (it->c.tag()) {
    case content_tag::deleted:
      tr.add_delete(it->id.client, it->id.clock, it->length);
      it->set_flag(flag_deleted, true);
      break;
    case content_tag::type: {
      if (it->c.is_type_desc()) {
        const type_desc desc = it->c.desc();
        branch& b = d.new_branch(desc.kind, desc.name);
        it->c = content::make_type(b.index);
      }
      branch& b = d.branch_at(it->c.type_branch());
      b.owner = it;
      b.owner_id = it->id;
      break;
    }
    case content_tag::format:
      // Search markers are unsupported for rich text (Yjs ContentFormat.integrate).
      p.markers.reset();
      p.has_formatting = true;
      p.format_items = true;
      break;
    default: break;
  }
}

}  // namespace

void integrate_item(doc_impl& d, transaction& tr, item* it) {
  branch& p = d.branch_at(it->parent);
  const key_index sub = it->parent_sub;
  if ((it->left == nullptr && (it->right == nullptr || it->right->left != nullptr)) ||
      (it->left != nullptr && it->left->right != it->right)) {
    // Conflict resolution (YATA as Yjs does it): find the item to integrate after.
    item* left = it->left;
    item* o;
    if (left != nullptr) {
      o = left->right;
    } else if (sub != no_key) {
      o = key_chain_start(p, sub);
    } else {
      o = p.start;
    }
    auto& conflicting = d.conflicting_scratch;
    auto& before_origin = d.before_origin_scratch;
    conflicting.clear();
    before_origin.clear();
    const std::uint64_t own_client = d.store.client_id(it->id.client);
    while (o != nullptr && o != it->right) {
      before_origin.insert(o);
      conflicting.insert(o);
      if (it->origin == o->origin) {
        if (d.store.client_id(o->id.client) < own_client) {
          left = o;
          conflicting.clear();
        } else if (it->right_origin == o->right_origin) {
          break;  // same integration points: the id decides, this goes first
        }
      } else if (o->origin.valid() && before_origin.count(d.store.find_struct(o->origin)) != 0) {
        if (conflicting.count(d.store.find_struct(o->origin)) == 0) {
          left = o;
          conflicting.clear();
        }
      } else {
        break;
      }
      o = o->right;
    }
    it->left = left;
  }
  // Link between left and right, updating the list start or the key's value.
  if (it->left != nullptr) {
    it->right = it->left->right;
    it->left->right = it;
  } else {
    item* r;
    if (sub != no_key) {
      r = key_chain_start(p, sub);
    } else {
      r = p.start;
      p.start = it;
    }
    it->right = r;
  }
  if (it->right != nullptr) {
    it->right->left = it;
  } else if (sub != no_key) {
    p.map.set(sub, it);
    if (it->left != nullptr) delete_item(d, tr, it->left);  // the previous value is overwritten
  }
  if (sub == no_key && it->countable() && !it->deleted()) p.length += it->length;
  note_client_change(tr, it->id.client);
  d.store.add(it);
  integrate_content(d, tr, it, p);
  add_changed_type(tr, p, sub);
  if (p.owner_deleted() || (sub != no_key && it->right != nullptr)) delete_item(d, tr, it);
}

void integrate_gc(doc_impl& d, transaction& tr, sid id, std::uint32_t len) {
  item* it = d.pool.make();
  it->id = id;
  it->length = len;
  it->info = flag_gc | flag_deleted;
  note_client_change(tr, id.client);
  d.store.add(it);
}

namespace {

// Item.delete without the content part.
void mark_deleted(doc_impl& d, transaction& tr, item* it) {
  branch& p = d.parent_of(*it);
  if (it->countable() && it->parent_sub == no_key) p.length -= it->length;
  it->set_flag(flag_deleted, true);
  tr.add_delete(it->id.client, it->id.clock, it->length);
  add_changed_type(tr, p, it->parent_sub);
}

}  // namespace

void delete_item(doc_impl& d, transaction& tr, item* it) {
  if (it->deleted()) return;
  mark_deleted(d, tr, it);
  if (it->c.tag() != content_tag::type) return;
  // ContentType.delete, depth-first over nested types with an explicit stack (hostile updates
  // can nest types arbitrarily deep).
  struct frame {
    branch_index b;
    item* next;
    std::size_t map_pos;
    bool in_map;
  };
  std::vector<frame> stack;
  stack.push_back({it->c.type_branch(), d.branch_at(it->c.type_branch()).start, 0, false});
  while (!stack.empty()) {
    frame& f = stack.back();
    const branch& b = d.branch_at(f.b);
    item* x = nullptr;
    if (!f.in_map) {
      if (f.next != nullptr) {
        x = f.next;
        f.next = x->right;
      } else {
        f.in_map = true;
      }
    }
    if (x == nullptr) {
      if (f.map_pos < b.map.size()) {
        x = (b.map.begin() + static_cast<std::ptrdiff_t>(f.map_pos))->second;
        ++f.map_pos;
      } else {
        remove_changed_type(tr, f.b);
        stack.pop_back();
        continue;
      }
    }
    if (!x->deleted()) {
      mark_deleted(d, tr, x);
      if (x->c.tag() == content_tag::type) {
        const branch_index child = x->c.type_branch();
        stack.push_back({child, d.branch_at(child).start, 0, false});
      }
    } else if (x->id.clock < tr.before(x->id.client)) {
      // Deleted before this transaction: it will be collected, so try to merge it afterwards.
      tr.merge_structs.push_back(x->id);
    }
  }
}

namespace {

// Turns an item into a GC struct in place (Yjs replaceStruct(store, item, new GC(...))).
void become_gc(doc_impl& d, item* it) {
  if (it->has_redone()) d.redone.erase(it);
  it->left = nullptr;
  it->right = nullptr;
  it->origin = {};
  it->right_origin = {};
  it->parent = no_branch;
  it->parent_sub = no_key;
  it->c = content();
  it->info = flag_gc | flag_deleted;
}

// The branch of a collected type: empty, detached from its item (which may be merged away).
void retire_branch(branch& b, sid item_id) {
  b.start = nullptr;
  b.map.clear();
  if (b.markers) b.markers->clear();
  b.owner = nullptr;
  b.owner_id = item_id;
  b.dead = true;
}

// ContentType.gc: every item of the type (list and all key chains) becomes a GC struct.
void gc_type_content(doc_impl& d, branch_index root) {
  std::vector<branch_index> work{root};
  auto collect = [&](item* x) {
    if (x->c.tag() == content_tag::type) {
      const branch_index child = x->c.type_branch();
      work.push_back(child);
      d.branch_at(child).owner = nullptr;
      d.branch_at(child).owner_id = x->id;
    }
    become_gc(d, x);
  };
  while (!work.empty()) {
    branch& b = d.branch_at(work.back());
    work.pop_back();
    for (item* x = b.start; x != nullptr;) {
      item* next = x->right;
      collect(x);
      x = next;
    }
    for (const auto& entry : b.map) {
      for (item* x = entry.second; x != nullptr;) {
        item* prev = x->left;
        collect(x);
        x = prev;
      }
    }
    retire_branch(b, b.owner != nullptr ? b.owner->id : b.owner_id);
  }
}

}  // namespace

void gc_item(doc_impl& d, item* it, bool parent_gcd) {
  if (it->c.tag() == content_tag::type) {
    const branch_index b = it->c.type_branch();
    d.branch_at(b).owner_id = it->id;
    gc_type_content(d, b);
  }
  if (parent_gcd) {
    become_gc(d, it);
  } else {
    it->c = content::make_deleted();
  }
}

namespace {

// Yjs Item.mergeWith. On success `right` is released.
bool merge_items(doc_impl& d, item* left, item* right) {
  if (left->c.tag() != right->c.tag() || !left->c.splittable() || right->origin != left->last_id() ||
      left->right != right || left->right_origin != right->right_origin || left->id.client != right->id.client ||
      left->id.clock + left->length != right->id.clock || left->deleted() != right->deleted() ||
      left->has_redone() || right->has_redone()) {
    return false;
  }
  left->c.merge(std::move(right->c));
  branch& p = d.parent_of(*left);
  if (p.markers) {
    for (search_marker& m : *p.markers) {
      if (m.p == right) {
        // right is going away: move its marker to left and adjust the index
        m.p = left;
        if (!left->deleted() && left->countable()) m.index -= left->length;
      }
    }
  }
  if (right->keep()) left->set_flag(flag_keep, true);
  left->right = right->right;
  if (left->right != nullptr) left->right->left = left;
  left->length += right->length;
  if (right->parent_sub != no_key && p.map.get(right->parent_sub) == right) p.map.set(right->parent_sub, left);
  d.pool.release(right);
  return true;
}

}  // namespace

std::size_t try_to_merge_with_lefts(doc_impl& d, struct_list& structs, std::size_t pos) {
  item* right = structs[pos];
  std::size_t i = pos;
  while (i > 0) {
    item* left = structs[i - 1];
    if (left->deleted() != right->deleted() || left->is_gc() != right->is_gc()) break;
    if (left->is_gc()) {
      left->length += right->length;
      d.pool.release(right);
    } else if (!merge_items(d, left, right)) {
      break;
    }
    right = left;
    --i;
  }
  const std::size_t merged = pos - i;
  if (merged != 0) {
    structs.erase(pos + 1 - merged, pos + 1);
  }
  return merged;
}

}  // namespace yws::crdt::detail
