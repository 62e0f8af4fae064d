#include "crdt/doc_impl.hpp"

#include <cstdio>
#include <stdexcept>

namespace yws::crdt::detail {

key_index key_table::intern(std::string_view key) {
  const auto it = index_.find(key);
  if (it != index_.end()) return it->second;
  if (names_.size() >= no_key) throw std::length_error("too many distinct map keys");
  names_.push_back(std::make_unique<std::string>(key));
  const auto k = static_cast<key_index>(names_.size() - 1);
  index_.emplace(*names_.back(), k);
  return k;
}

key_index key_table::find(std::string_view key) const noexcept {
  const auto it = index_.find(key);
  return it == index_.end() ? no_key : it->second;
}

namespace {

std::uint64_t seed() {
  std::random_device rd;
  return (std::uint64_t{rd()} << 32) ^ rd();
}

std::string random_guid(std::mt19937_64& rng) {
  // A version-4 UUID, as lib0's random.uuidv4 makes.
  const std::uint64_t a = rng();
  const std::uint64_t b = rng();
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xFFFF), static_cast<unsigned>(a & 0x0FFF),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3FFF)),
                static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFull));
  return buf;
}

}  // namespace

doc_impl::doc_impl(doc::options opts) : rng(seed()) {
  client_id = opts.client_id ? *opts.client_id : random_client_id();
  guid = opts.guid.empty() ? random_guid(rng) : std::move(opts.guid);
  gc = opts.gc;
}

doc_impl::~doc_impl() = default;

std::uint64_t doc_impl::random_client_id() { return rng() & ((std::uint64_t{1} << 53) - 1); }

void doc_impl::init_kind(branch& b, type_kind kind) {
  b.kind = kind;
  b.has_formatting = false;
  if (kind == type_kind::array || kind == type_kind::text || kind == type_kind::xml_text) {
    b.markers = std::make_unique<std::vector<search_marker>>();
  } else {
    b.markers.reset();
  }
}

branch& doc_impl::new_branch(type_kind kind, std::string node_name) {
  if (branches.size() >= no_branch) throw std::length_error("too many shared types");
  auto b = std::make_unique<branch>();
  b->index = static_cast<branch_index>(branches.size());
  b->node_name = std::move(node_name);
  init_kind(*b, kind);
  branches.push_back(std::move(b));
  return *branches.back();
}

branch& doc_impl::root(std::string_view name) {
  const auto it = roots.find(std::string(name));
  if (it != roots.end()) return *branches[it->second];
  branch& b = new_branch(type_kind::undefined);
  b.is_root = true;
  b.root_name = std::string(name);
  roots.emplace(b.root_name, b.index);
  root_order.push_back(b.index);
  return b;
}

branch& doc_impl::typed_root(std::string_view name, type_kind kind) {
  branch& b = root(name);
  if (b.kind == type_kind::undefined) {
    // Yjs Doc.get upgrades the placeholder to a new type object over the same items.
    init_kind(b, kind);
  } else if (b.kind != kind) {
    throw std::logic_error("root type '" + std::string(name) + "' was already defined as another kind");
  }
  return b;
}

}  // namespace yws::crdt::detail
