#include "yws/error.hpp"

#include <string>

namespace yws {
namespace {

class category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "yws"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::unexpected_end_of_buffer: return "unexpected end of buffer";
      case errc::integer_out_of_range: return "integer out of range";
      case errc::invalid_any_tag: return "invalid lib0 any tag";
      case errc::invalid_json: return "invalid JSON";
      case errc::nesting_too_deep: return "nesting too deep";
      case errc::malformed_update: return "malformed update";
      case errc::unknown_content_ref: return "unknown content ref";
      case errc::unsupported_feature: return "unsupported feature";
      case errc::unknown_message_type: return "unknown message type";
      case errc::malformed_message: return "malformed message";
      case errc::message_too_large: return "message too large";
      case errc::corruption: return "corruption";
      case errc::io_error: return "I/O error";
      case errc::not_found: return "not found";
      case errc::room_not_ready: return "room not ready";
      case errc::rejected: return "rejected";
      case errc::timed_out: return "timed out";
      case errc::invalid_argument: return "invalid argument";
    }
    return "unknown yws error " + std::to_string(ev);
  }
};

}  // namespace

const std::error_category& error_category() noexcept {
  static const category_impl category;
  return category;
}

}  // namespace yws
