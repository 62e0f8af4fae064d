// yws/net/provider_blocking.hpp: a provider with its own I/O thread and a blocking API, for
// scripts, command-line tools and tests.
//
//   yws::net::blocking_provider p("ws://127.0.0.1:1234/notes");
//   if (!p.start() || !p.wait_synced(5s)) return fail();
//   p.transact([](yws::crdt::doc& d) { d.get_text("t").insert(0, "hi"); });
//   p.flush(5s);                        // the server has it
//   std::puts(yws::encoding::to_json(p.to_json()).c_str());
//   p.close(2s);
//
// Thread safety: every member may be called from any thread, also from the provider's own (inside
// call() or an observer they run inline), except that close() must not race the other calls.
// Observers run on the provider's thread; the wait_* members must not be called from it.
// Lifetime: owns its doc, provider, io_context and thread; the destructor closes the provider
// (bounded by close_timeout) and joins the thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include "yws/crdt/doc.hpp"
#include "yws/encoding/any.hpp"
#include "yws/error.hpp"
#include "yws/net/provider.hpp"

namespace yws::net {

class blocking_provider {
 public:
  explicit blocking_provider(std::string url, provider_options opts = {}, crdt::doc::options doc_opts = {});
  ~blocking_provider();
  blocking_provider(const blocking_provider&) = delete;
  blocking_provider& operator=(const blocking_provider&) = delete;

  // See provider::start.
  [[nodiscard]] result<void> start();
  // Until the provider is synced (now, or after the next handshake); false on timeout or close.
  bool wait_synced(std::chrono::milliseconds timeout);
  // Until the server confirmed everything sent so far (see provider::flush), retrying after a
  // reconnection; false on timeout.
  bool flush(std::chrono::milliseconds timeout);
  // Until pred(doc) holds; it is checked now and after each change of the doc, the awareness or
  // the connection. False on timeout.
  bool wait_for(const std::function<bool(crdt::doc&)>& pred, std::chrono::milliseconds timeout);
  // Same, for the awareness.
  bool wait_for_awareness(const std::function<bool(const protocol::awareness&)>& pred,
                          std::chrono::milliseconds timeout);

  // Runs fn(doc) in one transaction on the provider's thread and waits for it.
  void transact(const std::function<void(crdt::doc&)>& fn);
  // Runs fn(provider, doc) on the provider's thread and returns its result (rethrows its
  // exception).
  template <class Fn>
  auto call(Fn&& fn) -> std::invoke_result_t<Fn&, provider&, crdt::doc&> {
    using R = std::invoke_result_t<Fn&, provider&, crdt::doc&>;
    if constexpr (std::is_void_v<R>) {
      run_on_thread([&] { fn(*provider_, doc_); });
    } else {
      std::optional<R> out;
      run_on_thread([&] { out.emplace(fn(*provider_, doc_)); });
      return std::move(*out);
    }
  }

  encoding::any to_json();
  // Our awareness state (nullopt removes it).
  void set_awareness(std::optional<encoding::any> state);
  // Every awareness state we know, ours included: (client id, state).
  std::vector<std::pair<std::uint64_t, encoding::any>> awareness_states();

  // Observers, on the provider's thread: after each doc update (with its origin) and each
  // awareness change. Set them before start().
  void set_on_update(std::function<void(crdt::doc&, crdt::origin)> fn) { on_update_ = std::move(fn); }
  void set_on_awareness_change(std::function<void(const protocol::awareness&)> fn) {
    on_awareness_change_ = std::move(fn);
  }

  provider_status status() const noexcept { return status_.load(); }
  bool synced() const noexcept { return synced_.load(); }
  std::uint64_t client_id() const noexcept { return doc_.client_id(); }

  // Clean close (see provider::close) within `timeout`, then stops the thread; afterwards
  // transact() and call() run on the caller's thread. True when the goodbye completed in time.
  bool close(std::chrono::milliseconds timeout);

 private:
  void run_on_thread(const std::function<void()>& fn);
  void changed();

  boost::asio::io_context ioc_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  crdt::doc doc_;
  std::unique_ptr<provider> provider_;
  std::chrono::milliseconds close_timeout_;
  std::function<void(crdt::doc&, crdt::origin)> on_update_;
  std::function<void(const protocol::awareness&)> on_awareness_change_;
  crdt::subscription doc_sub_;
  crdt::subscription awareness_sub_;

  std::mutex mutex_;
  std::condition_variable cv_;
  std::uint64_t generation_ = 0;  // guarded by mutex_: bumped on every change
  std::atomic<bool> synced_{false};
  std::atomic<provider_status> status_{provider_status::disconnected};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::atomic<bool> thread_running_{false};
  std::thread::id thread_id_;
  std::thread thread_;
  bool closed_ = false;
};

}  // namespace yws::net
