#include "net/outbound_queue.hpp"

#include <gtest/gtest.h>

namespace yws::net::detail {
namespace {

shared_message msg(std::size_t n) { return make_shared_message(std::vector<std::uint8_t>(n, 0)); }

using push_result = outbound_queue::push_result;

TEST(OutboundQueue, FifoAndIdleWriterWakeUp) {
  outbound_queue q(1000);
  EXPECT_EQ(q.push(msg(1)), push_result::queued);  // the writer has not looked yet
  auto a = q.pop();
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->size(), 1u);
  EXPECT_EQ(q.pop(), nullptr);                          // now the writer is idle
  EXPECT_EQ(q.push(msg(2)), push_result::wake_writer);  // so the first push wakes it
  EXPECT_EQ(q.push(msg(3)), push_result::queued);
  EXPECT_EQ(q.pop()->size(), 2u);
  EXPECT_EQ(q.pop()->size(), 3u);
  EXPECT_EQ(q.waiting_bytes(), 0u);
}

TEST(OutboundQueue, OverflowsWhenTheLimitIsAlreadyReached) {
  outbound_queue q(100);
  EXPECT_EQ(q.push(msg(60)), push_result::queued);
  EXPECT_EQ(q.push(msg(60)), push_result::queued);  // 60 < 100: accepted, now 120 waiting
  EXPECT_EQ(q.waiting_bytes(), 120u);
  EXPECT_EQ(q.push(msg(1)), push_result::overflow);  // 120 >= 100
  EXPECT_EQ(q.waiting_bytes(), 0u);                  // dropped: the session closes
  EXPECT_EQ(q.pop(), nullptr);
  EXPECT_EQ(q.push(msg(1)), push_result::refused);  // reported once
}

TEST(OutboundQueue, OneLargeMessageIsAcceptedIntoAnEmptyQueue) {
  outbound_queue q(100);
  EXPECT_EQ(q.push(msg(10000)), push_result::queued);  // a big sync step 2 must get through
  EXPECT_EQ(q.push(msg(1)), push_result::overflow);
}

TEST(OutboundQueue, ShutDrainsOrDrops) {
  outbound_queue q(100);
  EXPECT_EQ(q.push(msg(1)), push_result::queued);
  q.shut(false);
  EXPECT_EQ(q.push(msg(1)), push_result::refused);
  EXPECT_NE(q.pop(), nullptr);  // what waited is still written
  outbound_queue r(100);
  EXPECT_EQ(r.push(msg(1)), push_result::queued);
  r.shut(true);
  EXPECT_EQ(r.pop(), nullptr);
}

}  // namespace
}  // namespace yws::net::detail
