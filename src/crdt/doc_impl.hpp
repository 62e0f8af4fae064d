// crdt/doc_impl.hpp: the state behind yws::crdt::doc.
//
// Holds the block store and item pool, the branch table (roots and nested types), interned map
// keys, pending structs and deletes (Yjs store.pendingStructs / pendingDs), the transaction
// machinery and the update subscribers. The algorithms live in free functions over doc_impl
// (store_ops.hpp, integrate.hpp, transaction.hpp, list_ops.hpp, text_ops.hpp).
//
// Thread safety: none. Lifetime: owned by a doc; branches and items live as long as it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "crdt/block_store.hpp"
#include "crdt/branch.hpp"
#include "crdt/ids.hpp"
#include "crdt/item.hpp"
#include "crdt/transaction.hpp"
#include "crdt/update_ir.hpp"
#include "yws/crdt/doc.hpp"

namespace yws::crdt::detail {

// Interned map keys (parentSub strings).
class key_table {
 public:
  key_index intern(std::string_view key);
  key_index find(std::string_view key) const noexcept;
  const std::string& name(key_index k) const noexcept { return *names_[k]; }

 private:
  std::vector<std::unique_ptr<std::string>> names_;
  std::unordered_map<std::string_view, key_index> index_;
};

// Structs waiting for missing dependencies (Yjs store.pendingStructs).
struct pending_structs {
  std::map<std::uint64_t, std::uint32_t> missing;  // client -> clock that must become known
  update_ir update;                                 // blocks only, no deletes
};

struct doc_impl {
  explicit doc_impl(doc::options opts);
  ~doc_impl();
  doc_impl(const doc_impl&) = delete;
  doc_impl& operator=(const doc_impl&) = delete;

  // --- identity and options
  std::uint64_t client_id = 0;
  std::string guid;
  bool gc = true;
  std::mt19937_64 rng;

  // --- storage
  item_pool pool;
  block_store store;
  std::vector<std::unique_ptr<branch>> branches;
  std::unordered_map<std::string, branch_index> roots;
  std::vector<branch_index> root_order;  // creation order (Yjs doc.share)
  key_table keys;
  std::uint64_t marker_clock = 0;        // Yjs globalSearchMarkerTimestamp
  // Yjs Item.redone, for the few items an undo manager redid (flag_redone marks them): kept
  // out of item to keep items at 64 bytes; split_item carries it over, merging refuses it.
  std::unordered_map<const item*, sid> redone;

  // --- pending data
  std::optional<pending_structs> pending;
  std::optional<ir_delete_set> pending_ds;

  // --- transactions
  // Per client index: the clock before the transaction stamped `generation` changed it.
  struct before_entry {
    std::uint64_t generation = 0;
    std::uint32_t clock = 0;
  };
  std::vector<before_entry> before_cache;
  std::uint64_t next_generation = 1;
  transaction* current = nullptr;                    // the open transaction, if any
  std::uint64_t revision = 0;                        // bumped when an outermost transaction ends
  std::vector<std::unique_ptr<transaction>> cleanups;  // transactions awaiting cleanup, in order
  std::vector<std::unique_ptr<transaction>> spare;     // recycled transaction objects

  // --- update subscribers
  struct subscriber {
    std::uint64_t id;
    std::shared_ptr<doc::update_handler> handler;
  };
  std::vector<subscriber> subscribers;
  std::uint64_t next_subscriber = 1;
  // Run at the observer phase of every transaction's cleanup, before the YText formatting
  // cleanup, GC and merging (where Yjs calls type observers): the extension point for events.
  std::vector<std::function<void(doc_impl&, transaction&)>> after_transaction_hooks;

  branch& branch_at(branch_index b) noexcept { return *branches[b]; }
  const branch& branch_at(branch_index b) const noexcept { return *branches[b]; }
  branch& parent_of(const item& it) noexcept { return *branches[it.parent]; }

  // Creates a branch (not a root, not yet attached to an item) and returns it.
  branch& new_branch(type_kind kind, std::string node_name = {});
  // doc.get(name): the root of that name, created untyped if unknown.
  branch& root(std::string_view name);
  // doc.get(name, Type): creates or upgrades the root; throws std::logic_error on a kind clash.
  branch& typed_root(std::string_view name, type_kind kind);
  // Sets up a branch's per-kind state (search markers for arrays and texts).
  static void init_kind(branch& b, type_kind kind);

  client_index own_client() { return store.intern(client_id); }
  std::uint64_t random_client_id();

  // Scratch sets of Item.integrate's conflict resolution, kept to avoid allocations.
  std::unordered_set<const item*> conflicting_scratch;
  std::unordered_set<const item*> before_origin_scratch;
};

}  // namespace yws::crdt::detail
