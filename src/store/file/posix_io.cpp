#include "store/file/posix_io.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace yws::store::detail {
namespace {

thread_local std::string last_error;

std::error_code fail(const char* op, const std::filesystem::path& path, int err) {
  last_error = std::string(op) + " " + path.string() + ": " + std::strerror(err);
  return make_error_code(err == ENOENT ? errc::not_found : errc::io_error);
}

std::error_code fail(const char* op, int err) { return fail(op, std::filesystem::path("(fd)"), err); }

}  // namespace

void unique_fd::reset() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

const std::string& last_error_text() { return last_error; }

result<unique_fd> open_file(const std::filesystem::path& path, int flags, unsigned mode) {
  int fd = -1;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, static_cast<mode_t>(mode));
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return fail("open", path, errno);
  return unique_fd(fd);
}

result<std::uint64_t> file_size(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail("fstat", errno);
  return static_cast<std::uint64_t>(st.st_size);
}

result<bytes> read_at(int fd, std::uint64_t offset, std::uint64_t n) {
  bytes out(n);
  std::uint64_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(fd, out.data() + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return fail("read", errno);
    }
    if (r == 0) return errc::corruption;  // shorter than the store knew: changed behind its back
    done += static_cast<std::uint64_t>(r);
  }
  return out;
}

result<void> write_at(int fd, std::span<const std::uint8_t> data, std::uint64_t offset) {
  std::uint64_t done = 0;
  while (done < data.size()) {
    const ssize_t r = ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return fail("write", errno);
    }
    done += static_cast<std::uint64_t>(r);
  }
  return {};
}

result<void> truncate_to(int fd, std::uint64_t size) {
  while (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    if (errno != EINTR) return fail("truncate", errno);
  }
  return {};
}

result<void> sync_data(int fd) {
  while (::fdatasync(fd) != 0) {
    if (errno != EINTR) return fail("fdatasync", errno);
  }
  return {};
}

result<void> sync_dir(const std::filesystem::path& dir) {
  YWS_TRY(fd, open_file(dir, O_RDONLY | O_DIRECTORY));
  while (::fsync(fd.get()) != 0) {
    if (errno != EINTR) return fail("fsync", dir, errno);
  }
  return {};
}

result<void> write_new_file(const std::filesystem::path& path, std::span<const std::uint8_t> data) {
  YWS_TRY(fd, open_file(path, O_WRONLY | O_CREAT | O_TRUNC));
  YWS_TRY_VOID(write_at(fd.get(), data, 0));
  return sync_data(fd.get());
}

result<void> rename_file(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return fail("rename", from, errno);
  return {};
}

result<void> remove_file(const std::filesystem::path& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return fail("unlink", path, errno);
  return {};
}

result<unique_fd> lock_file(const std::filesystem::path& path) {
  YWS_TRY(fd, open_file(path, O_RDWR | O_CREAT));
  while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) {
      last_error = "lock " + path.string() + ": held by another process";
      return errc::rejected;
    }
    return fail("flock", path, errno);
  }
  return fd;
}

}  // namespace yws::store::detail
