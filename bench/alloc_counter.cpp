// The replaced global allocation functions of the bench binary (see alloc_counter.hpp). When not
// counting they cost one predictable branch over malloc/free, so the timing benchmarks in the
// same binary are not skewed.
#include "alloc_counter.hpp"

#include <malloc.h>

#include <cstdlib>
#include <new>

namespace yws::bench {
namespace {

bool counting = false;
alloc_stats stats;

void note_alloc(void* p) noexcept {
  if (!counting || p == nullptr) return;
  const auto n = static_cast<std::int64_t>(malloc_usable_size(p));
  stats.allocated_bytes += static_cast<std::uint64_t>(n);
  stats.allocations += 1;
  stats.live_bytes += n;
  if (stats.live_bytes > stats.peak_live_bytes) stats.peak_live_bytes = stats.live_bytes;
}

void note_free(void* p) noexcept {
  if (!counting || p == nullptr) return;
  stats.live_bytes -= static_cast<std::int64_t>(malloc_usable_size(p));
}

// nullptr when out of memory.
void* try_allocate(std::size_t n) noexcept {
  void* p = std::malloc(n == 0 ? 1 : n);
  note_alloc(p);
  return p;
}

void* try_allocate_aligned(std::size_t n, std::align_val_t al) noexcept {
  const auto a = static_cast<std::size_t>(al);
  // aligned_alloc wants a size that is a multiple of the alignment.
  void* p = std::aligned_alloc(a, ((n == 0 ? 1 : n) + a - 1) / a * a);
  note_alloc(p);
  return p;
}

void* allocate(std::size_t n) {
  void* p = try_allocate(n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void* allocate_aligned(std::size_t n, std::align_val_t al) {
  void* p = try_allocate_aligned(n, al);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void release(void* p) noexcept {
  note_free(p);
  std::free(p);
}

}  // namespace

void start_counting_allocations() noexcept {
  stats = {};
  counting = true;
}

alloc_stats stop_counting_allocations() noexcept {
  counting = false;
  return stats;
}

std::uint64_t malloc_in_use_bytes() noexcept { return mallinfo2().uordblks; }

}  // namespace yws::bench

// Every replaceable global allocation function ([new.delete]), the nothrow forms included: a
// sanitizer runtime interposes whichever ones are left, and pairing its `new` with our `free`
// would be an allocation mismatch.
void* operator new(std::size_t n) { return yws::bench::allocate(n); }
void* operator new[](std::size_t n) { return yws::bench::allocate(n); }
void* operator new(std::size_t n, std::align_val_t al) { return yws::bench::allocate_aligned(n, al); }
void* operator new[](std::size_t n, std::align_val_t al) { return yws::bench::allocate_aligned(n, al); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return yws::bench::try_allocate(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return yws::bench::try_allocate(n); }
void* operator new(std::size_t n, std::align_val_t al, const std::nothrow_t&) noexcept {
  return yws::bench::try_allocate_aligned(n, al);
}
void* operator new[](std::size_t n, std::align_val_t al, const std::nothrow_t&) noexcept {
  return yws::bench::try_allocate_aligned(n, al);
}
void operator delete(void* p) noexcept { yws::bench::release(p); }
void operator delete[](void* p) noexcept { yws::bench::release(p); }
void operator delete(void* p, std::size_t) noexcept { yws::bench::release(p); }
void operator delete[](void* p, std::size_t) noexcept { yws::bench::release(p); }
void operator delete(void* p, std::align_val_t) noexcept { yws::bench::release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { yws::bench::release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { yws::bench::release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { yws::bench::release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { yws::bench::release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { yws::bench::release(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { yws::bench::release(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { yws::bench::release(p); }
