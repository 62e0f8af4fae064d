// Decoding and writing of the update IR (Yjs readClientsStructRefs / Item.write / writeDeleteSet).
#include <algorithm>
#include <stdexcept>

#include "crdt/update_ir.hpp"
#include "crdt/utf16.hpp"
#include "yws/encoding/json.hpp"
#include "yws/encoding/utf8.hpp"

namespace yws::crdt::detail {

namespace {

using encoding::decoder;

result<ir_id> read_id(decoder& dec) {
  YWS_TRY(client, dec.read_var_uint());
  YWS_TRY(clock, dec.read_var_uint32());
  return ir_id{client, clock};
}

// A count of elements that each take at least one byte cannot exceed what is left.
result<std::uint32_t> read_count(decoder& dec) {
  YWS_TRY(n, dec.read_var_uint());
  if (n > dec.remaining() || n > UINT32_MAX) return errc::malformed_update;
  return static_cast<std::uint32_t>(n);
}

result<encoding::any> read_json(decoder& dec) {
  YWS_TRY(text, dec.read_var_string());
  return encoding::parse_json(text);
}

// Reads the content of an item with content ref `ref` (1..9) and returns it with its length.
result<std::pair<content, std::uint32_t>> read_content(decoder& dec, std::uint8_t ref) {
  switch (ref) {
    case 1: {  // ContentDeleted
      YWS_TRY(len, dec.read_var_uint32());
      return std::pair{content::make_deleted(), len};
    }
    case 2: {  // ContentJSON (legacy)
      YWS_TRY(n, read_count(dec));
      encoding::any_array values;
      values.reserve(n);
      for (std::uint32_t i = 0; i < n; ++i) {
        YWS_TRY(text, dec.read_var_string());
        if (text == "undefined") {
          values.emplace_back();
        } else {
          YWS_TRY(v, encoding::parse_json(text));
          values.push_back(std::move(v));
        }
      }
      return std::pair{content::make_json(std::move(values)), n};
    }
    case 3: {  // ContentBinary
      YWS_TRY(b, dec.read_var_bytes());
      return std::pair{content::make_binary(encoding::bytes(b.begin(), b.end())), 1u};
    }
    case 4: {  // ContentString
      YWS_TRY(raw, dec.read_var_string_view());
      if (encoding::is_valid_utf8(raw)) {
        return std::pair{content::make_string(raw), utf16_length(raw)};
      }
      std::string fixed;
      encoding::append_utf8_decoded(fixed, raw);
      return std::pair{content::make_string(fixed), utf16_length(fixed)};
    }
    case 5: {  // ContentEmbed
      YWS_TRY(v, read_json(dec));
      return std::pair{content::make_embed(std::move(v)), 1u};
    }
    case 6: {  // ContentFormat
      YWS_TRY(key, dec.read_var_string());
      YWS_TRY(v, read_json(dec));
      return std::pair{content::make_format(std::move(key), std::move(v)), 1u};
    }
    case 7: {  // ContentType
      YWS_TRY(type_ref, dec.read_var_uint());
      if (type_ref > 6) return errc::unknown_content_ref;
      const auto kind = static_cast<type_kind>(type_ref);
      std::string name;
      if (kind == type_kind::xml_element || kind == type_kind::xml_hook) {
        YWS_TRY(n, dec.read_var_string());
        name = std::move(n);
      }
      return std::pair{content::make_type_desc(kind, std::move(name)), 1u};
    }
    case 8: {  // ContentAny
      YWS_TRY(n, read_count(dec));
      encoding::any_array values;
      values.reserve(n);
      for (std::uint32_t i = 0; i < n; ++i) {
        YWS_TRY(v, dec.read_any());
        values.push_back(std::move(v));
      }
      return std::pair{content::make_any(std::move(values)), n};
    }
    case 9: {  // ContentDoc
      YWS_TRY(guid, dec.read_var_string());
      YWS_TRY(opts, dec.read_any());
      return std::pair{content::make_subdoc(std::move(guid), normalize_subdoc_opts(opts)), 1u};
    }
    default: return errc::unknown_content_ref;
  }
}

// A reference to the struct's own client must point before the struct (it names an older
// struct); anything else could not be resolved during integration.
bool bad_self_reference(const ir_struct& s, const ir_id& ref) { return ref.client == s.client && ref.clock >= s.clock; }

result<ir_struct> read_struct(decoder& dec, std::uint64_t client, std::uint32_t clock) {
  YWS_TRY(info, dec.read_u8());
  ir_struct s;
  s.client = client;
  s.clock = clock;
  const std::uint8_t ref = info & 0x1F;
  if (ref == 0 || ref == 10) {
    s.kind = ref == 0 ? ir_kind::gc : ir_kind::skip;
    YWS_TRY(len, dec.read_var_uint32());
    s.len = len;
  } else {
    if (ref > 10) return errc::unknown_content_ref;
    s.kind = ir_kind::item;
    if (info & 0x80) {
      YWS_TRY(o, read_id(dec));
      s.has_origin = true;
      s.origin = o;
    }
    if (info & 0x40) {
      YWS_TRY(o, read_id(dec));
      s.has_right_origin = true;
      s.right_origin = o;
    }
    if ((info & 0xC0) == 0) {
      YWS_TRY(parent_info, dec.read_var_uint());
      if (parent_info == 1) {
        YWS_TRY(name, dec.read_var_string());
        s.parent_kind = ir_parent::name;
        s.parent_name = std::move(name);
      } else {
        YWS_TRY(pid, read_id(dec));
        s.parent_kind = ir_parent::id;
        s.parent_id = pid;
      }
      if (info & 0x20) {
        YWS_TRY(key, dec.read_var_string());
        s.parent_sub = std::move(key);
      }
    }
    YWS_TRY(c, read_content(dec, ref));
    s.c = std::move(c.first);
    s.len = c.second;
    if ((s.has_origin && bad_self_reference(s, s.origin)) ||
        (s.has_right_origin && bad_self_reference(s, s.right_origin)) ||
        (s.parent_kind == ir_parent::id && bad_self_reference(s, s.parent_id))) {
      return errc::malformed_update;
    }
  }
  if (s.len == 0 || std::uint64_t{s.clock} + s.len > max_clock_end) return errc::malformed_update;
  return s;
}

}  // namespace

result<ir_delete_set> decode_delete_set_v1(decoder& dec) {
  ds_builder ds;
  YWS_TRY(num_clients, read_count(dec));
  for (std::uint32_t i = 0; i < num_clients; ++i) {
    YWS_TRY(client, dec.read_var_uint());
    YWS_TRY(n, read_count(dec));
    if (n == 0) continue;
    // Yjs collects a client's ranges in one list even when the client appears twice.
    std::vector<ds_range>& ranges = ds.ranges_of(client);
    for (std::uint32_t j = 0; j < n; ++j) {
      YWS_TRY(clock, dec.read_var_uint32());
      YWS_TRY(len, dec.read_var_uint32());
      if (std::uint64_t{clock} + len > max_clock_end) return errc::malformed_update;
      ranges.push_back({clock, len});
    }
  }
  return std::move(ds).take();
}

result<update_ir> decode_update_v1(std::span<const std::uint8_t> bytes) {
  decoder dec(bytes);
  update_ir ir;
  YWS_TRY(num_clients, read_count(dec));
  for (std::uint32_t i = 0; i < num_clients; ++i) {
    YWS_TRY(num_structs, read_count(dec));
    YWS_TRY(client, dec.read_var_uint());
    YWS_TRY(start, dec.read_var_uint32());
    ir_block block{client, start, {}};
    std::uint32_t clock = start;
    for (std::uint32_t j = 0; j < num_structs; ++j) {
      YWS_TRY(s, read_struct(dec, client, clock));
      clock = s.end();
      block.structs.push_back(std::move(s));
    }
    ir.blocks.push_back(std::move(block));
  }
  YWS_TRY(ds, decode_delete_set_v1(dec));
  ir.ds = std::move(ds);
  return ir;
}

void write_ir_struct(encoding::encoder& enc, const ir_struct& s, std::uint32_t offset) {
  if (s.kind != ir_kind::item) {
    enc.write_u8(s.kind == ir_kind::gc ? 0 : 10);
    enc.write_var_uint(s.len - offset);
    return;
  }
  const bool has_origin = offset > 0 || s.has_origin;
  const ir_id origin = offset > 0 ? ir_id{s.client, s.clock + offset - 1} : s.origin;
  const std::uint8_t info = static_cast<std::uint8_t>(static_cast<std::uint8_t>(s.c.tag()) & 0x1F) |
                            (has_origin ? 0x80 : 0) | (s.has_right_origin ? 0x40 : 0) |
                            (s.parent_sub ? 0x20 : 0);
  enc.write_u8(info);
  if (has_origin) {
    enc.write_var_uint(origin.client);
    enc.write_var_uint(origin.clock);
  }
  if (s.has_right_origin) {
    enc.write_var_uint(s.right_origin.client);
    enc.write_var_uint(s.right_origin.clock);
  }
  if (!has_origin && !s.has_right_origin) {
    switch (s.parent_kind) {
      case ir_parent::name:
        enc.write_var_uint(1);
        enc.write_var_string(s.parent_name);
        break;
      case ir_parent::id:
        enc.write_var_uint(0);
        enc.write_var_uint(s.parent_id.client);
        enc.write_var_uint(s.parent_id.clock);
        break;
      case ir_parent::none: throw std::logic_error("write_ir_struct: item without origins or parent");
    }
    if (s.parent_sub) enc.write_var_string(*s.parent_sub);
  }
  s.c.write(enc, offset, s.len);
}

void write_delete_set(encoding::encoder& enc, const ir_delete_set& ds) {
  std::vector<const std::pair<std::uint64_t, std::vector<ds_range>>*> order;
  order.reserve(ds.clients.size());
  for (const auto& e : ds.clients) order.push_back(&e);
  std::stable_sort(order.begin(), order.end(), [](const auto* a, const auto* b) { return a->first > b->first; });
  enc.write_var_uint(order.size());
  for (const auto* e : order) {
    enc.write_var_uint(e->first);
    enc.write_var_uint(e->second.size());
    for (const ds_range& r : e->second) {
      enc.write_var_uint(r.clock);
      enc.write_var_uint(r.len);
    }
  }
}

void write_update_v1(encoding::encoder& enc, const update_ir& ir) {
  enc.write_var_uint(ir.blocks.size());
  for (const ir_block& b : ir.blocks) {
    enc.write_var_uint(b.structs.size());
    enc.write_var_uint(b.client);
    enc.write_var_uint(b.clock);
    for (const ir_struct& s : b.structs) write_ir_struct(enc, s, 0);
  }
  write_delete_set(enc, ir.ds);
}

std::vector<std::uint8_t> encode_update_v1(const update_ir& ir) {
  encoding::encoder enc;
  write_update_v1(enc, ir);
  return std::move(enc).take();
}

void sort_and_merge(std::vector<ds_range>& dels) {
  if (dels.size() < 2) return;
  std::stable_sort(dels.begin(), dels.end(), [](const ds_range& a, const ds_range& b) { return a.clock < b.clock; });
  std::size_t j = 1;
  for (std::size_t i = 1; i < dels.size(); ++i) {
    ds_range& left = dels[j - 1];
    const ds_range right = dels[i];
    if (std::uint64_t{left.clock} + left.len >= right.clock) {
      left.len = std::max(left.clock + left.len, right.clock + right.len) - left.clock;
    } else {
      dels[j++] = right;
    }
  }
  dels.resize(j);
}

void sort_and_merge(ir_delete_set& ds) {
  for (auto& entry : ds.clients) sort_and_merge(entry.second);
}

}  // namespace yws::crdt::detail
