// yws/error.hpp: the one error vocabulary of yws, and result<T>.
//
// Every operation whose failure depends on its input (decoding, applying an update, reading a
// store, parsing a network message) returns `yws::result<T>` or `std::error_code`; it never
// throws. Exceptions are reserved for broken invariants.
//
//   yws::result<std::uint64_t> n = dec.read_var_uint();
//   if (!n) return n.error();          // propagate
//   use(*n);
#pragma once

#include <cassert>
#include <cstdlib>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace yws {

// Error codes of yws. Values are stable (they appear in logs and metrics); append only.
enum class errc {
  // Decoding (lib0 and the formats built on it).
  unexpected_end_of_buffer = 1,  // input ended inside a value
  integer_out_of_range,          // a varUint/varInt that does not fit its destination
  invalid_any_tag,               // lib0 `any` tag outside 116..127
  invalid_json,                  // text that JSON.parse would reject
  nesting_too_deep,              // recursion limit of any/JSON decoding reached
  // Updates and the CRDT.
  malformed_update,              // structurally invalid update (bad struct, bad reference, ...)
  unknown_content_ref,           // content ref outside 0..10 or a type ref yws cannot represent
  unsupported_feature,           // valid input using a feature yws does not implement
  // Protocol.
  unknown_message_type,          // y-websocket outer or sync message type not understood
  malformed_message,             // a protocol message that does not decode
  message_too_large,             // a message over the configured limit
  // Stores.
  corruption,                    // stored data fails its checksum or framing
  io_error,                      // the operating system refused a read or write
  not_found,                     // no such room, key or file
  // Network and lifecycle.
  room_not_ready,                // the room cannot serve clients (e.g. its load failed)
  rejected,                      // refused by a hook or a policy
  timed_out,                     // a bounded wait ran out
  invalid_argument,              // a caller-supplied option or name is not acceptable
};

// The category of yws::errc; its name is "yws".
const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

}  // namespace yws

template <>
struct std::is_error_code_enum<yws::errc> : std::true_type {};

namespace yws {

// result<T> holds either a T or a non-zero std::error_code. It must be inspected: it is
// [[nodiscard]], and value() on an error is a broken invariant (it aborts).
template <class T>
class [[nodiscard]] result {
 public:
  using value_type = T;

  result(const T& v) : v_(std::in_place_index<0>, v) {}                 // NOLINT(implicit)
  result(T&& v) : v_(std::in_place_index<0>, std::move(v)) {}          // NOLINT(implicit)
  result(std::error_code ec) : v_(std::in_place_index<1>, ec) {        // NOLINT(implicit)
    assert(ec && "result constructed from a success error_code");
  }
  result(errc e) : result(make_error_code(e)) {}                       // NOLINT(implicit)
  template <class... Args>
  explicit result(std::in_place_t, Args&&... args)
      : v_(std::in_place_index<0>, std::forward<Args>(args)...) {}

  bool has_value() const noexcept { return v_.index() == 0; }
  bool has_error() const noexcept { return v_.index() == 1; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { check(); return std::get<0>(v_); }
  const T& value() const& { check(); return std::get<0>(v_); }
  T&& value() && { check(); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  std::error_code error() const noexcept {
    return has_error() ? std::get<1>(v_) : std::error_code{};
  }

 private:
  void check() const {
    if (!has_value()) std::abort();  // broken invariant: value() of an error
  }
  std::variant<T, std::error_code> v_;
};

template <>
class [[nodiscard]] result<void> {
 public:
  using value_type = void;
  result() = default;
  result(std::error_code ec) : ec_(ec) {}  // NOLINT(implicit)
  result(errc e) : ec_(make_error_code(e)) {}  // NOLINT(implicit)

  bool has_value() const noexcept { return !ec_; }
  bool has_error() const noexcept { return static_cast<bool>(ec_); }
  explicit operator bool() const noexcept { return has_value(); }
  void value() const {
    if (ec_) std::abort();
  }
  std::error_code error() const noexcept { return ec_; }

 private:
  std::error_code ec_;
};

}  // namespace yws

// YWS_TRY(var, expr): evaluates `expr` (a result<T>); on error returns the error from the
// enclosing function, else declares `var` holding the value.
#define YWS_CONCAT_INNER(a, b) a##b
#define YWS_CONCAT(a, b) YWS_CONCAT_INNER(a, b)
#define YWS_TRY(var, expr)                                      \
  auto YWS_CONCAT(yws_try_, __LINE__) = (expr);                 \
  if (!YWS_CONCAT(yws_try_, __LINE__))                          \
    return YWS_CONCAT(yws_try_, __LINE__).error();              \
  auto var = std::move(*YWS_CONCAT(yws_try_, __LINE__))
// YWS_TRY_VOID(expr): evaluates a result<void> or result<T>; on error returns the error.
#define YWS_TRY_VOID(expr)                                      \
  do {                                                          \
    auto yws_try_v_ = (expr);                                   \
    if (!yws_try_v_) return yws_try_v_.error();                 \
  } while (0)
