#include "crdt/integrate.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>

#include "crdt/store_ops.hpp"
#include "crdt/update_merge.hpp"

namespace yws::crdt::detail {

namespace {

sid to_sid(const doc_impl& d, const ir_id& id) { return {d.store.find(id.client), id.clock}; }

// First half of Yjs Item.getMissing: the client whose struct this one depends on and which is
// not known yet (references to the struct's own client are covered by the clock check).
std::optional<std::uint64_t> missing_dependency(const doc_impl& d, const ir_struct& s) {
  if (s.kind != ir_kind::item) return std::nullopt;
  if (s.has_origin && s.origin.client != s.client && s.origin.clock >= d.store.state_of(s.origin.client)) {
    return s.origin.client;
  }
  if (s.has_right_origin && s.right_origin.client != s.client &&
      s.right_origin.clock >= d.store.state_of(s.right_origin.client)) {
    return s.right_origin.client;
  }
  if (s.parent_kind == ir_parent::id && s.parent_id.client != s.client &&
      s.parent_id.clock >= d.store.state_of(s.parent_id.client)) {
    return s.parent_id.client;
  }
  return std::nullopt;
}

// Second half of getMissing: the neighbours and parent the item will be integrated with.
struct resolved {
  item* left = nullptr;
  item* right = nullptr;
  sid origin;
  sid right_origin;
  branch_index parent = no_branch;  // no_branch: integrate as a GC struct
  key_index parent_sub = no_key;
};

resolved resolve_references(doc_impl& d, transaction& tr, const ir_struct& s) {
  resolved r;
  if (s.has_origin) {
    r.left = get_item_clean_end(d, tr, to_sid(d, s.origin));
    if (!r.left->is_gc()) r.origin = r.left->last_id();
  }
  if (s.has_right_origin) {
    r.right = get_item_clean_start(d, tr, to_sid(d, s.right_origin));
    r.right_origin = r.right->id;
  }
  if ((r.left != nullptr && r.left->is_gc()) || (r.right != nullptr && r.right->is_gc())) {
    r.parent = no_branch;  // a neighbour was collected: so was this item's parent
  } else if (s.parent_kind == ir_parent::none) {
    const item* from = r.left != nullptr ? r.left : r.right;
    if (from != nullptr) {
      r.parent = from->parent;
      r.parent_sub = from->parent_sub;
    }
  } else {
    if (s.parent_kind == ir_parent::name) {
      r.parent = d.root(s.parent_name).index;
    } else {
      const item* p = d.store.find_struct(to_sid(d, s.parent_id));
      // A collected parent, or an ID naming something that is not a type: Yjs stores a GC struct.
      if (!p->is_gc() && p->c.tag() == content_tag::type && !p->c.is_type_desc()) r.parent = p->c.type_branch();
    }
    if (r.parent != no_branch && s.parent_sub) r.parent_sub = d.keys.intern(*s.parent_sub);
  }
  return r;
}

// getMissing's resolution followed by Item.integrate(transaction, offset) / GC.integrate.
void integrate_struct(doc_impl& d, transaction& tr, ir_struct& s, std::uint32_t offset) {
  const client_index c = d.store.intern(s.client);
  if (s.kind == ir_kind::gc) {
    integrate_gc(d, tr, {c, s.clock + offset}, s.len - offset);
    return;
  }
  resolved r = resolve_references(d, tr, s);
  std::uint32_t clock = s.clock;
  std::uint32_t len = s.len;
  if (offset > 0) {
    clock += offset;
    r.left = get_item_clean_end(d, tr, {c, clock - 1});
    // Yjs crashes when the known part is a GC struct; yws stores the rest as GC as well.
    if (r.left->is_gc()) r.parent = no_branch;
    r.origin = r.left->last_id();
    content right_part = s.c.splice(offset, s.len);
    s.c = std::move(right_part);
    len -= offset;
  }
  if (r.parent == no_branch) {
    integrate_gc(d, tr, {c, clock}, len);
    return;
  }
  item* it = make_item(d, {c, clock}, r.left, r.origin, r.right, r.right_origin, r.parent, r.parent_sub, std::move(s.c));
  it->length = len;
  integrate_item(d, tr, it);
}

// Yjs integrateStructs. Returns the structs that could not be integrated (and the clocks they
// wait for), or nullopt.
std::optional<pending_structs> integrate_structs(doc_impl& d, transaction& tr, std::vector<ir_block>& blocks) {
  struct client_refs {
    std::vector<ir_struct>* structs;
    std::size_t i = 0;
    bool removed = false;  // moved to the rest (Yjs clientsStructRefs.delete)
  };
  static std::vector<ir_struct> no_structs;
  std::unordered_map<std::uint64_t, client_refs> refs;
  for (auto& b : blocks) refs[b.client] = client_refs{&b.structs, 0, false};  // a repeated client replaces
  std::vector<std::uint64_t> ids;
  ids.reserve(refs.size());
  for (const auto& e : refs) ids.push_back(e.first);
  std::sort(ids.begin(), ids.end());
  if (ids.empty()) return std::nullopt;

  auto next_target = [&]() -> client_refs* {
    while (!ids.empty()) {
      client_refs* t = &refs.at(ids.back());
      if (t->i < t->structs->size()) return t;
      ids.pop_back();
    }
    return nullptr;
  };
  client_refs* cur = next_target();
  if (cur == nullptr) return std::nullopt;

  std::map<std::uint64_t, std::vector<ir_struct*>> rest;
  std::map<std::uint64_t, std::uint32_t> missing_sv;
  auto update_missing = [&](std::uint64_t client, std::uint32_t clock) {
    const auto it = missing_sv.find(client);
    if (it == missing_sv.end() || it->second > clock) missing_sv[client] = clock;
  };
  std::vector<ir_struct*> stack;
  auto add_stack_to_rest = [&]() {
    for (ir_struct* s : stack) {
      const std::uint64_t client = s->client;
      client_refs& r = refs[client];
      if (r.structs != nullptr && !r.removed) {
        --r.i;  // the struct we could not apply
        std::vector<ir_struct*> tail;
        for (std::size_t k = r.i; k < r.structs->size(); ++k) tail.push_back(&(*r.structs)[k]);
        rest[client] = std::move(tail);
        r.removed = true;
        r.structs = &no_structs;
        r.i = 0;
      } else {
        rest[client] = {s};
      }
      std::erase(ids, client);
    }
    stack.clear();
  };
  std::unordered_map<std::uint64_t, std::uint32_t> state;  // cached client states

  ir_struct* head = &(*cur->structs)[cur->i++];
  while (true) {
    if (head->kind != ir_kind::skip) {
      const std::uint64_t client = head->client;
      const auto st = state.try_emplace(client, d.store.state_of(client)).first->second;
      const std::int64_t offset = std::int64_t{st} - head->clock;
      if (offset < 0) {
        // An earlier struct of the same client is missing.
        stack.push_back(head);
        update_missing(client, head->clock - 1);
        add_stack_to_rest();
      } else if (const auto missing = missing_dependency(d, *head)) {
        // Also when the ids are known already: they may be known as a GC struct (from a peer
        // that collected the item), and then the later structs of this client wait with it, as
        // in Yjs. encode_state_as_update never re-emits what the doc has (see doc.cpp).
        stack.push_back(head);
        const auto it = refs.find(*missing);
        if (it == refs.end() || it->second.removed || it->second.i == it->second.structs->size()) {
          // Depends on an update we have not received yet.
          update_missing(*missing, d.store.state_of(*missing));
          add_stack_to_rest();
        } else {
          head = &(*it->second.structs)[it->second.i++];
          continue;
        }
      } else if (offset == 0 || offset < head->len) {
        integrate_struct(d, tr, *head, static_cast<std::uint32_t>(offset));
        state[client] = head->end();
      } else if (head->kind == ir_kind::item) {
        resolve_references(d, tr, *head);  // already known: Yjs still resolves (and splits)
      }
    }
    if (!stack.empty()) {
      head = stack.back();
      stack.pop_back();
    } else if (cur != nullptr && cur->i < cur->structs->size()) {
      head = &(*cur->structs)[cur->i++];
    } else {
      cur = next_target();
      if (cur == nullptr) break;
      head = &(*cur->structs)[cur->i++];
    }
  }
  if (rest.empty()) return std::nullopt;
  pending_structs p;
  p.missing = std::move(missing_sv);
  for (auto it = rest.rbegin(); it != rest.rend(); ++it) {  // clients descending, as Yjs writes them
    if (it->second.empty()) continue;
    ir_block b{it->first, it->second.front()->clock, {}};
    for (ir_struct* s : it->second) b.structs.push_back(std::move(*s));
    p.update.blocks.push_back(std::move(b));
  }
  return p;
}

// Yjs readAndApplyDeleteSet: deletes what is known, returns the rest (or nullopt).
std::optional<ir_delete_set> apply_delete_set(doc_impl& d, transaction& tr, const ir_delete_set& ds) {
  ds_builder unapplied_ds;
  auto add_unapplied = [&](std::uint64_t client, std::uint32_t clock, std::uint32_t len) {
    unapplied_ds.ranges_of(client).push_back({clock, len});
  };
  for (const auto& [client, ranges] : ds.clients) {
    const client_index c = d.store.find(client);
    const std::uint32_t state = d.store.state(c);
    for (const ds_range& r : ranges) {
      const std::uint32_t clock = r.clock;
      const std::uint32_t end = r.clock + r.len;
      if (clock >= state) {
        add_unapplied(client, clock, end - clock);
        continue;
      }
      if (state < end) add_unapplied(client, state, end - state);
      auto& structs = d.store.structs(c);
      std::size_t index = block_store::find_index(structs, clock);
      item* s = structs[index];
      if (!s->deleted() && s->id.clock < clock) {
        item* right = split_item(d, tr, s, clock - s->id.clock);
        structs.insert(index + 1, right);
        ++index;
      }
      while (index < structs.size()) {
        s = structs[index++];
        if (s->id.clock >= end) break;
        if (!s->deleted()) {
          if (end < s->end_clock()) {
            item* right = split_item(d, tr, s, end - s->id.clock);
            structs.insert(index, right);
          }
          delete_item(d, tr, s);
        }
      }
    }
  }
  if (unapplied_ds.empty()) return std::nullopt;
  ir_delete_set unapplied = std::move(unapplied_ds).take();
  // Stored as Yjs stores it: written (clients descending) and read back.
  std::stable_sort(unapplied.clients.begin(), unapplied.clients.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  return unapplied;
}

}  // namespace

void apply_update(doc_impl& d, transaction& tr, update_ir ir) {
  tr.local = false;
  // Yjs resolves root names while decoding (doc.get(name)), also for structs that end up pending.
  for (const auto& b : ir.blocks) {
    for (const auto& s : b.structs) {
      if (s.kind == ir_kind::item && s.parent_kind == ir_parent::name) d.root(s.parent_name);
    }
  }
  bool retry = false;
  std::optional<pending_structs> rest = integrate_structs(d, tr, ir.blocks);
  if (d.pending) {
    for (const auto& [client, clock] : d.pending->missing) {
      if (clock < d.store.state_of(client)) {
        retry = true;
        break;
      }
    }
    if (rest) {
      for (const auto& [client, clock] : rest->missing) {
        const auto it = d.pending->missing.find(client);
        if (it == d.pending->missing.end() || it->second > clock) d.pending->missing[client] = clock;
      }
      std::vector<update_ir> parts;
      parts.push_back(std::move(d.pending->update));
      parts.push_back(std::move(rest->update));
      std::optional<update_ir> merged = roundtrip(merge_updates(std::move(parts)));
      if (merged) {
        d.pending->update = std::move(*merged);
      } else {
        d.pending.reset();
      }
    }
  } else {
    d.pending = std::move(rest);
  }
  std::optional<ir_delete_set> ds_rest = apply_delete_set(d, tr, ir.ds);
  if (d.pending_ds) {
    const ir_delete_set previous = std::move(*d.pending_ds);
    d.pending_ds.reset();
    std::optional<ir_delete_set> ds_rest2 = apply_delete_set(d, tr, previous);
    if (ds_rest && ds_rest2) {
      std::vector<ir_delete_set> sets;
      sets.push_back(std::move(*ds_rest));
      sets.push_back(std::move(*ds_rest2));
      ir_delete_set merged = merge_delete_sets(std::move(sets));
      std::stable_sort(merged.clients.begin(), merged.clients.end(),
                       [](const auto& a, const auto& b) { return a.first > b.first; });
      d.pending_ds = std::move(merged);
    } else {
      d.pending_ds = ds_rest ? std::move(ds_rest) : std::move(ds_rest2);
    }
  } else {
    d.pending_ds = std::move(ds_rest);
  }
  if (retry && d.pending) {
    update_ir again = std::move(d.pending->update);
    d.pending.reset();
    apply_update(d, tr, std::move(again));
  }
}

}  // namespace yws::crdt::detail
