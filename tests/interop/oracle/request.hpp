// A parsed oracle request (one JSON object) with typed field accessors.
//
// Accessors never throw: the first problem (missing field, wrong type, out of range) is recorded
// and a neutral value returned, so a handler reads all its fields and then checks ok() once.
//
// Thread safety: none. Lifetime: views `fields`, which must outlive the request.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yws/encoding/any.hpp"

namespace yws::interop {

class request {
 public:
  explicit request(const encoding::any& fields) : fields_(fields) {
    if (!fields.is_object()) fail("a request must be a JSON object");
  }

  // nullptr when absent (or when the request is not an object).
  const encoding::any* find(std::string_view key) const {
    return fields_.is_object() ? fields_.find(key) : nullptr;
  }
  const encoding::any& field(std::string_view key);
  std::string string(std::string_view key);
  std::optional<std::string> optional_string(std::string_view key);
  // A JSON number that is an integer in [0, max].
  std::uint64_t integer(std::string_view key, std::uint64_t max);
  std::uint32_t u32(std::string_view key) { return static_cast<std::uint32_t>(integer(key, UINT32_MAX)); }
  bool boolean(std::string_view key, bool fallback);
  // Absent means {}; present must be an object.
  encoding::any_object object(std::string_view key);
  const encoding::any_array& array(std::string_view key);
  // A hex string decoded to bytes.
  std::vector<std::uint8_t> bytes(std::string_view key);

  bool ok() const noexcept { return error_.empty(); }
  const std::string& error() const noexcept { return error_; }
  // Records `message` unless an earlier error is already recorded.
  void fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }

 private:
  const encoding::any& fields_;
  std::string error_;
};

}  // namespace yws::interop
