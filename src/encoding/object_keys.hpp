// Private: duplicate-key handling of any_object, shared by the lib0 and JSON readers and writers.
#pragma once

#include <cstddef>
#include <vector>

#include "yws/encoding/any.hpp"

namespace yws::encoding::detail {

// For each entry i of `obj`, the index of the first entry with the same key; empty when all
// keys are distinct (the common case, answered without allocating for small objects).
std::vector<std::size_t> first_occurrences(const any_object& obj);

// Makes keys unique as consecutive JS assignments would: each key stays where it first
// appeared and takes the value of its last appearance.
void assign_duplicate_keys(any_object& obj);

// True when iterating `obj` as stored already gives JS's enumeration (distinct keys, array-index
// keys first and ascending), so writers can skip js_key_order() and its allocation.
bool is_in_js_key_order(const any_object& obj);

}  // namespace yws::encoding::detail
