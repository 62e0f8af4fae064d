#include "yws/store/store.hpp"

#include <vector>

#include "store/merge.hpp"

namespace yws::store {

result<void> store::append(std::string_view room, std::span<const std::uint8_t> update,
                           std::span<const std::uint8_t> metadata) {
  const append_record one{update, metadata, std::nullopt};
  return append_batch(room, std::span(&one, 1));
}

result<bytes> load_merged(store& s, std::string_view room) {
  YWS_TRY(doc, s.load(room));
  std::vector<std::span<const std::uint8_t>> updates;
  updates.reserve(doc.tail.size() + 1);
  if (!doc.snapshot.empty()) updates.emplace_back(doc.snapshot);
  for (const auto& u : doc.tail) updates.emplace_back(u);
  return detail::merge_updates(updates);
}

}  // namespace yws::store
