// shared_type, array and map: the local editing API of Y.Array and Y.Map.
#include <stdexcept>

#include "crdt/list_ops.hpp"
#include "crdt/transaction.hpp"
#include "crdt/values.hpp"
#include "yws/crdt/doc.hpp"

namespace yws::crdt {

using detail::branch;
using detail::content;
using detail::doc_impl;
using detail::transaction;

namespace detail {

// Yjs typeListInsertGenericsAfter's packing: consecutive JSON values share one ContentAny,
// binary values get one ContentBinary each.
std::vector<content> pack_values(const encoding::any_array& values) {
  std::vector<content> out;
  encoding::any_array json;
  for (const auto& v : values) {
    if (v.is_binary()) {
      if (!json.empty()) out.push_back(content::make_any(std::exchange(json, {})));
      out.push_back(content::make_binary(v.as_binary()));
    } else {
      json.push_back(v);
    }
  }
  if (!json.empty()) out.push_back(content::make_any(std::move(json)));
  return out;
}

// A new, not yet integrated branch for a nested type and the content that will hold it.
content new_type_content(doc_impl& d, type_kind kind, std::string_view node_name, branch*& created) {
  if (kind == type_kind::undefined || static_cast<int>(kind) > 6) throw std::invalid_argument("not a shared type kind");
  std::string name(node_name);
  if (kind == type_kind::xml_element && name.empty()) name = "UNDEFINED";  // Yjs' default nodeName
  created = &d.new_branch(kind, std::move(name));
  return content::make_type(created->index);
}

}  // namespace detail

// --- shared_type

type_kind shared_type::kind() const { return branch_->kind; }

encoding::any shared_type::to_json() const { return detail::type_json(*doc_, *branch_); }

namespace {
void require_kind(const shared_type& t, std::initializer_list<type_kind> kinds) {
  for (const type_kind k : kinds) {
    if (t.valid() && t.kind() == k) return;
  }
  throw std::logic_error("shared_type: not of the requested kind");
}
}  // namespace

text shared_type::as_text() const {
  require_kind(*this, {type_kind::text, type_kind::xml_text});
  return {doc_, branch_};
}
array shared_type::as_array() const {
  require_kind(*this, {type_kind::array});
  return {doc_, branch_};
}
map shared_type::as_map() const {
  require_kind(*this, {type_kind::map});
  return {doc_, branch_};
}
xml_fragment shared_type::as_xml_fragment() const {
  require_kind(*this, {type_kind::xml_fragment, type_kind::xml_element});
  return {doc_, branch_};
}
xml_element shared_type::as_xml_element() const {
  require_kind(*this, {type_kind::xml_element});
  return {doc_, branch_};
}
xml_text shared_type::as_xml_text() const {
  require_kind(*this, {type_kind::xml_text});
  return {doc_, branch_};
}

// --- array

std::uint32_t array::size() const { return branch_->length; }

void array::insert(std::uint32_t index, const encoding::any_array& values) {
  if (index > branch_->length) throw std::out_of_range("array::insert: index past the end");
  if (values.empty()) return;
  detail::transact(*doc_, [&](transaction& tr) {
    detail::insert_contents(*doc_, tr, *branch_, index, detail::pack_values(values),
                            static_cast<std::uint32_t>(values.size()));
  });
}

void array::push(const encoding::any_array& values) {
  if (values.empty()) return;
  detail::transact(*doc_, [&](transaction& tr) { detail::push_contents(*doc_, tr, *branch_, detail::pack_values(values)); });
}

shared_type array::insert_type(std::uint32_t index, type_kind kind, std::string_view xml_node_name) {
  if (index > branch_->length) throw std::out_of_range("array::insert_type: index past the end");
  detail::branch* created = nullptr;
  detail::transact(*doc_, [&](transaction& tr) {
    std::vector<content> c;
    c.push_back(detail::new_type_content(*doc_, kind, xml_node_name, created));
    detail::insert_contents(*doc_, tr, *branch_, index, std::move(c), 1);
  });
  return {doc_, created};
}

shared_type array::push_type(type_kind kind, std::string_view xml_node_name) {
  detail::branch* created = nullptr;
  detail::transact(*doc_, [&](transaction& tr) {
    std::vector<content> c;
    c.push_back(detail::new_type_content(*doc_, kind, xml_node_name, created));
    detail::push_contents(*doc_, tr, *branch_, std::move(c));
  });
  return {doc_, created};
}

void array::erase(std::uint32_t index, std::uint32_t length) {
  if (std::uint64_t{index} + length > branch_->length) throw std::out_of_range("array::erase: range past the end");
  if (length == 0) return;
  detail::transact(*doc_, [&](transaction& tr) { detail::delete_range(*doc_, tr, *branch_, index, length); });
}

value array::get(std::uint32_t index) const {
  const auto [it, offset] = detail::find_visible(*doc_, *branch_, index);
  if (it == nullptr) throw std::out_of_range("array::get: index past the end");
  return detail::item_value(*doc_, *it, offset);
}

encoding::any array::to_json() const { return detail::type_json(*doc_, *branch_); }

// --- map

void map::set(std::string_view key, const encoding::any& v) {
  detail::transact(*doc_, [&](transaction& tr) {
    const detail::key_index k = doc_->keys.intern(key);
    detail::map_set(*doc_, tr, *branch_, k, v.is_binary() ? content::make_binary(v.as_binary()) : content::make_any({v}));
  });
}

shared_type map::set_type(std::string_view key, type_kind kind, std::string_view xml_node_name) {
  detail::branch* created = nullptr;
  detail::transact(*doc_, [&](transaction& tr) {
    const detail::key_index k = doc_->keys.intern(key);
    detail::map_set(*doc_, tr, *branch_, k, detail::new_type_content(*doc_, kind, xml_node_name, created));
  });
  return {doc_, created};
}

std::optional<value> map::get(std::string_view key) const {
  const detail::item* it = detail::map_value(*doc_, *branch_, key);
  if (it == nullptr) return std::nullopt;
  return detail::item_value(*doc_, *it, it->length - 1);
}

bool map::contains(std::string_view key) const { return detail::map_value(*doc_, *branch_, key) != nullptr; }

void map::erase(std::string_view key) {
  const detail::key_index k = doc_->keys.find(key);
  if (k == detail::no_key || branch_->map.get(k) == nullptr) return;
  detail::transact(*doc_, [&](transaction& tr) { detail::map_delete(*doc_, tr, *branch_, k); });
}

std::vector<std::string> map::keys() const {
  std::vector<std::string> out;
  for (const auto& [k, it] : branch_->map) {
    if (!it->deleted()) out.push_back(doc_->keys.name(k));
  }
  return out;
}

std::uint32_t map::size() const {
  std::uint32_t n = 0;
  for (const auto& [k, it] : branch_->map) n += it->deleted() ? 0 : 1;
  return n;
}

encoding::any map::to_json() const { return detail::type_json(*doc_, *branch_); }

}  // namespace yws::crdt
