// A session's outbound messages: a FIFO bounded in bytes, filled by the room (any thread) and
// drained by the session's writer coroutine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace yws::net::detail {

// One encoded y-websocket message, shared read-only by every session it is broadcast to.
using shared_message = std::shared_ptr<const std::vector<std::uint8_t>>;

inline shared_message make_shared_message(std::vector<std::uint8_t> bytes) {
  return std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes));
}

// Thread safety: every member may be called from any thread (one mutex; held only for a few
// pointer moves). Lifetime: owned by its session.
//
// Bound: push() refuses a message when the bytes already waiting are at or over the limit, so
// the queue holds at most limit + one message (the writer holds one more while writing it). A
// refused push shuts the queue and drops what waits: the session must then close (1013).
class outbound_queue {
 public:
  explicit outbound_queue(std::size_t max_bytes) noexcept : max_bytes_(max_bytes) {}

  enum class push_result {
    queued,       // the writer is busy and will find it
    wake_writer,  // queued; the writer is idle and must be woken
    overflow,     // refused: the limit was reached (first time only); the queue is now shut
    refused,      // the queue is shut
  };
  [[nodiscard]] push_result push(shared_message m);

  // The next message, or nullptr when none waits; nullptr also marks the writer idle, so that
  // the next push() answers wake_writer.
  shared_message pop();

  // Refuses further pushes; with drop_waiting, discards what waits (close without draining).
  void shut(bool drop_waiting);

  std::size_t waiting_bytes() const;

 private:
  mutable std::mutex mu_;
  std::vector<shared_message> items_;  // FIFO from head_; a vector keeps an idle session small
  std::size_t head_ = 0;
  std::size_t bytes_ = 0;
  std::size_t max_bytes_;
  bool writer_idle_ = false;
  bool shut_ = false;
};

}  // namespace yws::net::detail
