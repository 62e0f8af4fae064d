// crdt/transaction.hpp: Yjs transactions (Transaction.js).
//
// Every change happens inside a transaction. The outermost one records the clock each client had
// before it (lazily: only clients that get new structs), the deletions it made, the structs that
// were split (to merge them back) and the changed types. When it ends, cleanup runs in Yjs'
// order: garbage collection of deleted content, struct merging, the client-id collision rule,
// then the `update` event with the v1 bytes Yjs would emit. A transaction started from an update
// handler runs immediately but is cleaned up after the current one, as in Yjs.
//
// Thread safety: none. Lifetime: transactions are owned by their doc_impl and recycled.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "crdt/ids.hpp"
#include "crdt/update_ir.hpp"
#include "yws/crdt/doc.hpp"

namespace yws::crdt::detail {

struct doc_impl;
struct branch;

struct transaction {
  doc_impl* doc = nullptr;
  origin o = nullptr;
  bool local = true;
  std::uint64_t generation = 0;  // stamps this transaction's entries in doc_impl::before_cache
  // Clients that received structs, in order of first change (their before-clock is cached).
  std::vector<client_index> touched;
  // Deletions made by this transaction (Yjs transaction.deleteSet), per client.
  std::vector<std::pair<client_index, std::vector<ds_range>>> deletes;
  std::unique_ptr<std::unordered_map<client_index, std::uint32_t>> delete_index;  // past 8 clients
  // Items split during the transaction, to be merged back at cleanup (Yjs _mergeStructs).
  std::vector<sid> merge_structs;
  // Types changed, with the map keys changed (no_key for the list), Yjs transaction.changed.
  std::vector<std::pair<branch_index, key_index>> changed;
  std::unordered_set<std::uint64_t> changed_seen;

  // Yjs transaction.beforeState.get(client) || 0.
  std::uint32_t before(client_index c) const noexcept;
  void add_delete(client_index c, std::uint32_t clock, std::uint32_t len);
  bool has_deletes() const noexcept { return !deletes.empty(); }
  void reset(doc_impl& d, origin org, bool is_local);
};

// Records that `c` is about to get a struct (call before adding it to the store).
void note_client_change(transaction& tr, client_index c);

// Yjs addChangedTypeToTransaction: records `b` (with key `sub`) if it existed before the
// transaction and is not deleted.
void add_changed_type(transaction& tr, const branch& b, key_index sub);
// Yjs transaction.changed.delete(type).
void remove_changed_type(transaction& tr, branch_index b);

// Opens a transaction or joins the open one. Returns true when this call opened it (and must
// close it with end_transaction).
bool begin_transaction(doc_impl& d, origin o, bool local);
// Closes the transaction opened by begin_transaction and runs pending cleanups.
void end_transaction(doc_impl& d);
// The open transaction. Requires: one is open.
transaction& current_transaction(doc_impl& d) noexcept;

// Runs `fn(transaction&)` inside a transaction (Yjs transact).
template <class F>
void transact(doc_impl& d, F&& fn, origin o = nullptr, bool local = true) {
  const bool opened = begin_transaction(d, o, local);
  if (!opened) {
    fn(current_transaction(d));
    return;
  }
  try {
    fn(current_transaction(d));
  } catch (...) {
    end_transaction(d);
    throw;
  }
  end_transaction(d);
}

}  // namespace yws::crdt::detail
