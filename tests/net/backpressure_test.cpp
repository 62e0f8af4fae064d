// Flow control and liveness: a client that stops reading is closed with 1013 at the byte limit
// while the others go on; silent connections are closed; live ones are kept.
#include "yws/net/server.hpp"

#include <gtest/gtest.h>

#include "net/sync_client.hpp"
#include "net/test_server.hpp"
#include "yws/protocol/sync.hpp"

namespace yws::net::test {
namespace {

using protocol::message_type;
using protocol::sync_type;

TEST(Backpressure, SlowConsumerIsClosedWith1013AndTheOthersGoOn) {
  auto opts = test_options();
  opts.max_queued_bytes = 64 * 1024;
  test_server ts(opts);

  sync_client slow(1), writer(2);
  ASSERT_EQ(slow.ws.connect(ts.port(), "/bp",
                            [](boost::asio::ip::tcp::socket& s) {
                              s.set_option(boost::asio::socket_base::receive_buffer_size(4096));
                            }),
            101);
  // The slow client syncs (so it gets broadcasts), then stops reading.
  ASSERT_TRUE(slow.ws.send(protocol::encode_sync_step1(slow.doc)));
  ASSERT_TRUE(slow.wait_synced());
  ASSERT_TRUE(writer.join(ts.port(), "bp"));

  const std::string chunk(8 * 1024, 'x');
  std::size_t sent = 0;
  while (ts.srv.metrics().queue_overflows == 0) {
    ASSERT_LT(sent, 4000u) << "no overflow after " << sent << " updates";
    writer.doc.get_text("t").insert(0, chunk);
    ++sent;
    // The writer reads its echoes, so only the slow client falls behind.
    ASSERT_TRUE(writer.wait_updates(sent));
  }
  EXPECT_EQ(ts.srv.metrics().queue_overflows, 1u);

  // The slow client reads again: what reached its socket, then the close frame.
  auto code = slow.ws.wait_close(5s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1013);
  EXPECT_TRUE(eventually([&] { return ts.srv.metrics().closed(close_reason::overflow) == 1; }));

  // Nobody else noticed.
  writer.doc.get_text("t").insert(0, "!");
  ++sent;
  ASSERT_TRUE(writer.wait_updates(sent));
  EXPECT_TRUE(writer.ws.is_open());
  sync_client late(3);
  ASSERT_EQ(late.connect(ts.port(), "bp"), 101);
  ASSERT_TRUE(late.wait_synced(10s));
  EXPECT_EQ(late.doc.get_text("t").length(), writer.doc.get_text("t").length());
}

server_options keepalive_options() {
  auto opts = test_options();
  opts.ping_interval = 100ms;
  opts.idle_timeout = 400ms;
  return opts;
}

TEST(Keepalive, SilentConnectionIsClosedAfterTheIdleTimeout) {
  test_server ts(keepalive_options());
  ws_client silent;
  ASSERT_EQ(silent.connect(ts.port(), "/idle"), 101);
  // Not running the client's io_context: it answers no ping.
  ASSERT_TRUE(eventually([&] { return ts.srv.metrics().closed(close_reason::idle_timeout) == 1; }, 5s));
  EXPECT_EQ(silent.wait_close(), std::optional<std::uint16_t>(0));  // closed without a handshake
}

TEST(Keepalive, ConnectionAnsweringPingsIsKept) {
  test_server ts(keepalive_options());
  ws_client live;
  ASSERT_EQ(live.connect(ts.port(), "/alive"), 101);
  live.run_for(1200ms);  // reads (Beast answers pings) for three idle timeouts
  EXPECT_TRUE(live.is_open());
  EXPECT_EQ(ts.srv.metrics().closed(close_reason::idle_timeout), 0u);
}

}  // namespace
}  // namespace yws::net::test
