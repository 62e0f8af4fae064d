// embed_server: a program with its own Beast HTTP listener that embeds the yws sync server
// (the counterpart of mounting pycrdt-websocket's ASGIServer in a web app).
//
//   embed_server [port]                 (default 8080; 0 = any free port)
//
// GET /                      answered by this program ("hello")
// ws://host:port/collab/<r>  handed to yws: room "collab/<r>", y-websocket protocol
// The program also edits a room from C++: every upgrade it hands over increments
// map "stats".key "connections" of that room's doc, which every client sees.
//
// yws runs without its own listener (listen = false); this program owns the port and decides
// which requests become rooms. Two hand-over styles exist: handle_upgrade() (yws checks the room
// name, runs on_connect and answers the handshake) and serve_websocket() (the program completes
// the handshake itself). This example uses the first for /collab/ and shows the second in a
// comment. Stop it with Ctrl-C.
#include <csignal>
#include <cstdio>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "yws/crdt/doc.hpp"
#include "yws/net/server.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> serve_connection(yws::net::server& yws_server, beast::tcp_stream stream) {
  beast::flat_buffer buffer;
  http::request<http::string_body> req;
  auto [ec, n] = co_await http::async_read(stream, buffer, req, use_nothrow);
  if (ec) co_return;

  if (beast::websocket::is_upgrade(req) && req.target().starts_with("/collab/")) {
    const std::string room = std::string(req.target().substr(1, req.target().find('?') - 1));
    // Edits from C++ go through the room's executor and are broadcast like any client's.
    auto ok = yws_server.post_to_room(room, [](yws::net::room_access& r) {
      auto stats = r.doc().get_map("stats");
      double count = 0;
      if (auto v = stats.get("connections"); v && std::holds_alternative<yws::encoding::any>(*v)) {
        const auto& a = std::get<yws::encoding::any>(*v);
        if (a.is_number()) count = a.as_number();
      }
      stats.set("connections", count + 1);
    });
    (void)ok;  // an invalid name is answered by handle_upgrade with 400 anyway
    yws_server.handle_upgrade(std::move(stream), std::move(req));
    // The other style: complete the handshake here, then hand the open WebSocket over. Its socket
    // is a yws::net::websocket_socket (accepted with async_accept(asio::make_strand(ioc))):
    //   yws::net::websocket_stream ws(std::move(socket));
    //   if (auto [e] = co_await ws.async_accept(req, use_nothrow); !e)
    //     if (!yws_server.serve_websocket(std::move(ws), req.target())) co_await ws.async_close(...);
    co_return;
  }

  http::response<http::string_body> res{http::status::ok, req.version()};
  res.set(http::field::content_type, "text/plain");
  res.body() = "hello from embed_server; y-websocket clients connect to ws://<host>/collab/<room>\n";
  res.prepare_payload();
  co_await http::async_write(stream, res, use_nothrow);
}

asio::awaitable<void> listen(yws::net::server& yws_server, tcp::acceptor& acceptor) {
  for (;;) {
    // Each connection on its own strand, as Beast (and yws) require for multi-threaded contexts.
    auto [ec, socket] = co_await acceptor.async_accept(
        asio::any_io_executor(asio::make_strand(yws_server.io_context())), use_nothrow);
    if (ec) co_return;
    auto ex = socket.get_executor();
    asio::co_spawn(ex, serve_connection(yws_server, beast::tcp_stream(std::move(socket))), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const auto port = static_cast<unsigned short>(argc > 1 ? std::stoi(argv[1]) : 8080);

  yws::net::server_options opts;
  opts.listen = false;  // this program owns the port
  opts.threads = 2;
  yws::net::server yws_server(opts);
  if (auto ok = yws_server.start(); !ok) {
    std::fprintf(stderr, "embed_server: cannot start yws: %s\n", ok.error().message().c_str());
    return 1;
  }

  // The program's own listener runs on the server's io_context (its threads are already running).
  tcp::acceptor acceptor(asio::make_strand(yws_server.io_context()), {asio::ip::make_address("127.0.0.1"), port});
  std::printf("embed_server: listening on 127.0.0.1:%u\n", static_cast<unsigned>(acceptor.local_endpoint().port()));
  std::fflush(stdout);
  asio::co_spawn(acceptor.get_executor(), listen(yws_server, acceptor), asio::detached);

  asio::io_context main_context;
  asio::signal_set signals(main_context, SIGINT, SIGTERM);
  signals.async_wait([](const boost::system::error_code&, int) {});
  main_context.run();

  asio::post(acceptor.get_executor(), [&] { acceptor.close(); });
  yws_server.stop();  // closes the handed-over sessions with 1001
  return 0;
}
