// A room: one doc, its awareness and the sessions editing it, confined to one strand.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "net/outbound_queue.hpp"
#include "net/room_store.hpp"
#include "yws/crdt/doc.hpp"
#include "yws/net/hooks.hpp"
#include "yws/protocol/awareness.hpp"
#include "yws/protocol/message.hpp"

namespace yws::net::detail {

class server_core;
class ws_session;

// What the room wants the session to do after a frame.
struct frame_outcome {
  std::optional<close_reason> close;  // close the session for this reason
};

// The server side of pycrdt-websocket's YRoom.
//
// On join a session gets sync step 1 and every awareness state. The room answers its sync step 1
// with step 2 and, in the same strand task, subscribes it to document broadcasts: every update
// captured before is in the step 2, every one after is broadcast to it, none is sent before the
// step 2 (the handshake race of pycrdt-websocket #138 cannot happen). Each captured update is
// encoded once and the same buffer is queued to every subscribed session, the sender included
// (y-websocket 4 clients confirm their updates by the echo). Awareness changes are re-encoded once
// and sent to every session (not to a client's own goodbye); when a session leaves, the awareness
// clients it spoke for are removed and that removal is broadcast.
//
// With a store (server_options::storage) the setup is asynchronous: the doc is loaded on the store
// pool while sessions that join wait (nothing is sent to them, their frames and posted functions
// are held); a failed load closes them with 1011 and drops the room, never serving it empty. Each
// captured update is handed to the room's store channel and broadcast only once its batch was
// appended, so a client's echo means "stored"; an append that fails closes the room (1011).
//
// Thread safety: every member not marked otherwise must be called on strand(); the store_sink
// calls come from the store pool (they post to the strand).
// Lifetime: shared; held by the registry while registered, by its sessions, by pending strand
// tasks, by pending store work and by room_handles. stop() ends its service; the object lives on
// until released.
class room : public std::enable_shared_from_this<room>, public store_sink {
 public:
  using strand_type = boost::asio::strand<boost::asio::io_context::executor_type>;

  room(server_core& core, std::string name);
  ~room();
  room(const room&) = delete;
  room& operator=(const room&) = delete;

  // Any thread.
  const strand_type& strand() const noexcept { return strand_; }
  // Any thread: true once stop() began (handles then drop their work).
  bool unloaded() const noexcept { return unloaded_.load(std::memory_order_acquire); }

  void join(const std::shared_ptr<ws_session>& s);
  void leave(const ws_session& s);
  frame_outcome on_frame(ws_session& s, std::span<const std::uint8_t> frame);
  // Sets the room up if needed and runs fn with access to it (posted work, hooks of embedders);
  // while the room loads, fn waits. `after` runs once fn ran, or once it was dropped because the
  // room stopped or failed.
  void run(std::function<void(room_access&)> fn, std::function<void()> after = {});
  void start_grace();
  // Ends the room's service: stops the provider, runs on_room_unload, closes its sessions with
  // `why`. Idempotent.
  void stop(close_reason why);
  void set_name(std::string name) { name_ = std::move(name); }

  // The backend of room_access (requires: set up).
  const std::string& name() const noexcept { return name_; }
  crdt::doc& doc() noexcept { return *doc_; }
  protocol::awareness& awareness() noexcept { return *awareness_; }
  std::size_t session_count() const noexcept { return members_.size(); }
  bool ready() const noexcept { return ready_; }
  void set_ready();

  // store_sink (any thread).
  void on_loaded(std::unique_ptr<crdt::doc> doc, std::error_code ec) override;
  void on_appended(std::vector<pending_update> batch, std::error_code ec) override;

  // Guarded by the registry's mutex (the registry's bookkeeping, kept here so it follows renames).
  std::size_t users = 0;
  std::string registered_name;
  bool registered = true;

 private:
  struct member {
    std::shared_ptr<ws_session> session;
    bool synced = false;  // its sync step 1 was answered: it gets document broadcasts
    std::uint64_t sync_seq = 0;  // captured updates up to this one were in its step 2
    protocol::controlled_clients controlled;
  };
  // A sync message that arrived while the room was not ready, re-encoded on its own.
  struct deferred_message {
    std::weak_ptr<ws_session> from;
    std::vector<std::uint8_t> bytes;
  };

  struct queued_run {
    std::function<void(room_access&)> fn;
    std::function<void()> after;
  };

  // Starts the setup if it has not started; true once the room is set up (false while it loads,
  // or when it failed).
  bool set_up();
  void finish_setup(std::unique_ptr<crdt::doc> doc);
  void loaded(std::unique_ptr<crdt::doc> doc, std::error_code ec);
  void appended(std::vector<pending_update> batch, std::error_code ec);
  void greet(ws_session& s);
  // Messages and functions held while loading, handled in arrival order once loaded.
  void replay_held();
  // Closes the room because its store failed it (1011); the next connection makes a new room.
  void fail_room(std::string_view what, std::error_code ec);
  void broadcast(const shared_message& msg, std::uint64_t seq);
  member* find(const ws_session& s);
  frame_outcome handle_frame(ws_session& s, std::span<const std::uint8_t> frame);
  std::error_code handle_message(member& m, const protocol::message& msg);
  std::error_code handle_sync(member* m, const protocol::message& msg);
  // The sync step 2 frame for a peer at `state_vector` (shared while the doc does not change
  // when the peer has nothing). Errors: the state vector's decoding error.
  result<shared_message> step2_for(std::span<const std::uint8_t> state_vector);
  frame_outcome message_failed(ws_session& s, std::error_code ec, std::span<const std::uint8_t> frame);
  void on_doc_update(std::span<const std::uint8_t> update);
  void on_awareness_update(const protocol::awareness_changes& changes, protocol::origin o);
  void schedule_tick();
  // Runs f; an exception goes to the exception handler (which may stop the room).
  template <class F>
  void guarded(F&& f) noexcept;
  void handle_exception(std::exception_ptr e) noexcept;
  // For exceptions caught inside doc/awareness event handlers: handled later, outside the event.
  void defer_exception(std::exception_ptr e) noexcept;

  server_core& core_;
  strand_type strand_;
  std::string name_;
  std::atomic<bool> unloaded_{false};
  bool stopped_ = false;
  enum class setup_state { none, loading, ok, failed } setup_ = setup_state::none;
  bool ready_;

  std::unique_ptr<crdt::doc> doc_;
  std::unique_ptr<protocol::awareness> awareness_;
  std::unique_ptr<upstream_provider> provider_;
  std::vector<member> members_;
  std::deque<deferred_message> deferred_;
  std::size_t deferred_bytes_ = 0;  // in deferred_ (sync messages while not ready)
  std::size_t held_bytes_ = 0;      // in held_ (frames while loading); both count against max_deferred_bytes
  std::deque<deferred_message> held_;  // whole frames received while loading
  std::vector<queued_run> queued_runs_;
  std::shared_ptr<store_channel> channel_;  // null without a store
  std::uint64_t captured_seq_ = 0;
  // The sync step 2 for an empty state vector at doc revision full_step2_revision_ (see
  // step2_for); empty until a client with nothing joins.
  shared_message full_step2_;
  std::uint64_t full_step2_revision_ = 0;
  boost::asio::steady_timer tick_timer_;
  boost::asio::steady_timer grace_timer_;
  std::uint64_t grace_generation_ = 0;
  // Declared last: destroyed first, while the doc and awareness they observe still exist.
  crdt::subscription doc_sub_;
  crdt::subscription awareness_sub_;
};

}  // namespace yws::net::detail
