// yws/store/memory_store.hpp: stores that forget: in memory, or in a temporary directory.
//
//   auto s = yws::store::make_memory_store();            // tests, ephemeral servers
//   auto t = yws::store::make_temp_dir_store();          // a file_store removed when destroyed
//
// Thread safety and errors: as yws::store::store. The fsync options are ignored by the memory
// store (nothing is durable).
// Lifetime: the memory store's content dies with it. The temporary-directory store deletes its
// directory (and every log in it) when destroyed; a process killed before that leaves it behind
// under the system temporary directory, named yws-store-XXXXXX.
#pragma once

#include <filesystem>
#include <memory>

#include "yws/store/store.hpp"

namespace yws::store {

std::unique_ptr<store> make_memory_store(store_options options = {});

// A file_store (file_store.hpp) in a fresh directory under std::filesystem::temp_directory_path().
[[nodiscard]] result<std::unique_ptr<store>> make_temp_dir_store(store_options options = {});

}  // namespace yws::store
