// What hostile lib0 input can make the decoder allocate. This file replaces the global operator
// new of encoding_test with one that counts the bytes requested (Linux overcommits, so a huge
// reservation that is never touched would not show up in RSS).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "encoding/test_util.hpp"

namespace {
std::atomic<std::size_t> bytes_requested{0};
}  // namespace

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"  // malloc/free is the pair used here
#endif

void* operator new(std::size_t n) {
  bytes_requested.fetch_add(n, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  bytes_requested.fetch_add(n, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace yws::encoding {
namespace {

// Every level claims a million entries, which the remaining bytes could hold: reserving the
// claims in full would request 200 x 1e6 x sizeof(any) bytes (8 GB) for a 1 MB input.
TEST(read_any, nested_claims_do_not_multiply_memory) {
  encoder enc;
  for (int level = 0; level < 200; ++level) {
    enc.write_u8(117);
    enc.write_var_uint(1000000);
  }
  for (int i = 0; i < 1000000; ++i) enc.write_u8(126);
  const std::size_t before = bytes_requested.load();
  EXPECT_EQ(decoder(enc.data()).read_any().error(), errc::unexpected_end_of_buffer);
  const std::size_t requested = bytes_requested.load() - before;
  EXPECT_LT(requested, std::size_t{200} << 20) << requested << " bytes requested for a 1 MB input";
}

}  // namespace
}  // namespace yws::encoding
