// tests/store/store_test_support.hpp: helpers shared by the store tests: cheap Yjs updates,
// temporary directories, a controllable clock, and document comparison.
#pragma once

#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "yws/crdt/doc.hpp"
#include "yws/encoding/encoder.hpp"
#include "yws/store/store.hpp"

namespace yws::store::test {

// The v1 update of `client` typing `c` at the end of the root text "text", its clock-th
// character, encoded directly (as Yjs would: an Item with ContentString whose origin is the
// previous character) so that building 100,000 of them costs nothing.
inline bytes typing_update(std::uint64_t client, std::uint32_t clock, char c) {
  encoding::encoder enc;
  enc.write_var_uint(1);  // one client with structs
  enc.write_var_uint(1);  // one struct
  enc.write_var_uint(client);
  enc.write_var_uint(clock);
  if (clock == 0) {
    enc.write_u8(0x04);          // Item, ContentString, no origins: parent follows
    enc.write_var_uint(1);       // parent is a root named by key
    enc.write_var_string("text");
  } else {
    enc.write_u8(0x84);          // Item, ContentString, origin follows
    enc.write_var_uint(client);
    enc.write_var_uint(clock - 1);
  }
  enc.write_var_string(std::string_view(&c, 1));
  enc.write_var_uint(0);  // empty delete set
  return std::move(enc).take();
}

// `n` typing updates spelling the repeated alphabet; the text they make is typed_text(n).
inline std::vector<bytes> typing_updates(std::uint32_t n, std::uint64_t client = 7) {
  std::vector<bytes> out;
  out.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) out.push_back(typing_update(client, i, static_cast<char>('a' + i % 26)));
  return out;
}

inline std::string typed_text(std::uint32_t n) {
  std::string s;
  for (std::uint32_t i = 0; i < n; ++i) s.push_back(static_cast<char>('a' + i % 26));
  return s;
}

// The document a stored_doc describes, or an error if an update does not apply.
inline result<std::string> text_of(const stored_doc& sd) {
  crdt::doc d;
  if (!sd.snapshot.empty()) YWS_TRY_VOID(crdt::apply_update_v1(d, sd.snapshot));
  for (const auto& u : sd.tail) YWS_TRY_VOID(crdt::apply_update_v1(d, u));
  return d.get_text("text").to_string();
}

inline std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

inline bytes to_bytes(std::string_view s) { return bytes(s.begin(), s.end()); }

// A fresh directory under the system temporary directory, removed with its content at scope exit.
class temp_dir {
 public:
  temp_dir() {
    std::string templ = (std::filesystem::temp_directory_path() / "yws-store-test-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) std::abort();
    path_ = templ;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A clock the test moves by hand (seconds since the epoch); shared through store_options::clock.
struct manual_clock {
  double now = 1700000000.0;
  clock_function function() {
    return [this] { return now; };
  }
};

}  // namespace yws::store::test
