#include "yws/net/server.hpp"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "net/http_session.hpp"
#include "net/listener.hpp"
#include "net/log_fields.hpp"
#include "net/room.hpp"
#include "net/room_name.hpp"
#include "net/server_core.hpp"
#include "net/ws_session.hpp"

namespace yws::net {

namespace asio = boost::asio;

namespace detail {

namespace {

unsigned thread_count(const server_options& o) {
  return o.threads != 0 ? o.threads : std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

server_core::server_core(server_options options, server_hooks h)
    : ioc(static_cast<int>(thread_count(options))),
      opts(std::move(options)),
      hooks(std::move(h)),
      logger(opts.logger ? opts.logger : spdlog::default_logger()),
      rooms(*this),
      store(opts.storage.store ? std::make_unique<store_pool>(opts.storage, *logger) : nullptr) {}

// Counts down from any thread; waited for with a deadline (std::latch has no timed wait).
class countdown {
 public:
  explicit countdown(std::size_t n) : left_(n) {}
  void done() {
    std::lock_guard lock(mu_);
    if (left_ > 0 && --left_ == 0) zero_.notify_all();
  }
  bool wait_until(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mu_);
    return zero_.wait_until(lock, deadline, [&] { return left_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable zero_;
  std::size_t left_;
};

}  // namespace detail

struct server::state {
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::unique_ptr<detail::listener> listener;
  std::vector<std::thread> threads;
  std::shared_ptr<detail::countdown> threads_running;
  std::uint16_t port = 0;
  bool started = false;
  bool stopped = false;
};

server::server(server_options opts, server_hooks hooks)
    : core_(std::make_unique<detail::server_core>(std::move(opts), std::move(hooks))),
      state_(std::make_unique<state>()) {}

server::~server() { stop(); }

result<void> server::start() {
  auto& st = *state_;
  auto& core = *core_;
  if (st.started) return errc::invalid_argument;
  YWS_TRY_VOID(validate(core.opts));
  if (core.opts.listen) {
    st.listener = std::make_unique<detail::listener>(core);
    auto port = st.listener->open(core.opts.host, core.opts.port);
    if (!port) {
      core.log().error("msg=\"cannot listen\" host={} port={} error={}", detail::quoted(core.opts.host),
                       core.opts.port, detail::quoted(port.error().message()));
      st.listener.reset();
      return port.error();
    }
    st.port = *port;
  }
  st.started = true;
  st.work.emplace(core.ioc.get_executor());
  core.sessions.start(core.ioc, detail::session_registry::tick_for(
      std::min({core.opts.ping_interval, core.opts.idle_timeout, core.opts.close_timeout})));
  core.accepting = true;
  if (st.listener) st.listener->start();
  const unsigned n = detail::thread_count(core.opts);
  st.threads_running = std::make_shared<detail::countdown>(n);
  for (unsigned i = 0; i < n; ++i) {
    st.threads.emplace_back([&core, running = st.threads_running] {
      for (;;) {
        try {
          core.ioc.run();
          break;
        } catch (const std::exception& e) {
          core.log().error("msg=\"uncaught exception in an I/O thread\" error={}", detail::quoted(e.what()));
        } catch (...) {
          core.log().error("msg=\"uncaught exception in an I/O thread\"");
        }
      }
      running->done();
    });
  }
  if (st.listener) {
    core.log().info("msg=\"listening\" host={} port={} threads={}", core.opts.host, st.port, n);
  } else {
    core.log().info("msg=\"started without a listener\" threads={}", n);
  }
  return {};
}

void server::stop() {
  auto& st = *state_;
  auto& core = *core_;
  if (!st.started || st.stopped) return;
  st.stopped = true;
  using clock = std::chrono::steady_clock;
  core.accepting = false;
  if (st.listener) st.listener->close();

  // 1. Every connection closes gracefully: queued messages, then close 1001.
  // A connection being upgraded joins the sessions before it leaves the HTTP connections, so
  // waiting for the HTTP connections first leaves no session out.
  core.connections.close_all(false);
  core.sessions.close_all(false);
  const auto graceful = clock::now() + core.opts.shutdown_timeout;
  if (!core.connections.wait_empty(graceful) || !core.sessions.wait_empty(graceful)) {
    core.log().warn("msg=\"shutdown: closing connections that did not finish\" count={}",
                    core.connections.size() + core.sessions.size());
    core.connections.close_all(true);
    core.sessions.close_all(true);
    const auto hard = clock::now() + core.opts.close_timeout;
    (void)(core.connections.wait_empty(hard) && core.sessions.wait_empty(hard));
  }
  // 2. Every room unloads (on_room_unload: the stores' last flush).
  auto rooms = core.rooms.close();
  auto unloaded = std::make_shared<detail::countdown>(rooms.size());
  for (auto& r : rooms) {
    asio::post(r->strand(), [r, unloaded] {
      r->stop(close_reason::server_shutdown);
      unloaded->done();
    });
  }
  if (!unloaded->wait_until(clock::now() + core.opts.shutdown_timeout)) {
    core.log().warn("msg=\"shutdown: rooms did not unload in time\"");
  }
  // 3. The store: every captured update is appended, then everything is flushed. The I/O threads
  // still run, so the rooms' completions find their strands.
  if (core.store) (void)core.store->drain_and_join(clock::now() + core.opts.shutdown_timeout);
  // 4. The threads end when the io_context runs out of work; stop() it if something lingers.
  // A session that an embedder handed over after the waits above is not watched any more: close
  // its socket now (sessions added from here on are told to do so themselves).
  core.sessions.close_all(true);
  core.sessions.stop();
  st.work.reset();
  if (!st.threads_running->wait_until(clock::now() + core.opts.close_timeout)) {
    core.log().warn("msg=\"shutdown: stopping the io_context with work left\"");
    core.ioc.stop();
  }
  for (auto& t : st.threads) t.join();
  st.threads.clear();
  core.log().info("msg=\"stopped\"");
  core.log().flush();
}

bool server::running() const noexcept { return state_->started && !state_->stopped; }

std::uint16_t server::local_port() const noexcept { return state_->port; }

asio::io_context& server::io_context() noexcept { return core_->ioc; }

result<void> server::serve_websocket(websocket_stream&& ws, std::string_view target) {
  auto& core = *core_;
  if (!core.accepting.load()) return errc::rejected;
  YWS_TRY(name, detail::room_name_from_target(target, core.opts.max_room_name_bytes));
  peer_info peer{core.next_session_id(), detail::remote_of(boost::beast::get_lowest_layer(ws))};
  detail::ws_session::launch(core, std::move(ws), std::move(name), std::move(peer));
  return {};
}

void server::handle_upgrade(boost::beast::tcp_stream stream, http_request request) {
  auto& core = *core_;
  peer_info peer{core.next_session_id(), detail::remote_of(stream.socket())};
  auto socket = detail::to_session_socket(core, stream.release_socket());
  if (!socket) {
    core.log().warn("msg=\"upgrade failed\" peer={} error={}", peer.remote, detail::quoted(socket.error().message()));
    return;
  }
  detail::http_stream session_stream(std::move(*socket));
  auto ex = session_stream.get_executor();
  asio::co_spawn(ex,
                 detail::upgrade_to_websocket(core, std::move(session_stream), std::move(request), std::move(peer)),
                 detail::log_if_failed(core.log(), "upgrade failed"));
}

result<void> server::post_to_room(std::string_view room, std::function<void(room_access&)> fn) {
  auto& core = *core_;
  YWS_TRY_VOID(detail::check_room_name(room, core.opts.max_room_name_bytes));
  if (!core.accepting.load()) return errc::rejected;
  auto r = core.rooms.acquire(room);
  if (!r) return errc::rejected;
  asio::post(r->strand(), [&core, r, fn = std::move(fn)]() mutable {
    // The room stays in use until fn ran (it may wait for the room's load).
    r->run(std::move(fn), [&core, r] { core.rooms.release(r); });
  });
  return {};
}

std::optional<room_handle> server::find_room(std::string_view room) const {
  auto r = core_->rooms.find(room);
  if (!r) return std::nullopt;
  return room_handle(std::move(r));
}

std::vector<std::string> server::room_names() const { return core_->rooms.names(); }

result<void> server::rename_room(std::string_view from, std::string_view to) { return core_->rooms.rename(from, to); }

result<void> server::delete_room(std::string_view room) { return core_->rooms.remove(room); }

metrics_snapshot server::metrics() const { return core_->metrics.snapshot(); }

}  // namespace yws::net
