#include "crdt/values.hpp"

#include <algorithm>

#include "crdt/text_ops.hpp"
#include "crdt/utf16.hpp"
#include "yws/encoding/json.hpp"

namespace yws::crdt::detail {

namespace {

encoding::any type_json_at(const doc_impl& d, const branch& b, int depth);

encoding::any subdoc_json(const subdoc_content& s) {
  encoding::any_object o;
  o.emplace_back("guid", s.guid);
  return encoding::any(std::move(o));
}

// Appends the JSON of every value of a visible item.
void append_item_json(const doc_impl& d, const item& it, encoding::any_array& out, int depth) {
  switch (it.c.tag()) {
    case content_tag::any:
    case content_tag::json:
      for (const auto& v : it.c.values()) out.push_back(v);
      break;
    case content_tag::binary: out.emplace_back(it.c.binary()); break;
    case content_tag::string:
      for_each_utf16_unit(it.c.str(), [&](std::string_view unit) { out.emplace_back(unit); });
      break;
    case content_tag::embed: out.push_back(it.c.embed()); break;
    case content_tag::type: out.push_back(type_json_at(d, d.branch_at(it.c.type_branch()), depth + 1)); break;
    case content_tag::doc: out.push_back(subdoc_json(it.c.subdoc())); break;
    default: break;
  }
}

// The last value of an item (Yjs content.getContent()[length - 1]), as JSON.
encoding::any last_value_json(const doc_impl& d, const item& it, int depth) {
  encoding::any_array values;
  append_item_json(d, it, values, depth);
  return values.empty() ? encoding::any() : std::move(values.back());
}

encoding::any_object map_json(const doc_impl& d, const branch& b, int depth) {
  encoding::any_object o;
  for (const auto& [key, it] : b.map) {
    if (!it->deleted()) o.emplace_back(d.keys.name(key), last_value_json(d, *it, depth));
  }
  return o;
}

// JavaScript String(v) for the values XML printing concatenates.
std::string js_string(const encoding::any& v) {
  using k = encoding::any::kind;
  switch (v.type()) {
    case k::undefined: return "undefined";
    case k::null: return "null";
    case k::boolean: return v.as_bool() ? "true" : "false";
    case k::number: return encoding::js_number_to_string(v.as_number());
    case k::bigint: return std::to_string(v.as_bigint());
    case k::string: return v.as_string();
    case k::array: {
      std::string s;
      bool first = true;
      for (const auto& e : v.as_array()) {
        if (!first) s += ',';
        first = false;
        if (!e.is_null() && !e.is_undefined()) s += js_string(e);
      }
      return s;
    }
    case k::binary: {
      std::string s;
      bool first = true;
      for (const auto byte : v.as_binary()) {
        if (!first) s += ',';
        first = false;
        s += std::to_string(byte);
      }
      return s;
    }
    case k::object: return "[object Object]";
  }
  return {};
}

std::string xml_string_at(const doc_impl& d, const branch& b, int depth);

// String(value) of one child value of an xml list or attribute.
std::string child_string(const doc_impl& d, const item& it, int depth) {
  std::string s;
  if (it.c.tag() == content_tag::type) {
    const branch& t = d.branch_at(it.c.type_branch());
    return xml_string_at(d, t, depth + 1);
  }
  encoding::any_array values;
  append_item_json(d, it, values, depth);
  for (const auto& v : values) s += js_string(v);
  return s;
}

std::string xml_text_string(const doc_impl& d, const branch& b, int depth) {
  const encoding::any delta = text_to_delta(d, b, depth);
  std::string out;
  for (const auto& op : delta.as_array()) {
    struct node {
      std::string name;
      std::vector<std::pair<std::string, std::string>> attrs;
    };
    std::vector<node> nested;
    if (const encoding::any* attributes = op.find("attributes")) {
      for (const std::size_t i : encoding::js_key_order(attributes->as_object())) {
        const auto& [name, value] = attributes->as_object()[i];
        node n{name, {}};
        // for (const key in value): object keys, or the indices of a string / array / binary.
        if (value.is_object()) {
          for (const std::size_t j : encoding::js_key_order(value.as_object())) {
            n.attrs.emplace_back(value.as_object()[j].first, js_string(value.as_object()[j].second));
          }
        } else if (value.is_string()) {
          std::size_t j = 0;
          for_each_utf16_unit(value.as_string(), [&](std::string_view unit) { n.attrs.emplace_back(std::to_string(j++), unit); });
        } else if (value.is_array()) {
          for (std::size_t j = 0; j < value.as_array().size(); ++j) n.attrs.emplace_back(std::to_string(j), js_string(value.as_array()[j]));
        } else if (value.is_binary()) {
          for (std::size_t j = 0; j < value.as_binary().size(); ++j) n.attrs.emplace_back(std::to_string(j), std::to_string(value.as_binary()[j]));
        }
        std::sort(n.attrs.begin(), n.attrs.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
        nested.push_back(std::move(n));
      }
    }
    std::sort(nested.begin(), nested.end(), [](const node& x, const node& y) { return x.name < y.name; });
    for (const node& n : nested) {
      out += '<' + n.name;
      for (const auto& [k, v] : n.attrs) out += ' ' + k + "=\"" + v + '"';
      out += '>';
    }
    const encoding::any& insert = *op.find("insert");
    out += insert.is_string() ? insert.as_string() : js_string(insert);
    for (auto it = nested.rbegin(); it != nested.rend(); ++it) out += "</" + it->name + '>';
  }
  return out;
}

std::string xml_string_at(const doc_impl& d, const branch& b, int depth) {
  if (depth > max_json_depth) return {};
  switch (b.kind) {
    case type_kind::xml_text: return xml_text_string(d, b, depth);
    case type_kind::xml_fragment:
    case type_kind::xml_element: {
      std::string children;
      for (const item* n = b.start; n != nullptr; n = n->right) {
        if (n->visible()) children += child_string(d, *n, depth);
      }
      if (b.kind == type_kind::xml_fragment) return children;
      std::vector<std::pair<std::string, std::string>> attrs;
      for (const auto& [key, it] : b.map) {
        if (!it->deleted()) {
          const encoding::any v = last_value_json(d, *it, depth);
          attrs.emplace_back(d.keys.name(key), it->c.tag() == content_tag::type ? child_string(d, *it, depth) : js_string(v));
        }
      }
      std::sort(attrs.begin(), attrs.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
      std::string name = b.node_name;
      std::transform(name.begin(), name.end(), name.begin(),
                     [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
      std::string s = '<' + name;
      for (const auto& [k, v] : attrs) s += ' ' + k + "=\"" + v + '"';
      return s + '>' + children + "</" + name + '>';
    }
    case type_kind::text: return text_to_string(b);
    default: return "[object Object]";
  }
}

encoding::any type_json_at(const doc_impl& d, const branch& b, int depth) {
  if (depth > max_json_depth) return {};
  switch (b.kind) {
    case type_kind::undefined: return {};
    case type_kind::text: return text_to_string(b);
    case type_kind::array: {
      encoding::any_array a;
      for (const item* n = b.start; n != nullptr; n = n->right) {
        if (n->visible()) append_item_json(d, *n, a, depth);
      }
      return encoding::any(std::move(a));
    }
    case type_kind::map:
    case type_kind::xml_hook: return encoding::any(map_json(d, b, depth));
    case type_kind::xml_fragment:
    case type_kind::xml_element:
    case type_kind::xml_text: return xml_string_at(d, b, depth);
  }
  return {};
}

}  // namespace

encoding::any type_json(const doc_impl& d, const branch& b) { return type_json_at(d, b, 0); }
encoding::any type_json(const doc_impl& d, const branch& b, int depth) { return type_json_at(d, b, depth); }

std::string xml_string(const doc_impl& d, const branch& b) { return xml_string_at(d, b, 0); }

encoding::any_object map_entries_json(const doc_impl& d, const branch& b) { return map_json(d, b, 0); }

value item_value(doc_impl& d, const item& it, std::uint32_t offset) {
  switch (it.c.tag()) {
    case content_tag::any:
    case content_tag::json: return it.c.values()[offset];
    case content_tag::binary: return encoding::any(it.c.binary());
    case content_tag::string: {
      encoding::any unit;
      std::uint32_t i = 0;
      for_each_utf16_unit(it.c.str(), [&](std::string_view u) {
        if (i++ == offset) unit = encoding::any(u);
      });
      return unit;
    }
    case content_tag::embed: return it.c.embed();
    case content_tag::type: return shared_type(&d, &d.branch_at(it.c.type_branch()));
    case content_tag::doc: return subdoc_ref{it.c.subdoc().guid};
    default: return encoding::any();
  }
}

}  // namespace yws::crdt::detail
