#include "ops.hpp"

#include <cmath>
#include <functional>
#include <utility>

#include "request.hpp"

namespace yws::interop {
namespace {

using crdt::type_kind;

bool is_text(type_kind k) { return k == type_kind::text || k == type_kind::xml_text; }
bool is_xml_parent(type_kind k) { return k == type_kind::xml_fragment || k == type_kind::xml_element; }
bool is_xml_element(type_kind k) { return k == type_kind::xml_element; }
bool is_array(type_kind k) { return k == type_kind::array; }
bool is_map(type_kind k) { return k == type_kind::map; }

const char* kind_name(type_kind k) {
  switch (k) {
    case type_kind::array: return "array";
    case type_kind::map: return "map";
    case type_kind::text: return "text";
    case type_kind::xml_element: return "xml_element";
    case type_kind::xml_fragment: return "xml_fragment";
    case type_kind::xml_hook: return "xml_hook";
    case type_kind::xml_text: return "xml_text";
    case type_kind::undefined: return "undefined";
  }
  return "?";
}

// An xml fragment or element viewed as a fragment (both hold an ordered child list).
crdt::xml_fragment as_xml_parent(const crdt::shared_type& t) {
  if (t.kind() == type_kind::xml_element) return t.as_xml_element();
  return t.as_xml_fragment();
}

std::uint32_t child_count(const crdt::shared_type& t) {
  if (t.kind() == type_kind::array) return t.as_array().size();
  if (is_xml_parent(t.kind())) return as_xml_parent(t).size();
  if (is_text(t.kind())) return t.as_text().length();
  return 0;
}

// The shared type held in a read value, if it is one.
std::optional<crdt::shared_type> held_type(const std::optional<crdt::value>& v) {
  if (v && std::holds_alternative<crdt::shared_type>(*v)) return std::get<crdt::shared_type>(*v);
  return std::nullopt;
}

std::optional<crdt::shared_type> step_into(const crdt::shared_type& t, const encoding::any& step,
                                           std::string& error) {
  const type_kind k = t.kind();
  if (k == type_kind::map) {
    if (!step.is_string()) {
      error = "path step into a map must be a key";
      return std::nullopt;
    }
    auto child = held_type(t.as_map().get(step.as_string()));
    if (!child) error = "no shared type at key \"" + step.as_string() + "\"";
    return child;
  }
  if (k == type_kind::array || is_xml_parent(k)) {
    if (!step.is_number() || step.as_number() < 0 || std::floor(step.as_number()) != step.as_number() ||
        step.as_number() >= child_count(t)) {
      error = "path index out of range";
      return std::nullopt;
    }
    auto index = static_cast<std::uint32_t>(step.as_number());
    std::optional<crdt::shared_type> child;
    if (k == type_kind::array) {
      child = held_type(t.as_array().get(index));
    } else {
      child = as_xml_parent(t).get(index);
    }
    if (!child) error = "no shared type at index " + std::to_string(index);
    return child;
  }
  error = std::string("cannot step into a ") + kind_name(k);
  return std::nullopt;
}

// Reads "index" (and "len" when `with_len`) and checks that [index, index + len) lies within
// [0, size]. nullopt when any field read so far is bad.
std::optional<std::pair<std::uint32_t, std::uint32_t>> read_range(request& r, std::uint32_t size, bool with_len) {
  auto index = r.u32("index");
  std::uint32_t len = with_len ? r.u32("len") : 0;
  if (!r.ok()) return std::nullopt;
  if (static_cast<std::uint64_t>(index) + len > size) {
    r.fail("range [" + std::to_string(index) + ", +" + std::to_string(len) + ") out of bounds (size " +
           std::to_string(size) + ")");
    return std::nullopt;
  }
  return std::pair{index, len};
}

// The new type of an insert_type/set_type request: kind and (for elements) node name.
std::optional<std::pair<type_kind, std::string>> new_type(request& r) {
  auto name = r.string("type");
  auto kind = parse_type_kind(name);
  if (!r.ok()) return std::nullopt;
  if (!kind || *kind == type_kind::xml_hook) {
    r.fail("unknown type \"" + name + "\"");
    return std::nullopt;
  }
  std::string node_name;
  if (*kind == type_kind::xml_element) node_name = r.string("name");
  if (!r.ok()) return std::nullopt;
  return std::pair{*kind, node_name};
}

using op_handler = std::function<void(request&, const crdt::shared_type&)>;

struct op_spec {
  std::string_view name;
  bool (*accepts)(type_kind);
  op_handler run;
};

const std::vector<op_spec>& op_table() {
  static const std::vector<op_spec> table = {
      {"text.insert", is_text,
       [](request& r, const crdt::shared_type& t) {
         auto chunk = r.string("text");
         auto attrs = r.object("attrs");
         if (auto at = read_range(r, t.as_text().length(), false)) t.as_text().insert(at->first, chunk, attrs);
       }},
      {"text.insert_embed", is_text,
       [](request& r, const crdt::shared_type& t) {
         const auto& embed = r.field("embed");
         auto attrs = r.object("attrs");
         if (auto at = read_range(r, t.as_text().length(), false)) t.as_text().insert_embed(at->first, embed, attrs);
       }},
      {"text.erase", is_text,
       [](request& r, const crdt::shared_type& t) {
         if (auto at = read_range(r, t.as_text().length(), true)) t.as_text().erase(at->first, at->second);
       }},
      {"text.format", is_text,
       [](request& r, const crdt::shared_type& t) {
         auto attrs = r.object("attrs");
         if (auto at = read_range(r, t.as_text().length(), true)) t.as_text().format(at->first, at->second, attrs);
       }},
      {"array.insert", is_array,
       [](request& r, const crdt::shared_type& t) {
         const auto& values = r.array("values");
         if (auto at = read_range(r, t.as_array().size(), false)) t.as_array().insert(at->first, values);
       }},
      {"array.insert_type", is_array,
       [](request& r, const crdt::shared_type& t) {
         auto type = new_type(r);
         if (auto at = read_range(r, t.as_array().size(), false)) {
           t.as_array().insert_type(at->first, type->first, type->second);
         }
       }},
      {"array.erase", is_array,
       [](request& r, const crdt::shared_type& t) {
         if (auto at = read_range(r, t.as_array().size(), true)) t.as_array().erase(at->first, at->second);
       }},
      {"map.set", is_map,
       [](request& r, const crdt::shared_type& t) {
         auto key = r.string("key");
         const auto& v = r.field("value");
         if (r.ok()) t.as_map().set(key, v);
       }},
      {"map.set_type", is_map,
       [](request& r, const crdt::shared_type& t) {
         auto key = r.string("key");
         auto type = new_type(r);
         if (r.ok()) t.as_map().set_type(key, type->first, type->second);
       }},
      {"map.erase", is_map,
       [](request& r, const crdt::shared_type& t) {
         auto key = r.string("key");
         if (r.ok()) t.as_map().erase(key);
       }},
      {"xml.insert_element", is_xml_parent,
       [](request& r, const crdt::shared_type& t) {
         auto name = r.string("name");
         if (auto at = read_range(r, as_xml_parent(t).size(), false)) as_xml_parent(t).insert_element(at->first, name);
       }},
      {"xml.insert_text", is_xml_parent,
       [](request& r, const crdt::shared_type& t) {
         if (auto at = read_range(r, as_xml_parent(t).size(), false)) as_xml_parent(t).insert_text(at->first);
       }},
      {"xml.erase", is_xml_parent,
       [](request& r, const crdt::shared_type& t) {
         if (auto at = read_range(r, as_xml_parent(t).size(), true)) as_xml_parent(t).erase(at->first, at->second);
       }},
      {"xml.set_attribute", is_xml_element,
       [](request& r, const crdt::shared_type& t) {
         auto key = r.string("key");
         const auto& v = r.field("value");
         if (r.ok()) t.as_xml_element().set_attribute(key, v);
       }},
      {"xml.remove_attribute", is_xml_element,
       [](request& r, const crdt::shared_type& t) {
         auto key = r.string("key");
         if (r.ok()) t.as_xml_element().remove_attribute(key);
       }},
  };
  return table;
}

}  // namespace

std::optional<type_kind> parse_type_kind(std::string_view name) {
  static const std::pair<std::string_view, type_kind> names[] = {
      {"text", type_kind::text},
      {"array", type_kind::array},
      {"map", type_kind::map},
      {"xml_fragment", type_kind::xml_fragment},
      {"xml_element", type_kind::xml_element},
      {"xml_text", type_kind::xml_text},
  };
  for (const auto& [n, k] : names) {
    if (n == name) return k;
  }
  return std::nullopt;
}

std::optional<crdt::shared_type> open_root(crdt::doc& d, std::string_view name, type_kind kind) {
  switch (kind) {
    case type_kind::text: return d.get_text(name);
    case type_kind::array: return d.get_array(name);
    case type_kind::map: return d.get_map(name);
    case type_kind::xml_fragment: return d.get_xml_fragment(name);
    default: return std::nullopt;
  }
}

std::optional<crdt::shared_type> resolve_path(crdt::doc& d, const root_types& roots, const encoding::any& path,
                                              std::string& error) {
  if (!path.is_array() || path.as_array().empty() || !path.as_array().front().is_string()) {
    error = "a path is [root name, steps...]";
    return std::nullopt;
  }
  const auto& steps = path.as_array();
  auto root = roots.find(steps.front().as_string());
  if (root == roots.end()) {
    error = "root \"" + steps.front().as_string() + "\" was not declared";
    return std::nullopt;
  }
  auto current = open_root(d, root->first, root->second);
  for (std::size_t i = 1; current && i < steps.size(); ++i) current = step_into(*current, steps[i], error);
  return current;
}

std::string run_op(crdt::doc& d, const root_types& roots, const encoding::any& op) {
  request r(op);
  auto name = r.string("op");
  if (!r.ok()) return r.error();
  const op_spec* spec = nullptr;
  for (const auto& s : op_table()) {
    if (s.name == name) spec = &s;
  }
  if (spec == nullptr) return "unknown op \"" + name + "\"";
  std::string error;
  auto target = resolve_path(d, roots, r.field("path"), error);
  if (!r.ok()) return r.error();
  if (!target) return error;
  if (!spec->accepts(target->kind())) {
    return name + " does not apply to a " + kind_name(target->kind());
  }
  spec->run(r, *target);
  return r.error();
}

}  // namespace yws::interop
