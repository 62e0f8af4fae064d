#include "crdt/transaction.hpp"

#include <algorithm>
#include <exception>

#include "crdt/doc_impl.hpp"
#include "crdt/store_encode.hpp"
#include "crdt/store_ops.hpp"
#include "crdt/text_ops.hpp"

namespace yws::crdt::detail {

std::uint32_t transaction::before(client_index c) const noexcept {
  const auto& cache = doc->before_cache;
  if (c < cache.size() && cache[c].generation == generation) return cache[c].clock;
  return doc->store.state(c);
}

void note_client_change(transaction& tr, client_index c) {
  auto& cache = tr.doc->before_cache;
  if (c >= cache.size()) cache.resize(std::max<std::size_t>(c + 1, cache.size() * 2));
  if (cache[c].generation != tr.generation) {
    cache[c] = {tr.generation, tr.doc->store.state(c)};
    tr.touched.push_back(c);
  }
}

void transaction::add_delete(client_index c, std::uint32_t clock, std::uint32_t len) {
  std::vector<ds_range>* ranges = nullptr;
  if (delete_index) {
    const auto [it, inserted] = delete_index->try_emplace(c, static_cast<std::uint32_t>(deletes.size()));
    if (inserted) deletes.emplace_back(c, std::vector<ds_range>{});
    ranges = &deletes[it->second].second;
  } else {
    for (auto& [client, r] : deletes) {
      if (client == c) {
        ranges = &r;
        break;
      }
    }
    if (ranges == nullptr) {
      deletes.emplace_back(c, std::vector<ds_range>{});
      ranges = &deletes.back().second;
      if (deletes.size() > 8) {
        delete_index = std::make_unique<std::unordered_map<client_index, std::uint32_t>>();
        for (std::uint32_t i = 0; i < deletes.size(); ++i) delete_index->emplace(deletes[i].first, i);
      }
    }
  }
  ranges->push_back({clock, len});
}

void transaction::reset(doc_impl& d, origin org, bool is_local) {
  doc = &d;
  o = org;
  local = is_local;
  generation = d.next_generation++;
  touched.clear();
  deletes.clear();
  delete_index.reset();
  merge_structs.clear();
  changed.clear();
  changed_seen.clear();
}

void add_changed_type(transaction& tr, const branch& b, key_index sub) {
  const item* owner = b.owner;
  if (!b.is_root && (owner == nullptr || owner->deleted() || owner->id.clock >= tr.before(owner->id.client))) return;
  const std::pair<branch_index, key_index> entry{b.index, sub};
  if (tr.changed.size() < 16) {
    if (std::find(tr.changed.begin(), tr.changed.end(), entry) != tr.changed.end()) return;
  } else {
    if (tr.changed_seen.empty()) {
      for (const auto& [cb, cs] : tr.changed) tr.changed_seen.insert((std::uint64_t{cb} << 32) | cs);
    }
    if (!tr.changed_seen.insert((std::uint64_t{b.index} << 32) | sub).second) return;
  }
  tr.changed.push_back(entry);
}

void remove_changed_type(transaction& tr, branch_index b) {
  std::erase_if(tr.changed, [&](const auto& e) { return e.first == b; });
  std::erase_if(tr.changed_seen, [&](std::uint64_t k) { return (k >> 32) == b; });
}

transaction& current_transaction(doc_impl& d) noexcept { return *d.current; }

namespace {

// Yjs tryGcDeleteSet: collect deleted items of the transaction's delete set.
void try_gc_delete_set(doc_impl& d, const transaction& tr) {
  for (const auto& [c, ranges] : tr.deletes) {
    auto& structs = d.store.structs(c);
    for (auto di = ranges.rbegin(); di != ranges.rend(); ++di) {
      const std::uint64_t end = std::uint64_t{di->clock} + di->len;
      for (std::size_t si = block_store::find_index(structs, di->clock); si < structs.size() && structs[si]->id.clock < end;
           ++si) {
        item* s = structs[si];
        if (s->id.clock >= end) break;
        if (!s->is_gc() && s->deleted() && !s->keep()) gc_item(d, s, false);
      }
    }
  }
}

// Yjs tryMergeDeleteSet: merge deleted / collected structs around the deleted ranges, right to left.
void try_merge_delete_set(doc_impl& d, const transaction& tr) {
  for (const auto& [c, ranges] : tr.deletes) {
    auto& structs = d.store.structs(c);
    for (auto di = ranges.rbegin(); di != ranges.rend(); ++di) {
      if (di->len == 0) continue;
      const std::size_t last = block_store::find_index(structs, di->clock + di->len - 1);
      auto si = static_cast<std::ptrdiff_t>(std::min(structs.size() - 1, last + 1));
      while (si > 0 && structs[static_cast<std::size_t>(si)]->id.clock >= di->clock) {
        si -= 1 + static_cast<std::ptrdiff_t>(try_to_merge_with_lefts(d, structs, static_cast<std::size_t>(si)));
      }
    }
  }
}

void emit_update(doc_impl& d, const transaction& tr) {
  std::vector<std::pair<client_index, std::uint32_t>> from;
  for (const client_index c : tr.touched) {
    if (d.store.state(c) != tr.before(c)) from.emplace_back(c, tr.before(c));
  }
  if (from.empty() && !tr.has_deletes()) return;
  encoding::encoder enc;
  write_clients_structs(enc, d, std::move(from));
  write_local_delete_set(enc, d, tr.deletes);
  const std::vector<std::uint8_t> bytes = std::move(enc).take();
  // Handlers may (un)subscribe or start transactions: iterate over a snapshot.
  std::vector<std::shared_ptr<doc::update_handler>> handlers;
  handlers.reserve(d.subscribers.size());
  for (const auto& s : d.subscribers) handlers.push_back(s.handler);
  for (const auto& h : handlers) (*h)(bytes, tr.o);
}

void cleanup(doc_impl& d, transaction& tr) {
  for (auto& entry : tr.deletes) sort_and_merge(entry.second);
  // Observer phase: remote changes invalidate the search markers of the changed types, and a
  // remote change to a text with formatting asks for a formatting cleanup (Yjs YText._callObserver).
  bool formatting_cleanup = false;
  if (!tr.local) {
    for (const auto& [b, sub] : tr.changed) {
      branch& br = d.branch_at(b);
      if (br.owner_deleted()) continue;
      if (br.markers) br.markers->clear();
      if ((br.kind == type_kind::text || br.kind == type_kind::xml_text) && br.has_formatting) formatting_cleanup = true;
    }
  }
  for (auto& hook : d.after_transaction_hooks) hook(d, tr);
  if (formatting_cleanup) cleanup_text_formatting(d, tr);
  if (d.gc) try_gc_delete_set(d, tr);
  try_merge_delete_set(d, tr);
  // Merge the structs added by this transaction, right to left.
  for (const client_index c : tr.touched) {
    const std::uint32_t before = tr.before(c);
    if (d.store.state(c) == before) continue;
    auto& structs = d.store.structs(c);
    const std::ptrdiff_t first =
        std::max<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(block_store::find_index(structs, before)), 1);
    for (auto i = static_cast<std::ptrdiff_t>(structs.size()) - 1; i >= first;) {
      i -= 1 + static_cast<std::ptrdiff_t>(try_to_merge_with_lefts(d, structs, static_cast<std::size_t>(i)));
    }
  }
  // Merge the structs that were split during the transaction.
  for (auto it = tr.merge_structs.rbegin(); it != tr.merge_structs.rend(); ++it) {
    auto& structs = d.store.structs(it->client);
    const std::size_t pos = block_store::find_index(structs, it->clock);
    if (pos + 1 < structs.size() && try_to_merge_with_lefts(d, structs, pos + 1) > 1) continue;
    if (pos > 0) try_to_merge_with_lefts(d, structs, pos);
  }
  // A remote transaction that advanced our own client means someone else uses our id.
  if (!tr.local) {
    const client_index own = d.store.find(d.client_id);
    if (own != no_client && d.store.state(own) != tr.before(own)) d.client_id = d.random_client_id();
  }
  if (!d.subscribers.empty()) emit_update(d, tr);
}

}  // namespace

bool begin_transaction(doc_impl& d, origin o, bool local) {
  if (d.current != nullptr) return false;
  std::unique_ptr<transaction> t;
  if (d.spare.empty()) {
    t = std::make_unique<transaction>();
  } else {
    t = std::move(d.spare.back());
    d.spare.pop_back();
  }
  t->reset(d, o, local);
  d.current = t.get();
  d.cleanups.push_back(std::move(t));
  return true;
}

void end_transaction(doc_impl& d) {
  transaction* t = d.current;
  d.current = nullptr;
  ++d.revision;
  // A transaction opened while another one is being cleaned up (from an update handler) is
  // cleaned up after it, by the loop below.
  if (d.cleanups.empty() || d.cleanups.front().get() != t) return;
  std::exception_ptr error;
  for (std::size_t i = 0; i < d.cleanups.size(); ++i) {
    try {
      cleanup(d, *d.cleanups[i]);
    } catch (...) {
      if (!error) error = std::current_exception();
    }
  }
  for (auto& done : d.cleanups) d.spare.push_back(std::move(done));
  d.cleanups.clear();
  if (d.spare.size() > 4) d.spare.resize(4);
  if (error) std::rethrow_exception(error);
}

}  // namespace yws::crdt::detail
