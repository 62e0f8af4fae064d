// Y.XmlFragment, Y.XmlElement and Y.XmlText: list and attribute editing over the generic list
// and map operations, and Yjs' toString().
#include <stdexcept>

#include "crdt/list_ops.hpp"
#include "crdt/transaction.hpp"
#include "crdt/values.hpp"
#include "yws/crdt/doc.hpp"

namespace yws::crdt {

using detail::branch;
using detail::content;
using detail::transaction;

std::uint32_t xml_fragment::size() const { return branch_->length; }

xml_element xml_fragment::insert_element(std::uint32_t index, std::string_view node_name) {
  if (index > branch_->length) throw std::out_of_range("xml_fragment::insert_element: index past the end");
  detail::branch* created = nullptr;
  detail::transact(*doc_, [&](transaction& tr) {
    std::vector<content> c;
    c.push_back(detail::new_type_content(*doc_, type_kind::xml_element, node_name, created));
    detail::insert_contents(*doc_, tr, *branch_, index, std::move(c), 1);
  });
  return {doc_, created};
}

xml_text xml_fragment::insert_text(std::uint32_t index) {
  if (index > branch_->length) throw std::out_of_range("xml_fragment::insert_text: index past the end");
  detail::branch* created = nullptr;
  detail::transact(*doc_, [&](transaction& tr) {
    std::vector<content> c;
    c.push_back(detail::new_type_content(*doc_, type_kind::xml_text, {}, created));
    detail::insert_contents(*doc_, tr, *branch_, index, std::move(c), 1);
  });
  return {doc_, created};
}

void xml_fragment::erase(std::uint32_t index, std::uint32_t length) {
  if (std::uint64_t{index} + length > branch_->length) throw std::out_of_range("xml_fragment::erase: range past the end");
  if (length == 0) return;
  detail::transact(*doc_, [&](transaction& tr) { detail::delete_range(*doc_, tr, *branch_, index, length); });
}

std::optional<shared_type> xml_fragment::get(std::uint32_t index) const {
  const auto [it, offset] = detail::find_visible(*doc_, *branch_, index);
  if (it == nullptr || it->c.tag() != detail::content_tag::type) return std::nullopt;
  return shared_type(doc_, &doc_->branch_at(it->c.type_branch()));
}

std::string xml_fragment::to_string() const { return detail::xml_string(*doc_, *branch_); }

std::string xml_element::node_name() const { return branch_->node_name; }

void xml_element::set_attribute(std::string_view key, const encoding::any& v) {
  detail::transact(*doc_, [&](transaction& tr) {
    const detail::key_index k = doc_->keys.intern(key);
    detail::map_set(*doc_, tr, *branch_, k, v.is_binary() ? content::make_binary(v.as_binary()) : content::make_any({v}));
  });
}

std::optional<encoding::any> xml_element::get_attribute(std::string_view key) const {
  const detail::item* it = detail::map_value(*doc_, *branch_, key);
  if (it == nullptr) return std::nullopt;
  const value v = detail::item_value(*doc_, *it, it->length - 1);
  if (const auto* a = std::get_if<encoding::any>(&v)) return *a;
  if (const auto* t = std::get_if<shared_type>(&v)) return t->to_json();
  return std::nullopt;
}

void xml_element::remove_attribute(std::string_view key) {
  const detail::key_index k = doc_->keys.find(key);
  if (k == detail::no_key || branch_->map.get(k) == nullptr) return;
  detail::transact(*doc_, [&](transaction& tr) { detail::map_delete(*doc_, tr, *branch_, k); });
}

std::string xml_element::to_string() const { return detail::xml_string(*doc_, *branch_); }

std::string xml_text::to_string() const { return detail::xml_string(*doc_, *branch_); }

}  // namespace yws::crdt
