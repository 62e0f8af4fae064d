// store/file/posix_io.hpp: the few POSIX file operations the file store needs, as results.
//
// Failures map to errc::io_error (errc::not_found for a missing file); the system's own message
// is kept in `last_error_text()` of the calling thread for reports.
//
// Thread safety: free functions; unique_fd is a move-only owner, not shared.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "yws/store/store.hpp"

namespace yws::store::detail {

// Owns a file descriptor; closes it on destruction.
class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  unique_fd(unique_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  ~unique_fd() { reset(); }

  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }
  void reset() noexcept;

 private:
  int fd_ = -1;
};

// "<operation> <path>: <strerror>" of the last failure on this thread.
const std::string& last_error_text();

[[nodiscard]] result<unique_fd> open_file(const std::filesystem::path& path, int flags, unsigned mode = 0644);
[[nodiscard]] result<std::uint64_t> file_size(int fd);
// Reads [offset, offset + n) exactly; errc::corruption if the file is shorter.
[[nodiscard]] result<bytes> read_at(int fd, std::uint64_t offset, std::uint64_t n);
[[nodiscard]] result<void> write_at(int fd, std::span<const std::uint8_t> data, std::uint64_t offset);
[[nodiscard]] result<void> truncate_to(int fd, std::uint64_t size);
[[nodiscard]] result<void> sync_data(int fd);
// fsync of a directory, so that a file created or renamed in it survives a crash.
[[nodiscard]] result<void> sync_dir(const std::filesystem::path& dir);
// Writes `data` to a new file at `path` (replacing any), fsyncs it and closes it.
[[nodiscard]] result<void> write_new_file(const std::filesystem::path& path, std::span<const std::uint8_t> data);
// rename(2): atomic replacement of `to`.
[[nodiscard]] result<void> rename_file(const std::filesystem::path& from, const std::filesystem::path& to);
// unlink(2); a missing file is not an error.
[[nodiscard]] result<void> remove_file(const std::filesystem::path& path);
// An exclusive advisory lock (flock) on `path`, created if needed; errc::rejected if another
// process (or another open in this one) holds it.
[[nodiscard]] result<unique_fd> lock_file(const std::filesystem::path& path);

}  // namespace yws::store::detail
