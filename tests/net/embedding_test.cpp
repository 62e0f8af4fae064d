// Embedding: a program with its own Beast listener (on its own io_context and thread) hands
// connections to a server that has no listener, either as an accepted WebSocket
// (serve_websocket) or as an upgrade request to handle (handle_upgrade).
#include "yws/net/server.hpp"

#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <gtest/gtest.h>

#include "net/sync_client.hpp"
#include "net/test_server.hpp"

namespace yws::net::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

// The embedder's own HTTP server: "/hello" it answers itself; upgrades under "/collab/" go to
// yws, by `mode`.
class embedder {
 public:
  enum class mode { serve_websocket, handle_upgrade };

  embedder(server& srv, mode m) : srv_(srv), mode_(m), acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}) {
    asio::co_spawn(ioc_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~embedder() {
    asio::post(ioc_, [this] { acceptor_.close(); });
    srv_.stop();  // ends the sessions it was handed, which live on our io_context
    ioc_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      // A socket on a strand of its own, of the type yws sessions run on.
      auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(ioc_), use_nothrow);
      if (ec) co_return;
      auto ex = socket.get_executor();
      asio::co_spawn(ex, serve(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> serve(websocket_socket socket) {
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    auto [ec, n] = co_await http::async_read(socket, buffer, req, use_nothrow);
    if (ec) co_return;
    if (!beast::websocket::is_upgrade(req) || !req.target().starts_with("/collab/")) {
      http::response<http::string_body> res{http::status::ok, req.version()};
      res.body() = "hello from the embedder\n";
      res.prepare_payload();
      co_await http::async_write(socket, res, use_nothrow);
      co_return;
    }
    if (mode_ == mode::handle_upgrade) {
      srv_.handle_upgrade(beast::tcp_stream(tcp::socket(std::move(socket))), std::move(req));
      co_return;
    }
    websocket_stream ws(std::move(socket));
    auto [aec] = co_await ws.async_accept(req, use_nothrow);
    if (aec) co_return;
    auto ok = srv_.serve_websocket(std::move(ws), req.target());
    if (!ok) co_await ws.async_close(beast::websocket::close_code::policy_error, use_nothrow);
  }

  server& srv_;
  mode mode_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

server_options embedded_options() {
  auto o = test_options();
  o.listen = false;
  o.threads = 1;
  return o;
}

void two_clients_converge_through(embedder& e) {
  sync_client a(1), b(2);
  ASSERT_TRUE(a.join(e.port(), "collab/doc"));
  ASSERT_TRUE(b.join(e.port(), "collab/doc"));
  a.doc.get_map("m").set("a", 1);
  b.doc.get_map("m").set("b", 2);
  ASSERT_TRUE(a.pump_until([&] { return a.doc.get_map("m").size() == 2; }));
  ASSERT_TRUE(b.pump_until([&] { return b.doc.get_map("m").size() == 2; }));
  EXPECT_EQ(a.doc.to_json(), b.doc.to_json());
}

TEST(Embedding, AcceptedWebsocketsAreServed) {
  server srv(embedded_options());
  ASSERT_TRUE(srv.start());
  EXPECT_EQ(srv.local_port(), 0);
  embedder e(srv, embedder::mode::serve_websocket);
  two_clients_converge_through(e);
  auto hello = http_request_to(e.port(), http::verb::get, "/hello");
  ASSERT_TRUE(hello.has_value());
  EXPECT_EQ(hello->body(), "hello from the embedder\n");
  EXPECT_EQ(srv.room_names(), std::vector<std::string>{"collab/doc"});
}

TEST(Embedding, UpgradeRequestsAreHandled) {
  server_hooks hooks;
  hooks.on_connect = [](const connect_request& req) {
    return req.room == "collab/private" ? connect_decision::reject(http::status::unauthorized)
                                        : connect_decision::accept();
  };
  server srv(embedded_options(), hooks);
  ASSERT_TRUE(srv.start());
  embedder e(srv, embedder::mode::handle_upgrade);
  two_clients_converge_through(e);
  ws_client denied;
  EXPECT_EQ(denied.connect(e.port(), "/collab/private"), 401);
}

TEST(Embedding, ServeWebsocketRejectsInvalidRoomsAndAStoppedServer) {
  server srv(embedded_options());
  asio::io_context ioc;
  websocket_stream ws(asio::make_strand(ioc));
  EXPECT_EQ(srv.serve_websocket(std::move(ws), "/room").error(), make_error_code(errc::rejected));
  ASSERT_TRUE(srv.start());
  websocket_stream ws2(asio::make_strand(ioc));
  EXPECT_EQ(srv.serve_websocket(std::move(ws2), "/").error(), make_error_code(errc::invalid_argument));
}

}  // namespace
}  // namespace yws::net::test
