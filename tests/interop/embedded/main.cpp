// yws-embedded-peer: a program that embeds the yws sync server through the net embedding API
// (its own Beast listener hands upgrades to server::handle_upgrade; C++ code reaches rooms with
// server::post_to_room) and edits rooms' documents from C++, for the Node interop tests
// (tests/interop/server-*.test.mjs, helper lib/embedded.mjs).
//
// Once listening it prints {"listening":PORT} on stdout. Then it reads one JSON request per line
// on stdin and answers each with one line {"id":..,"ok":true,...} or {"id":..,"error":".."};
// answers may come out of order (each is written by its room's executor), hence the ids.
//
//   {"id":1,"cmd":"json","room":"r","roots":{"a":"array"}} -> {"id":1,"ok":true,"json":{doc.to_json()}}
//   {"id":2,"cmd":"pingpong","room":"r","map":"map"}       -> starts answering map.in = x with
//        map.out = x + 1 from C++ (pycrdt-websocket's test_pycrdt_yjs_0, sides swapped)
//   {"id":3,"cmd":"set","room":"r","map":"m","key":"k","value":<json>}
//   {"id":4,"cmd":"stop"}                                  -> stops the server, answers, exits 0
//
// Rooms are never unloaded (room_grace = never) so that document observers stay valid until
// "stop" removes them. stdin closing also stops the program.
#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "yws/crdt/doc.hpp"
#include "yws/encoding/json.hpp"
#include "yws/net/server.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using yws::encoding::any;
using yws::encoding::any_object;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

// Answers are written from the main thread and from room executors.
std::mutex out_mutex;

void answer(const any& id, any_object fields) {
  any_object obj;
  obj.emplace_back("id", id);
  for (auto& f : fields) obj.push_back(std::move(f));
  const std::string line = yws::encoding::to_json(any(std::move(obj)));
  std::lock_guard lock(out_mutex);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

void answer_error(const any& id, const std::string& message) { answer(id, {{"error", any(message)}}); }

std::string string_field(const any& request, std::string_view key) {
  const any* v = request.find(key);
  return v && v->is_string() ? v->as_string() : std::string();
}

// A number stored in a map entry, if that is what the entry holds.
std::optional<double> number_at(const yws::crdt::map& m, std::string_view key) {
  auto v = m.get(key);
  if (!v) return std::nullopt;
  const auto* a = std::get_if<any>(&*v);
  if (!a || !a->is_number()) return std::nullopt;
  return a->as_number();
}

// The C++ side of the ping-pong: after every update of the room's doc, sets map.out = map.in + 1
// unless it already holds that. The edit is posted, not made inside the update handler, so it
// runs in its own transaction after the one that delivered `in`.
class ping_pong {
 public:
  ping_pong(yws::net::room_access& room, std::string map_name) : map_name_(std::move(map_name)) {
    auto handle = room.handle();
    subscription_ = room.doc().on_update([this, handle](std::span<const std::uint8_t>, yws::crdt::origin) {
      (void)handle.post([this](yws::net::room_access& r) { answer_in(r); });
    });
    answer_in(room);
  }

  // On the room's executor, before the doc goes away.
  void detach() { subscription_.reset(); }

 private:
  void answer_in(yws::net::room_access& room) {
    auto m = room.doc().get_map(map_name_);
    const auto in = number_at(m, "in");
    if (!in) return;
    const auto out = number_at(m, "out");
    if (out && *out == *in + 1) return;
    m.set("out", any(*in + 1));
  }

  std::string map_name_;
  yws::crdt::subscription subscription_;
};

asio::awaitable<void> serve_connection(yws::net::server& server, beast::tcp_stream stream) {
  beast::flat_buffer buffer;
  yws::net::http_request req;
  auto [ec, n] = co_await http::async_read(stream, buffer, req, use_nothrow);
  if (ec || !beast::websocket::is_upgrade(req)) co_return;
  server.handle_upgrade(std::move(stream), std::move(req));
}

asio::awaitable<void> accept_loop(yws::net::server& server, tcp::acceptor& acceptor) {
  for (;;) {
    auto [ec, socket] =
        co_await acceptor.async_accept(asio::any_io_executor(asio::make_strand(server.io_context())), use_nothrow);
    if (ec) co_return;
    auto ex = socket.get_executor();
    asio::co_spawn(ex, serve_connection(server, beast::tcp_stream(std::move(socket))), asio::detached);
  }
}

class peer {
 public:
  explicit peer(yws::net::server& server) : server_(server) {}

  // Returns false once the program should end.
  bool handle(const std::string& line) {
    auto parsed = yws::encoding::parse_json(line);
    if (!parsed || !parsed->is_object()) {
      answer_error(any(nullptr), "request is not a JSON object");
      return true;
    }
    const any& request = *parsed;
    const any id = request.find("id") ? *request.find("id") : any(nullptr);
    const std::string cmd = string_field(request, "cmd");
    const std::string room = string_field(request, "room");
    if (cmd == "stop") {
      stop_id_ = id;
      return false;
    }
    std::function<void(yws::net::room_access&)> fn;
    if (cmd == "json") {
      // Roots that only remote updates created have no type yet and are left out of to_json();
      // "roots" ({name: "text"|"array"|"map"|"xml_fragment"}) opens them first, as Yjs' get* does.
      const any roots = request.find("roots") ? *request.find("roots") : any(any_object{});
      fn = [id, roots](yws::net::room_access& r) {
        if (roots.is_object()) {
          for (const auto& [name, kind] : roots.as_object()) {
            const std::string k = kind.is_string() ? kind.as_string() : std::string();
            if (k == "text") (void)r.doc().get_text(name);
            if (k == "array") (void)r.doc().get_array(name);
            if (k == "map") (void)r.doc().get_map(name);
            if (k == "xml_fragment") (void)r.doc().get_xml_fragment(name);
          }
        }
        answer(id, {{"ok", any(true)}, {"json", r.doc().to_json()}});
      };
    } else if (cmd == "pingpong") {
      const std::string map_name = string_field(request, "map");
      fn = [this, id, room, map_name](yws::net::room_access& r) {
        {
          std::lock_guard lock(mutex_);
          auto& slot = ping_pongs_[room];
          if (slot) slot->detach();
          slot = std::make_shared<ping_pong>(r, map_name);
        }
        answer(id, {{"ok", any(true)}});
      };
    } else if (cmd == "set") {
      const std::string map_name = string_field(request, "map");
      const std::string key = string_field(request, "key");
      const any value = request.find("value") ? *request.find("value") : any(nullptr);
      fn = [id, map_name, key, value](yws::net::room_access& r) {
        r.doc().get_map(map_name).set(key, value);
        answer(id, {{"ok", any(true)}});
      };
    } else {
      answer_error(id, "unknown cmd '" + cmd + "'");
      return true;
    }
    if (auto ok = server_.post_to_room(room, std::move(fn)); !ok) answer_error(id, ok.error().message());
    return true;
  }

  // The id of the "stop" request, answered once the server has stopped.
  const any& stop_id() const { return stop_id_; }

  // Removes the doc observers on their rooms' executors and waits for that.
  void detach_all() {
    std::map<std::string, std::shared_ptr<ping_pong>> all;
    {
      std::lock_guard lock(mutex_);
      all.swap(ping_pongs_);
    }
    for (auto& [room, pp] : all) {
      // A room that failed runs no function any more (its doc is gone with it): bounded wait.
      auto done = std::make_shared<std::promise<void>>();
      auto finished = done->get_future();
      auto ok = server_.post_to_room(room, [done, pp = pp](yws::net::room_access&) {
        pp->detach();
        done->set_value();
      });
      if (ok) (void)finished.wait_for(std::chrono::seconds(5));
    }
  }

 private:
  yws::net::server& server_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<ping_pong>> ping_pongs_;
  any stop_id_;
};

}  // namespace

int main() {
  yws::net::server_options opts;
  opts.listen = false;  // this program owns the port and hands upgrades over
  opts.threads = 2;
  opts.room_grace = std::nullopt;
  yws::net::server server(opts);
  if (auto ok = server.start(); !ok) {
    std::fprintf(stderr, "yws-embedded-peer: cannot start: %s\n", ok.error().message().c_str());
    return 1;
  }
  tcp::acceptor acceptor(asio::make_strand(server.io_context()), {asio::ip::make_address("127.0.0.1"), 0});
  {
    std::lock_guard lock(out_mutex);
    std::printf("{\"listening\":%u}\n", static_cast<unsigned>(acceptor.local_endpoint().port()));
    std::fflush(stdout);
  }
  asio::co_spawn(acceptor.get_executor(), accept_loop(server, acceptor), asio::detached);

  peer p(server);
  std::string line;
  bool running = true;
  while (running && std::getline(std::cin, line)) {
    if (!line.empty()) running = p.handle(line);
  }
  // The acceptor lives on the server's io_context: close it while the server's threads run.
  std::promise<void> closed;
  asio::post(acceptor.get_executor(), [&] {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    closed.set_value();
  });
  closed.get_future().wait();
  p.detach_all();
  server.stop();
  if (!running) answer(p.stop_id(), {{"ok", any(true)}});
  return 0;
}
