// Room names to file names. The escaping is injective (each byte maps to itself or to %XX, and
// '%' itself is escaped), lower-case only (so case-insensitive file systems keep names apart),
// and never produces '/', "." or "..". Long names keep a readable prefix and gain '~' plus the
// SHA-256 of the whole name; '~' never appears in an escaped name, so the two forms cannot meet.
#include <openssl/evp.h>

#include <array>
#include <stdexcept>

#include "yws/store/file_store.hpp"

namespace yws::store {
namespace {

constexpr std::size_t max_plain_length = 160;  // escaped names up to this are used as is
constexpr std::size_t hashed_prefix_length = 96;
constexpr char hex_digits[] = "0123456789abcdef";

bool plain_byte(unsigned char c, bool first) {
  if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') return true;
  return c == '.' && !first;
}

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 unavailable");  // a broken OpenSSL: an invariant, not input
  }
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(hex_digits[digest[i] >> 4]);
    out.push_back(hex_digits[digest[i] & 0x0f]);
  }
  return out;
}

}  // namespace

std::string room_file_name(std::string_view room) {
  std::string escaped;
  if (room.empty()) escaped = "%";  // a lone '%' is never the escape of anything
  for (std::size_t i = 0; i < room.size(); ++i) {
    const auto c = static_cast<unsigned char>(room[i]);
    if (plain_byte(c, i == 0)) {
      escaped.push_back(static_cast<char>(c));
    } else {
      escaped.push_back('%');
      escaped.push_back(hex_digits[c >> 4]);
      escaped.push_back(hex_digits[c & 0x0f]);
    }
  }
  if (escaped.size() > max_plain_length) {
    std::size_t cut = hashed_prefix_length;
    // Do not split an escape: back up to the '%' that starts it.
    for (std::size_t k = 1; k <= 2; ++k) {
      if (escaped[cut - k] == '%') cut -= k;
    }
    escaped = escaped.substr(0, cut) + "~" + sha256_hex(room);
  }
  return escaped + ".ywslog";
}

}  // namespace yws::store
