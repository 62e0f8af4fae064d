// The HTTP side: /healthz, /metrics, other requests, and upgrade requests whose target names no
// valid room.
#include "yws/net/server.hpp"

#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "net/sync_client.hpp"
#include "net/test_server.hpp"

namespace yws::net::test {
namespace {

namespace http = boost::beast::http;

TEST(Http, HealthzAnswersOk) {
  test_server ts;
  auto res = http_request_to(ts.port(), http::verb::get, "/healthz");
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->result(), http::status::ok);
  EXPECT_EQ(res->body(), "ok\n");
  auto head = http_request_to(ts.port(), http::verb::head, "/healthz?probe=1");
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->result(), http::status::ok);
  EXPECT_TRUE(head->body().empty());
}

TEST(Http, MetricsArePrometheusText) {
  test_server ts;
  sync_client a(1);
  ASSERT_TRUE(a.join(ts.port(), "m"));
  a.doc.get_text("t").insert(0, "x");
  ASSERT_TRUE(a.wait_updates(1));
  auto res = http_request_to(ts.port(), http::verb::get, "/metrics");
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->result(), http::status::ok);
  EXPECT_EQ((*res)[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  const std::string& body = res->body();
  for (const char* line : {"# TYPE yws_connections gauge\n", "yws_connections 1\n", "yws_rooms 1\n",
                           "yws_updates_broadcast_total 1\n",
                           "yws_sessions_closed_total{reason=\"overflow\"} 0\n",
                           "yws_sessions_closed_total{reason=\"client_closed\"} 0\n"}) {
    EXPECT_NE(body.find(line), std::string::npos) << line << "\nin:\n" << body;
  }
  // The client's step 2 (answering the server's step 1) and its update.
  EXPECT_NE(body.find("yws_updates_applied_total 2\n"), std::string::npos);
  EXPECT_NE(body.find("yws_bytes_received_total "), std::string::npos);
  EXPECT_NE(body.find("yws_messages_sent_total "), std::string::npos);
}

TEST(Http, OtherRequestsAreAnsweredWithoutARoom) {
  test_server ts;
  auto get = http_request_to(ts.port(), http::verb::get, "/some-room");
  ASSERT_TRUE(get.has_value());
  EXPECT_EQ(get->result(), http::status::upgrade_required);
  auto post = http_request_to(ts.port(), http::verb::post, "/healthz");
  ASSERT_TRUE(post.has_value());
  EXPECT_EQ(post->result(), http::status::method_not_allowed);
  EXPECT_TRUE(ts.srv.room_names().empty());
}

TEST(Http, MalformedRequestGets400) {
  test_server ts;
  boost::asio::io_context ioc;
  boost::beast::tcp_stream s(ioc);
  s.expires_after(5s);
  std::string reply;
  s.async_connect({boost::asio::ip::make_address("127.0.0.1"), ts.port()}, [&](boost::beast::error_code ec) {
    ASSERT_FALSE(ec);
    static const std::string garbage = "GARBAGE\x01 / HTTP/9\r\n\r\n";
    boost::asio::async_write(s, boost::asio::buffer(garbage), [&](boost::beast::error_code ec, std::size_t) {
      ASSERT_FALSE(ec);
      static char buf[512];
      s.async_read_some(boost::asio::buffer(buf), [&](boost::beast::error_code, std::size_t n) { reply.assign(buf, n); });
    });
  });
  ioc.run();
  EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << reply;
}

struct name_case {
  std::string target;
  int status;
};

class RoomNames : public ::testing::TestWithParam<name_case> {};

TEST_P(RoomNames, UpgradeIsAcceptedOnlyForValidNames) {
  auto opts = test_options();
  opts.max_room_name_bytes = 16;
  test_server ts(opts);
  ws_client c;
  EXPECT_EQ(c.connect(ts.port(), GetParam().target), GetParam().status) << GetParam().target;
}

INSTANTIATE_TEST_SUITE_P(Targets, RoomNames,
                         ::testing::Values(name_case{"/ok", 101}, name_case{"/a/b/c?x=%zz", 101},
                                           name_case{"/%E2%9C%93", 101}, name_case{"/0123456789abcdef", 101},
                                           name_case{"/0123456789abcdefg", 400}, name_case{"/", 400},
                                           name_case{"/?room=x", 400}, name_case{"/%00", 400},
                                           name_case{"/a%0Ab", 400}, name_case{"/%zz", 400},
                                           name_case{"/%C3%28", 400}, name_case{"/%C2%85", 400}));

}  // namespace
}  // namespace yws::net::test
