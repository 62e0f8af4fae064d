// crdt/integrate.hpp: applying a decoded update to a doc (Yjs readUpdateV2, integrateStructs,
// readAndApplyDeleteSet and the pending-data bookkeeping around them).
//
// Everything here runs on a validated update_ir and cannot fail: the checks that could fail
// were done by decode_update_v1, which is how apply_update_v1 stays atomic.
//
// Thread safety: none. Requires an open transaction.
#pragma once

#include "crdt/doc_impl.hpp"
#include "crdt/update_ir.hpp"

namespace yws::crdt::detail {

// Integrates `ir` (structs, then deletes, then pending data that became applicable) in `tr`.
void apply_update(doc_impl& d, transaction& tr, update_ir ir);

}  // namespace yws::crdt::detail
