// bench/alloc_counter.hpp: heap accounting for the memory benchmarks.
//
// The bench binary replaces the global operator new/delete (alloc_counter.cpp). While counting is
// on, every allocation and deallocation made through them is tallied in usable bytes
// (malloc_usable_size, so allocator rounding is included but not glibc's per-chunk header). Frees
// of blocks allocated before counting started are subtracted too, so live_bytes is the net change.
//
//   yws::bench::start_counting_allocations();
//   auto d = load();
//   auto s = yws::bench::stop_counting_allocations();   // s.live_bytes: what `d` retains
//
// Thread safety: none; the counters are plain globals. Only single-threaded benchmarks may count.
#pragma once

#include <cstdint>

namespace yws::bench {

struct alloc_stats {
  std::int64_t live_bytes = 0;        // allocated minus freed since start
  std::int64_t peak_live_bytes = 0;   // the highest live_bytes seen
  std::uint64_t allocated_bytes = 0;  // every byte handed out, freed or not
  std::uint64_t allocations = 0;
};

// Resets the counters to zero and starts counting.
void start_counting_allocations() noexcept;
// Stops counting and returns the totals since the last start.
alloc_stats stop_counting_allocations() noexcept;

// The malloc heap in use (mallinfo2().uordblks: chunk sizes including headers), for a second,
// allocator-level view of the same delta.
std::uint64_t malloc_in_use_bytes() noexcept;

}  // namespace yws::bench
