#include "crdt/store_encode.hpp"

#include <algorithm>

#include "crdt/store_ops.hpp"

namespace yws::crdt::detail {

void write_store_struct(encoding::encoder& enc, const doc_impl& d, const item& it, std::uint32_t offset) {
  if (it.is_gc()) {
    enc.write_u8(0);
    enc.write_var_uint(it.length - offset);
    return;
  }
  const sid origin = offset > 0 ? sid{it.id.client, it.id.clock + offset - 1} : it.origin;
  const std::uint8_t info = static_cast<std::uint8_t>(static_cast<std::uint8_t>(it.c.tag()) & 0x1F) |
                            (origin.valid() ? 0x80 : 0) | (it.right_origin.valid() ? 0x40 : 0) |
                            (it.parent_sub != no_key ? 0x20 : 0);
  enc.write_u8(info);
  if (origin.valid()) {
    enc.write_var_uint(d.store.client_id(origin.client));
    enc.write_var_uint(origin.clock);
  }
  if (it.right_origin.valid()) {
    enc.write_var_uint(d.store.client_id(it.right_origin.client));
    enc.write_var_uint(it.right_origin.clock);
  }
  if (!origin.valid() && !it.right_origin.valid()) {
    const branch& p = d.branch_at(it.parent);
    if (p.is_root) {
      enc.write_var_uint(1);
      enc.write_var_string(p.root_name);
    } else {
      const sid pid = branch_item_id(p);
      enc.write_var_uint(0);
      enc.write_var_uint(d.store.client_id(pid.client));
      enc.write_var_uint(pid.clock);
    }
    if (it.parent_sub != no_key) enc.write_var_string(d.keys.name(it.parent_sub));
  }
  if (it.c.tag() == content_tag::type && !it.c.is_type_desc()) {
    const branch& t = d.branch_at(it.c.type_branch());
    write_type_ref(enc, t.kind, t.node_name);
  } else {
    it.c.write(enc, offset, it.length);
  }
}

void write_clients_structs(encoding::encoder& enc, const doc_impl& d,
                           std::vector<std::pair<client_index, std::uint32_t>> from) {
  std::erase_if(from, [&](const auto& e) { return d.store.state(e.first) <= e.second; });
  std::sort(from.begin(), from.end(),
            [&](const auto& a, const auto& b) { return d.store.client_id(a.first) > d.store.client_id(b.first); });
  enc.write_var_uint(from.size());
  for (const auto& [c, from_clock] : from) {
    const auto& structs = d.store.structs(c);
    const std::uint32_t clock = std::max(from_clock, structs.front()->id.clock);
    const std::size_t start = block_store::find_index(structs, clock);
    enc.write_var_uint(structs.size() - start);
    enc.write_var_uint(d.store.client_id(c));
    enc.write_var_uint(clock);
    write_store_struct(enc, d, *structs[start], clock - structs[start]->id.clock);
    for (std::size_t i = start + 1; i < structs.size(); ++i) write_store_struct(enc, d, *structs[i], 0);
  }
}

ir_delete_set delete_set_from_store(const doc_impl& d) {
  ir_delete_set ds;
  for (const auto& entry : d.store.entries()) {
    const auto& structs = entry.structs;
    std::vector<ds_range> ranges;
    for (std::size_t i = 0; i < structs.size(); ++i) {
      if (!structs[i]->deleted()) continue;
      const std::uint32_t clock = structs[i]->id.clock;
      std::uint32_t len = structs[i]->length;
      while (i + 1 < structs.size() && structs[i + 1]->deleted()) len += structs[++i]->length;
      ranges.push_back({clock, len});
    }
    if (!ranges.empty()) ds.clients.emplace_back(entry.client, std::move(ranges));
  }
  return ds;
}

void write_local_delete_set(encoding::encoder& enc, const doc_impl& d,
                            const std::vector<std::pair<client_index, std::vector<ds_range>>>& ds) {
  std::vector<const std::pair<client_index, std::vector<ds_range>>*> order;
  for (const auto& e : ds) order.push_back(&e);
  std::sort(order.begin(), order.end(),
            [&](const auto* a, const auto* b) { return d.store.client_id(a->first) > d.store.client_id(b->first); });
  enc.write_var_uint(order.size());
  for (const auto* e : order) {
    enc.write_var_uint(d.store.client_id(e->first));
    enc.write_var_uint(e->second.size());
    for (const ds_range& r : e->second) {
      enc.write_var_uint(r.clock);
      enc.write_var_uint(r.len);
    }
  }
}

}  // namespace yws::crdt::detail
