#include "net/room_name.hpp"

#include <boost/url/parse.hpp>

#include "yws/encoding/utf8.hpp"

namespace yws::net::detail {

result<void> check_room_name(std::string_view name, std::size_t max_bytes) {
  if (name.empty() || name.size() > max_bytes) return errc::invalid_argument;
  if (!encoding::is_valid_utf8(name)) return errc::invalid_argument;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c < 0x20 || c == 0x7f) return errc::invalid_argument;
    // U+0080..U+009F are C2 80..C2 9F in UTF-8.
    if (c == 0xc2 && i + 1 < name.size()) {
      const auto next = static_cast<unsigned char>(name[i + 1]);
      if (next >= 0x80 && next <= 0x9f) return errc::invalid_argument;
    }
  }
  return {};
}

result<std::string> room_name_from_target(std::string_view target, std::size_t max_bytes) {
  // Bound the work before decoding: percent-encoding at most triples a name.
  if (target.size() > 3 * max_bytes + 4096) return errc::invalid_argument;
  // Only the path names the room: the query is the application's (tokens...) and is not checked.
  auto url = boost::urls::parse_origin_form(target.substr(0, target.find('?')));
  if (!url) return errc::invalid_argument;
  std::string path = url->path();  // percent-decoded
  if (path.empty() || path.front() != '/') return errc::invalid_argument;
  path.erase(0, 1);
  YWS_TRY_VOID(check_room_name(path, max_bytes));
  return path;
}

}  // namespace yws::net::detail
