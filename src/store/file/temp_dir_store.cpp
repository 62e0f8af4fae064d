// The temporary-directory store: a file_store in a fresh mkdtemp directory that it deletes when
// destroyed.
#include <stdlib.h>

#include <string>

#include "yws/store/file_store.hpp"
#include "yws/store/memory_store.hpp"

namespace yws::store {
namespace {

namespace fs = std::filesystem;

class temp_dir_store final : public store {
 public:
  temp_dir_store(fs::path dir, std::unique_ptr<store> inner) : dir_(std::move(dir)), inner_(std::move(inner)) {}
  ~temp_dir_store() override {
    inner_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);  // best effort: nothing to report to at destruction
  }

  result<void> append_batch(std::string_view room, std::span<const append_record> records) override {
    return inner_->append_batch(room, records);
  }
  result<stored_doc> load(std::string_view room) override { return inner_->load(room); }
  result<std::vector<record>> history(std::string_view room) override { return inner_->history(room); }
  result<compact_result> compact(std::string_view room, const compact_options& options) override {
    return inner_->compact(room, options);
  }
  result<void> remove(std::string_view room) override { return inner_->remove(room); }
  result<std::vector<std::string>> list_rooms() override { return inner_->list_rooms(); }
  result<room_stats> stats(std::string_view room) override { return inner_->stats(room); }
  result<void> flush() override { return inner_->flush(); }

 private:
  const fs::path dir_;
  std::unique_ptr<store> inner_;
};

}  // namespace

result<std::unique_ptr<store>> make_temp_dir_store(store_options options) {
  std::error_code ec;
  const fs::path base = fs::temp_directory_path(ec);
  if (ec) return errc::io_error;
  std::string templ = (base / "yws-store-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) return errc::io_error;
  file_store_options fo;
  fo.common = std::move(options);
  auto inner = make_file_store(templ, std::move(fo));
  if (!inner) {
    fs::remove_all(templ, ec);
    return inner.error();
  }
  return std::unique_ptr<store>(std::make_unique<temp_dir_store>(templ, std::move(*inner)));
}

}  // namespace yws::store
