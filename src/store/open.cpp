#include "yws/store/open.hpp"

#include "yws/store/memory_store.hpp"

namespace yws::store {

result<store_location> parse_store_uri(std::string_view uri) {
  auto path_after = [&](std::string_view scheme) -> std::optional<std::string> {
    if (!uri.starts_with(scheme)) return std::nullopt;
    return std::string(uri.substr(scheme.size()));
  };
  if (uri == "memory" || uri == "memory:") return store_location{store_kind::memory, {}};
  if (uri == "temp" || uri == "temp:") return store_location{store_kind::temp, {}};
  if (auto dir = path_after("file:")) {
    if (dir->empty()) return errc::invalid_argument;
    return store_location{store_kind::file, std::move(*dir)};
  }
  if (auto path = path_after("sqlite:")) {
    if (path->empty()) return errc::invalid_argument;
    return store_location{store_kind::sqlite, std::move(*path)};
  }
  return errc::invalid_argument;
}

result<std::unique_ptr<store>> open_store(const store_location& where, const open_options& options) {
  switch (where.kind) {
    case store_kind::memory: return make_memory_store(options.common);
    case store_kind::temp: return make_temp_dir_store(options.common);
    case store_kind::file: {
      file_store_options fo;
      fo.common = options.common;
      fo.read_only = options.read_only;
      return make_file_store(where.path, std::move(fo));
    }
    case store_kind::sqlite: {
      sqlite_store_options so = options.sqlite;
      so.common = options.common;
      so.read_only = options.read_only;
      return make_sqlite_store(where.path, std::move(so));
    }
  }
  return errc::invalid_argument;
}

result<std::unique_ptr<store>> open_store(std::string_view uri, const open_options& options) {
  YWS_TRY(where, parse_store_uri(uri));
  return open_store(where, options);
}

}  // namespace yws::store
