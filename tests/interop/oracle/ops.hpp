// Local operations of the oracle: finding a shared type by path and editing it.
//
// A path is a JSON array: the root's name, then one step per level: an index into an array or an
// xml fragment/element, or a key into a map. Roots must have been declared with their type (at
// `create` or by `open_root`), because a Yjs root is typed by whoever opens it.
//
// Every operation checks its arguments (kinds, bounds) before touching the doc, so a bad request
// becomes an error message and never reaches a precondition of the engine.
//
// Thread safety: none (a doc is single-threaded).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "yws/crdt/doc.hpp"
#include "yws/encoding/any.hpp"

namespace yws::interop {

using root_types = std::map<std::string, crdt::type_kind, std::less<>>;

// "text", "array", "map", "xml_fragment", "xml_element", "xml_text"; nullopt otherwise.
std::optional<crdt::type_kind> parse_type_kind(std::string_view name);

// Opens the root `name` as `kind` (only array, map, text and xml_fragment are root types).
std::optional<crdt::shared_type> open_root(crdt::doc& d, std::string_view name, crdt::type_kind kind);

// The type at `path`, or nullopt with a message in `error`.
std::optional<crdt::shared_type> resolve_path(crdt::doc& d, const root_types& roots,
                                              const encoding::any& path, std::string& error);

// Runs one operation object ({"op": "text.insert", "path": [...], ...}); returns an error
// message, or the empty string on success.
std::string run_op(crdt::doc& d, const root_types& roots, const encoding::any& op);

}  // namespace yws::interop
