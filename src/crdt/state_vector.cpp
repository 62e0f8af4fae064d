#include "yws/crdt/state_vector.hpp"

#include <algorithm>

#include "yws/encoding/decoder.hpp"
#include "yws/encoding/encoder.hpp"

namespace yws::crdt {

std::uint32_t state_vector::get(std::uint64_t client) const noexcept {
  const auto it = clocks_.find(client);
  return it == clocks_.end() ? 0 : it->second;
}

void state_vector::set(std::uint64_t client, std::uint32_t clock) { clocks_[client] = clock; }

std::vector<std::uint8_t> state_vector::encode_v1() const {
  std::vector<std::pair<std::uint64_t, std::uint32_t>> entries(clocks_.begin(), clocks_.end());
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  encoding::encoder enc;
  enc.write_var_uint(entries.size());
  for (const auto& [client, clock] : entries) {
    enc.write_var_uint(client);
    enc.write_var_uint(clock);
  }
  return std::move(enc).take();
}

result<state_vector> state_vector::decode_v1(std::span<const std::uint8_t> bytes) {
  encoding::decoder dec(bytes);
  YWS_TRY(n, dec.read_var_uint());
  if (n > dec.remaining()) return errc::unexpected_end_of_buffer;
  state_vector sv;
  for (std::uint64_t i = 0; i < n; ++i) {
    YWS_TRY(client, dec.read_var_uint());
    YWS_TRY(clock, dec.read_var_uint32());
    sv.set(client, clock);
  }
  return sv;
}

void delete_set::add(std::uint64_t client, std::uint32_t clock, std::uint32_t len) {
  if (len == 0) return;
  clients_[client].push_back({clock, len});
}

void delete_set::sort_and_merge() {
  for (auto& [client, ranges] : clients_) {
    std::sort(ranges.begin(), ranges.end(), [](const range& a, const range& b) { return a.clock < b.clock; });
    std::size_t j = 0;
    for (std::size_t i = 0; i < ranges.size(); ++i) {
      if (j > 0 && std::uint64_t{ranges[j - 1].clock} + ranges[j - 1].len >= ranges[i].clock) {
        const std::uint64_t end =
            std::max<std::uint64_t>(std::uint64_t{ranges[j - 1].clock} + ranges[j - 1].len, std::uint64_t{ranges[i].clock} + ranges[i].len);
        ranges[j - 1].len = static_cast<std::uint32_t>(end - ranges[j - 1].clock);
      } else {
        ranges[j++] = ranges[i];
      }
    }
    ranges.resize(j);
  }
}

bool delete_set::contains(const id& i) const {
  const auto it = clients_.find(i.client);
  if (it == clients_.end()) return false;
  const auto& r = it->second;
  auto pos = std::upper_bound(r.begin(), r.end(), i.clock, [](std::uint32_t c, const range& x) { return c < x.clock; });
  if (pos == r.begin()) return false;
  --pos;
  return i.clock < std::uint64_t{pos->clock} + pos->len;
}

std::vector<std::uint8_t> delete_set::encode_v1() const {
  std::vector<const std::pair<const std::uint64_t, std::vector<range>>*> entries;
  for (const auto& e : clients_) entries.push_back(&e);
  std::sort(entries.begin(), entries.end(), [](const auto* a, const auto* b) { return a->first > b->first; });
  encoding::encoder enc;
  enc.write_var_uint(entries.size());
  for (const auto* e : entries) {
    enc.write_var_uint(e->first);
    enc.write_var_uint(e->second.size());
    for (const range& r : e->second) {
      enc.write_var_uint(r.clock);
      enc.write_var_uint(r.len);
    }
  }
  return std::move(enc).take();
}

result<delete_set> delete_set::decode_v1(std::span<const std::uint8_t> bytes) {
  encoding::decoder dec(bytes);
  YWS_TRY(n, dec.read_var_uint());
  if (n > dec.remaining()) return errc::unexpected_end_of_buffer;
  delete_set ds;
  for (std::uint64_t i = 0; i < n; ++i) {
    YWS_TRY(client, dec.read_var_uint());
    YWS_TRY(count, dec.read_var_uint());
    if (count > dec.remaining()) return errc::unexpected_end_of_buffer;
    for (std::uint64_t j = 0; j < count; ++j) {
      YWS_TRY(clock, dec.read_var_uint32());
      YWS_TRY(len, dec.read_var_uint32());
      if (std::uint64_t{clock} + len > UINT32_MAX) return errc::integer_out_of_range;
      ds.add(client, clock, len);
    }
  }
  ds.sort_and_merge();
  return ds;
}

}  // namespace yws::crdt
