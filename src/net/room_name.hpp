// Room names: from an HTTP request target to the name a room is registered under.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "yws/error.hpp"

namespace yws::net::detail {

// The room a request target names: its path, percent-decoded, without the query and without
// the one leading '/' ("/notes/a%20b?x=1" -> "notes/a b"), so that a y-websocket client's
// `roomname` comes back unchanged. Errors: errc::invalid_argument when the path is not an
// origin-form path or has bad percent-encoding, or when the decoded name fails check_room_name.
// The query is not examined.
[[nodiscard]] result<std::string> room_name_from_target(std::string_view target, std::size_t max_bytes);

// A room name is 1..max_bytes bytes of well-formed UTF-8 without control characters
// (U+0000..U+001F, U+007F..U+009F). Errors: errc::invalid_argument.
[[nodiscard]] result<void> check_room_name(std::string_view name, std::size_t max_bytes);

}  // namespace yws::net::detail
