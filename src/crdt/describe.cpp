// describe_update_v1: a readable listing of an update (for `yws doc dump` and debugging).
#include <string>

#include "crdt/update_ir.hpp"
#include "yws/crdt/doc.hpp"
#include "yws/encoding/json.hpp"

namespace yws::crdt {

namespace {

using detail::content_tag;
using detail::ir_kind;
using detail::ir_parent;

std::string id_text(const detail::ir_id& id) {
  std::string s(1, '(');
  s += std::to_string(id.client);
  s += ',';
  s += std::to_string(id.clock);
  s += ')';
  return s;
}

const char* type_name(type_kind k) {
  switch (k) {
    case type_kind::array: return "YArray";
    case type_kind::map: return "YMap";
    case type_kind::text: return "YText";
    case type_kind::xml_element: return "YXmlElement";
    case type_kind::xml_fragment: return "YXmlFragment";
    case type_kind::xml_hook: return "YXmlHook";
    case type_kind::xml_text: return "YXmlText";
    case type_kind::undefined: break;
  }
  return "?";
}

std::string content_text(const detail::ir_struct& s) {
  const detail::content& c = s.c;
  switch (c.tag()) {
    case content_tag::deleted: return "Deleted(" + std::to_string(s.len) + ")";
    case content_tag::json: return "JSON" + encoding::to_json(encoding::any(c.values()));
    case content_tag::binary: return "Binary(" + std::to_string(c.binary().size()) + " bytes)";
    case content_tag::string: return "String" + encoding::to_json(encoding::any(c.str()));
    case content_tag::embed: return "Embed" + encoding::to_json(c.embed());
    case content_tag::format: return "Format(" + encoding::to_json(c.format().key) + "=" + encoding::to_json(c.format().value) + ")";
    case content_tag::type: {
      std::string t = std::string("Type ") + type_name(c.desc().kind);
      if (!c.desc().name.empty()) t += "<" + c.desc().name + ">";
      return t;
    }
    case content_tag::any: return "Any" + encoding::to_json(encoding::any(c.values()));
    case content_tag::doc: return "Doc(guid=" + encoding::to_json(c.subdoc().guid) + ", opts=" + encoding::to_json(c.subdoc().opts) + ")";
    case content_tag::none: break;
  }
  return "?";
}

}  // namespace

result<std::string> describe_update_v1(std::span<const std::uint8_t> update) {
  YWS_TRY(ir, detail::decode_update_v1(update));
  std::string out = "structs: " + std::to_string(ir.blocks.size()) + " client(s)\n";
  for (const auto& b : ir.blocks) {
    out += "  client " + std::to_string(b.client) + ": " + std::to_string(b.structs.size()) + " struct(s) from clock " +
           std::to_string(b.clock) + "\n";
    for (const auto& s : b.structs) {
      out += "    [" + std::to_string(s.clock) + ".." + std::to_string(s.end()) + ") ";
      if (s.kind == ir_kind::gc) {
        out += "GC\n";
        continue;
      }
      if (s.kind == ir_kind::skip) {
        out += "Skip\n";
        continue;
      }
      out += "Item ";
      if (s.has_origin) out += "origin=" + id_text(s.origin) + " ";
      if (s.has_right_origin) out += "right=" + id_text(s.right_origin) + " ";
      if (s.parent_kind == ir_parent::name) out += "parent=" + encoding::to_json(s.parent_name) + " ";
      if (s.parent_kind == ir_parent::id) out += "parent=" + id_text(s.parent_id) + " ";
      if (s.parent_sub) out += "key=" + encoding::to_json(*s.parent_sub) + " ";
      out += content_text(s) + "\n";
    }
  }
  out += "delete set: " + std::to_string(ir.ds.clients.size()) + " client(s)\n";
  for (const auto& [client, ranges] : ir.ds.clients) {
    out += "  client " + std::to_string(client) + ":";
    for (const auto& r : ranges) out += " [" + std::to_string(r.clock) + ".." + std::to_string(r.clock + r.len) + ")";
    out += "\n";
  }
  return out;
}

}  // namespace yws::crdt
