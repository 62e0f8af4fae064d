#include "store/store_context.hpp"

#include <chrono>

namespace yws::store::detail {

double store_context::now() const {
  if (options_.clock) return options_.clock();
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration<double>(since_epoch).count();
}

bytes store_context::metadata_for(std::string_view room, std::span<const std::uint8_t> metadata) const {
  if (options_.on_metadata) return options_.on_metadata(room, metadata);
  return bytes(metadata.begin(), metadata.end());
}

void store_context::report(std::string_view room, std::string_view what, std::error_code error) const {
  if (options_.on_event) options_.on_event(store_event{room, what, error});
}

result<void> store_context::check_room_name(std::string_view room) {
  if (room.size() > max_room_name_bytes) return errc::invalid_argument;
  return {};
}

}  // namespace yws::store::detail
