// crdt/store_encode.hpp: writing a doc's structs and delete set (Yjs writeClientsStructs,
// Item.write, createDeleteSetFromStructStore).
//
// Thread safety: none. Lifetime: functions only.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "crdt/doc_impl.hpp"
#include "yws/encoding/encoder.hpp"

namespace yws::crdt::detail {

// Item.write / GC.write from clock offset `offset`.
void write_store_struct(encoding::encoder& enc, const doc_impl& d, const item& it, std::uint32_t offset);

// Writes, for each (client, from_clock) with state > from_clock, the client's structs from
// from_clock on, clients descending (Yjs writeClientsStructs). Other clients are not written.
void write_clients_structs(encoding::encoder& enc, const doc_impl& d,
                           std::vector<std::pair<client_index, std::uint32_t>> from);

// Every deleted range of the store, adjacent deleted structs joined.
ir_delete_set delete_set_from_store(const doc_impl& d);

// Writes a delete set whose clients are doc-local indices (clients descending by id).
void write_local_delete_set(encoding::encoder& enc, const doc_impl& d,
                            const std::vector<std::pair<client_index, std::vector<ds_range>>>& ds);

}  // namespace yws::crdt::detail
