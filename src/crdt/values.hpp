// crdt/values.hpp: reading shared types as values (Yjs getContent / toJSON / toString).
//
// Thread safety: none. Lifetime: functions only; returned values are copies.
#pragma once

#include <cstdint>
#include <string>

#include "crdt/doc_impl.hpp"
#include "yws/crdt/doc.hpp"
#include "yws/encoding/any.hpp"

namespace yws::crdt::detail {

// Yjs type.toJSON(): text -> string, array -> array, map/xml_hook -> object, xml -> string,
// untyped root -> undefined. A subdocument appears as {"guid": ...}; nesting deeper than
// max_json_depth appears as undefined.
encoding::any type_json(const doc_impl& d, const branch& b);
// The same for a type found `depth` levels below the value being built.
encoding::any type_json(const doc_impl& d, const branch& b, int depth);
inline constexpr int max_json_depth = 512;

// The value at `offset` inside a visible item (Yjs content.getContent()[offset]).
value item_value(doc_impl& d, const item& it, std::uint32_t offset);

// Yjs XML toString() of an xml_fragment / xml_element / xml_text / xml_hook branch.
std::string xml_string(const doc_impl& d, const branch& b);

// The attributes of a map-like branch as Yjs getAttributes(): live keys in map order.
encoding::any_object map_entries_json(const doc_impl& d, const branch& b);

}  // namespace yws::crdt::detail
