// store/store_context.hpp: what every store implementation does the same way with its
// store_options: the clock, the metadata callback, events, room-name checks and time order.
//
// Thread safety: const methods only; the callbacks it calls are the user's, called as documented
// in store.hpp. Lifetime: a value owned by its store.
#pragma once

#include <algorithm>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include "yws/store/store.hpp"

namespace yws::store::detail {

class store_context {
 public:
  explicit store_context(store_options options) : options_(std::move(options)) {}

  const store_options& options() const noexcept { return options_; }

  // Seconds since the Unix epoch, from the injected clock or the system clock.
  double now() const;

  // The metadata to store for a record of `room` given the caller's `metadata`.
  bytes metadata_for(std::string_view room, std::span<const std::uint8_t> metadata) const;

  void report(std::string_view room, std::string_view what, std::error_code error = {}) const;

  // errc::invalid_argument for a name over max_room_name_bytes.
  static result<void> check_room_name(std::string_view room);

  // The timestamp of the next record of a room whose newest record is at `newest`: the explicit
  // one if given, otherwise now, but never before `newest` (records stay in time order).
  static double next_timestamp(const append_record& r, double now, double newest) {
    return r.timestamp ? *r.timestamp : std::max(now, newest);
  }

  // Timestamp of "no record yet".
  static constexpr double no_time = -std::numeric_limits<double>::infinity();

 private:
  store_options options_;
};

}  // namespace yws::store::detail
