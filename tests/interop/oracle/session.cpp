#include "session.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include "hex.hpp"
#include "request.hpp"
#include "yws/encoding/json.hpp"

namespace yws::interop {
namespace {

constexpr std::uint64_t max_client_id = (std::uint64_t{1} << 53) - 1;

encoding::any state_vector_pairs(const crdt::state_vector& sv) {
  std::vector<std::pair<std::uint64_t, std::uint32_t>> pairs(sv.clients().begin(), sv.clients().end());
  std::sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  encoding::any_array out;
  for (const auto& [client, clock] : pairs) {
    out.emplace_back(encoding::any_array{static_cast<double>(client), static_cast<double>(clock)});
  }
  return out;
}

}  // namespace

std::string session::handle_line(std::string_view line) {
  encoding::any_object out;
  auto parsed = encoding::parse_json(line);
  if (!parsed) {
    out.emplace_back("error", "request is not JSON: " + parsed.error().message());
    return encoding::to_json(encoding::any(std::move(out)));
  }
  request r(*parsed);
  if (const auto* id = r.find("id")) out.emplace_back("id", *id);
  const std::size_t id_fields = out.size();
  try {
    dispatch(r, out);
  } catch (const std::exception& e) {
    r.fail(std::string("exception: ") + e.what());
  }
  if (r.ok()) {
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(id_fields), {"ok", true});
  } else {
    // Partial results (e.g. the updates of a batch that stopped at a bad op) stay in the reply.
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(id_fields), {"error", r.error()});
  }
  return encoding::to_json(encoding::any(std::move(out)));
}

void session::dispatch(request& r, encoding::any_object& out) {
  using handler = void (session::*)(request&, encoding::any_object&);
  static const std::pair<std::string_view, handler> commands[] = {
      {"create", &session::cmd_create},
      {"destroy", &session::cmd_destroy},
      {"open_root", &session::cmd_open_root},
      {"apply", &session::cmd_apply},
      {"transact", &session::cmd_transact},
      {"json", &session::cmd_json},
      {"state_vector", &session::cmd_state_vector},
      {"encode_state_as_update", &session::cmd_encode_state_as_update},
      {"state", &session::cmd_state},
      {"delta", &session::cmd_read},
      {"to_string", &session::cmd_read},
      {"describe", &session::cmd_describe},
      {"ping", nullptr},
  };
  auto cmd = r.string("cmd");
  if (!r.ok()) return;
  for (const auto& [name, fn] : commands) {
    if (name == cmd) {
      if (fn != nullptr) (this->*fn)(r, out);
      return;
    }
  }
  r.fail("unknown cmd \"" + cmd + "\"");
}

session::doc_entry* session::find_doc(request& r) {
  auto name = r.string("doc");
  if (!r.ok()) return nullptr;
  auto it = docs_.find(name);
  if (it == docs_.end()) {
    r.fail("no doc \"" + name + "\"");
    return nullptr;
  }
  return it->second.get();
}

crdt::origin session::intern_origin(request& r) {
  auto name = r.optional_string("origin");
  if (!name) return nullptr;
  return &*origins_.insert(std::move(*name)).first;
}

encoding::any session::take_emitted(doc_entry& e) {
  encoding::any_array updates;
  for (auto& u : e.emitted) updates.emplace_back(std::move(u));
  e.emitted.clear();
  return updates;
}

void session::cmd_create(request& r, encoding::any_object& out) {
  auto name = r.string("doc");
  crdt::doc::options opts;
  if (r.find("client_id") != nullptr) opts.client_id = r.integer("client_id", max_client_id);
  opts.gc = r.boolean("gc", true);
  if (auto guid = r.optional_string("guid")) opts.guid = *guid;
  auto roots = r.object("roots");
  if (!r.ok()) return;
  if (docs_.count(name) != 0) return r.fail("doc \"" + name + "\" exists");
  root_types kinds;
  for (const auto& [root, type] : roots) {
    auto kind = type.is_string() ? parse_type_kind(type.as_string()) : std::nullopt;
    if (!kind || !(*kind == crdt::type_kind::text || *kind == crdt::type_kind::array ||
                   *kind == crdt::type_kind::map || *kind == crdt::type_kind::xml_fragment)) {
      return r.fail("root \"" + root + "\": a root is a text, array, map or xml_fragment");
    }
    kinds[root] = *kind;
  }
  auto entry = std::make_unique<doc_entry>();
  entry->doc = std::make_unique<crdt::doc>(std::move(opts));
  entry->roots = std::move(kinds);
  for (const auto& [root, kind] : entry->roots) open_root(*entry->doc, root, kind);
  auto* raw = entry.get();
  entry->on_update = entry->doc->on_update(
      [raw](std::span<const std::uint8_t> update, crdt::origin) { raw->emitted.push_back(app::to_hex(update)); });
  out.emplace_back("client_id", static_cast<double>(entry->doc->client_id()));
  docs_.emplace(std::move(name), std::move(entry));
}

void session::cmd_destroy(request& r, encoding::any_object&) {
  if (find_doc(r) != nullptr) docs_.erase(r.string("doc"));
}

void session::cmd_open_root(request& r, encoding::any_object&) {
  auto* e = find_doc(r);
  auto name = r.string("name");
  auto type = r.string("type");
  if (!r.ok()) return;
  auto kind = parse_type_kind(type);
  if (!kind || !open_root(*e->doc, name, *kind)) return r.fail("cannot open a root of type \"" + type + "\"");
  e->roots[name] = *kind;
}

void session::cmd_apply(request& r, encoding::any_object& out) {
  auto* e = find_doc(r);
  auto update = r.bytes("update");
  auto origin = intern_origin(r);
  if (!r.ok()) return;
  auto applied = crdt::apply_update_v1(*e->doc, update, origin);
  out.emplace_back("updates", take_emitted(*e));
  out.emplace_back("pending", e->doc->has_pending());
  if (!applied) r.fail("apply_update_v1: " + applied.error().message());
}

void session::cmd_transact(request& r, encoding::any_object& out) {
  auto* e = find_doc(r);
  const auto& ops = r.array("ops");
  auto origin = intern_origin(r);
  if (!r.ok()) return;
  // A bad op stops the batch; the ops before it stay committed, as in a Yjs transaction that
  // throws half-way.
  std::size_t done = 0;
  std::string error;
  e->doc->transact(
      [&] {
        for (; done < ops.size(); ++done) {
          error = run_op(*e->doc, e->roots, ops[done]);
          if (!error.empty()) break;
        }
      },
      origin);
  out.emplace_back("updates", take_emitted(*e));
  if (!error.empty()) {
    out.emplace_back("at", static_cast<double>(done));
    r.fail("op " + std::to_string(done) + ": " + error);
  }
}

void session::cmd_json(request& r, encoding::any_object& out) {
  if (auto* e = find_doc(r)) out.emplace_back("json", e->doc->to_json());
}

void session::cmd_state_vector(request& r, encoding::any_object& out) {
  auto* e = find_doc(r);
  if (!r.ok()) return;
  out.emplace_back("sv", app::to_hex(crdt::encode_state_vector_v1(*e->doc)));
  out.emplace_back("clients", state_vector_pairs(e->doc->state()));
}

void session::cmd_encode_state_as_update(request& r, encoding::any_object& out) {
  auto* e = find_doc(r);
  std::vector<std::uint8_t> sv;
  if (r.find("sv") != nullptr) sv = r.bytes("sv");
  if (!r.ok()) return;
  if (r.find("sv") == nullptr) {
    out.emplace_back("update", app::to_hex(crdt::encode_state_as_update_v1(*e->doc)));
    return;
  }
  auto update = crdt::encode_state_as_update_v1(*e->doc, std::span<const std::uint8_t>(sv));
  if (!update) return r.fail("bad state vector: " + update.error().message());
  out.emplace_back("update", app::to_hex(*update));
}

void session::cmd_state(request& r, encoding::any_object& out) {
  auto* e = find_doc(r);
  if (!r.ok()) return;
  out.emplace_back("json", e->doc->to_json());
  out.emplace_back("sv", app::to_hex(crdt::encode_state_vector_v1(*e->doc)));
  out.emplace_back("update", app::to_hex(crdt::encode_state_as_update_v1(*e->doc)));
  out.emplace_back("pending", e->doc->has_pending());
}

void session::cmd_read(request& r, encoding::any_object& out) {
  auto* e = find_doc(r);
  const auto& path = r.field("path");
  auto cmd = r.string("cmd");
  if (!r.ok()) return;
  std::string error;
  auto target = resolve_path(*e->doc, e->roots, path, error);
  if (!target) return r.fail(error);
  const auto kind = target->kind();
  if (cmd == "delta") {
    if (kind != crdt::type_kind::text && kind != crdt::type_kind::xml_text) return r.fail("delta needs a text");
    out.emplace_back("delta", target->as_text().to_delta());
    return;
  }
  switch (kind) {
    case crdt::type_kind::text: out.emplace_back("string", target->as_text().to_string()); break;
    case crdt::type_kind::xml_text: out.emplace_back("string", target->as_xml_text().to_string()); break;
    case crdt::type_kind::xml_element: out.emplace_back("string", target->as_xml_element().to_string()); break;
    case crdt::type_kind::xml_fragment: out.emplace_back("string", target->as_xml_fragment().to_string()); break;
    default: r.fail("to_string needs a text or xml type");
  }
}

void session::cmd_describe(request& r, encoding::any_object& out) {
  auto update = r.bytes("update");
  if (!r.ok()) return;
  auto text = crdt::describe_update_v1(update);
  if (!text) return r.fail("describe_update_v1: " + text.error().message());
  out.emplace_back("text", std::move(*text));
}

}  // namespace yws::interop
