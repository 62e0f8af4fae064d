// yws/store/open.hpp: stores named by URI, as `yws serve --store` and `yws store` take them.
//
//   memory          make_memory_store
//   temp            make_temp_dir_store
//   file:DIR        make_file_store(DIR)
//   sqlite:PATH     make_sqlite_store(PATH)  (sqlite::memory: for an in-memory database)
//
//   auto s = yws::store::open_store("file:./rooms", {.common = {.fsync = fsync_policy::always}});
//
// Thread safety: free functions without state.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "yws/store/file_store.hpp"
#include "yws/store/sqlite_store.hpp"
#include "yws/store/store.hpp"

namespace yws::store {

enum class store_kind { memory, temp, file, sqlite };

struct store_location {
  store_kind kind = store_kind::memory;
  std::string path;  // DIR or PATH; empty for memory and temp
};

// errc::invalid_argument for anything else (an unknown scheme, a missing path).
[[nodiscard]] result<store_location> parse_store_uri(std::string_view uri);

// Options for any kind of store; fields that do not apply to the chosen kind are ignored.
struct open_options {
  store_options common;
  bool read_only = false;
  sqlite_store_options sqlite;  // its `common` and `read_only` are taken from above
};

[[nodiscard]] result<std::unique_ptr<store>> open_store(const store_location& where,
                                                        const open_options& options = {});
[[nodiscard]] result<std::unique_ptr<store>> open_store(std::string_view uri,
                                                        const open_options& options = {});

}  // namespace yws::store
