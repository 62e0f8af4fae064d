#include "net/room.hpp"

#include <algorithm>
#include <cassert>
#include <utility>

#include <boost/asio/post.hpp>
#include <spdlog/logger.h>

#include "net/log_fields.hpp"
#include "net/server_core.hpp"
#include "net/ws_session.hpp"
#include "yws/protocol/sync.hpp"

namespace yws::net::detail {

namespace asio = boost::asio;

namespace {

bool is_sync(const protocol::message& m) noexcept { return protocol::type_of(m) == protocol::message_type::sync; }

// The documented close for a message the room cannot use.
close_reason reason_for(std::error_code ec) noexcept {
  if (ec == errc::unknown_message_type || ec == errc::unsupported_feature || ec == errc::unknown_content_ref)
    return close_reason::unsupported_data;
  if (ec == errc::message_too_large) return close_reason::message_too_big;
  return close_reason::protocol_error;
}

}  // namespace

room::room(server_core& core, std::string name)
    : core_(core),
      strand_(asio::make_strand(core.ioc)),
      name_(std::move(name)),
      ready_(core.opts.rooms_ready),
      tick_timer_(strand_),
      grace_timer_(strand_) {
  registered_name = name_;
  metrics_counters::add(core_.metrics.rooms);
}

room::~room() = default;

template <class F>
void room::guarded(F&& f) noexcept {
  try {
    f();
  } catch (...) {
    handle_exception(std::current_exception());
  }
}

void room::handle_exception(std::exception_ptr e) noexcept {
  bool handled = true;
  try {
    if (core_.hooks.exception_handler) {
      handled = core_.hooks.exception_handler(e, name_);
    } else {
      core_.log().error("msg=\"room exception\" room={} error={}", quoted(name_), quoted(what_of(e)));
    }
  } catch (...) {
    handled = false;
  }
  if (handled || stopped_) return;
  core_.log().error("msg=\"closing room after an exception\" room={} error={}", quoted(name_), quoted(what_of(e)));
  try {
    core_.rooms.fail(shared_from_this());
  } catch (...) {
  }
  stop(close_reason::room_error);
}

void room::defer_exception(std::exception_ptr e) noexcept {
  try {
    asio::post(strand_, [self = shared_from_this(), e] { self->handle_exception(e); });
  } catch (...) {
  }
}

bool room::set_up() {
  if (setup_ == setup_state::ok) return true;
  if (setup_ != setup_state::none || stopped_) return false;
  std::unique_ptr<crdt::doc> doc;
  if (core_.hooks.room_factory) {
    auto made = core_.hooks.room_factory(name_);
    if (!made || !*made) {
      const std::string why = made ? "room factory returned no doc" : made.error().message();
      core_.log().error("msg=\"room setup failed\" room={} error={}", quoted(name_), quoted(why));
      setup_ = setup_state::failed;
      core_.rooms.fail(shared_from_this());
      stop(close_reason::room_error);
      return false;
    }
    doc = std::move(*made);
  } else {
    doc = std::make_unique<crdt::doc>();
  }
  if (core_.store) {
    // The stored updates are applied on the pool to the doc the factory made; the doc is not
    // shared until it comes back, so no lock is needed.
    setup_ = setup_state::loading;
    channel_ = core_.store->channel(name_);
    channel_->load(shared_from_this(), std::move(doc));
    return false;
  }
  finish_setup(std::move(doc));
  return setup_ == setup_state::ok;
}

void room::finish_setup(std::unique_ptr<crdt::doc> doc) {
  auto aw = std::make_unique<protocol::awareness>(
      doc->client_id(), server_core::now(), protocol::awareness::options{.outdated_timeout = core_.opts.awareness_timeout});
  // y-protocols peers ignore a new client's entry at clock 0 (the constructor's {}): set it once
  // more (clock 1) so that clients see the server at once, not at its first renewal.
  aw->set_local_state(encoding::any(encoding::any_object{}), server_core::now());
  doc_ = std::move(doc);
  awareness_ = std::move(aw);
  doc_sub_ = doc_->on_update([this](std::span<const std::uint8_t> u, crdt::origin) { on_doc_update(u); });
  awareness_sub_ = awareness_->on_update(
      [this](const protocol::awareness_changes& c, protocol::origin o) { on_awareness_update(c, o); });
  setup_ = setup_state::ok;
  schedule_tick();
  core_.log().debug("msg=\"room loaded\" room={}", quoted(name_));
  if (core_.hooks.upstream_provider_factory) {
    room_access access(*this);
    provider_ = core_.hooks.upstream_provider_factory(access);
    if (provider_) provider_->start();
  }
}

void room::on_loaded(std::unique_ptr<crdt::doc> doc, std::error_code ec) {
  asio::post(strand_, [self = shared_from_this(), doc = std::move(doc), ec]() mutable {
    self->loaded(std::move(doc), ec);
  });
}

void room::loaded(std::unique_ptr<crdt::doc> doc, std::error_code ec) {
  if (stopped_) return;  // unloaded while loading: waiting sessions and functions were let go
  if (ec) {
    // Never serve it empty: a client's sync would then overwrite the stored doc (hocuspocus #382).
    fail_room("room load failed", ec);
    return;
  }
  guarded([&] { finish_setup(std::move(doc)); });
  if (stopped_) return;
  if (setup_ != setup_state::ok) {
    fail_room("room setup failed", make_error_code(errc::room_not_ready));
    return;
  }
  for (auto& m : members_) guarded([&] { greet(*m.session); });
  replay_held();
}

void room::replay_held() {
  auto runs = std::move(queued_runs_);
  queued_runs_.clear();
  for (auto& q : runs) {
    if (!stopped_) {
      guarded([&] {
        room_access access(*this);
        q.fn(access);
      });
    }
    if (q.after) q.after();
  }
  auto held = std::move(held_);
  held_.clear();
  held_bytes_ = 0;
  for (auto& h : held) {
    if (stopped_) break;
    // A client that left while the room loaded never got the echo of what it sent: it was not
    // acknowledged, and the client sends it again when it reconnects.
    auto s = h.from.lock();
    if (!s || !find(*s)) continue;
    if (auto out = on_frame(*s, h.bytes); out.close) s->close(*out.close);
  }
}

void room::fail_room(std::string_view what, std::error_code ec) {
  core_.log().error("msg=\"{}; closing the room\" room={} error={}", what, quoted(name_), quoted(ec.message()));
  if (setup_ == setup_state::loading) setup_ = setup_state::failed;  // else stop() unloads it normally
  core_.rooms.fail(shared_from_this());
  stop(close_reason::room_error);
}

void room::greet(ws_session& s) {
  s.deliver(make_shared_message(protocol::encode_sync_step1(*doc_)));
  if (auto all = awareness_->encode_all()) s.deliver(make_shared_message(protocol::encode_awareness_message(*all)));
}

room::member* room::find(const ws_session& s) {
  if (s.room_slot >= members_.size() || members_[s.room_slot].session.get() != &s) return nullptr;
  return &members_[s.room_slot];
}

void room::join(const std::shared_ptr<ws_session>& s) {
  bool joined = false;
  guarded([&] {
    if (stopped_) return;
    const bool ready_now = set_up();
    if (setup_ != setup_state::ok && setup_ != setup_state::loading) return;
    ++grace_generation_;
    grace_timer_.cancel();
    s->room_slot = members_.size();
    members_.push_back(member{s, false, 0, {}});
    joined = true;
    if (ready_now) greet(*s);  // else once loaded
  });
  if (!joined) {
    s->close(setup_ == setup_state::failed || !stopped_ ? close_reason::room_error : close_reason::room_closed);
  }
}

void room::leave(const ws_session& s) {
  member* it = find(s);
  if (!it) return;
  protocol::controlled_clients controlled = std::move(it->controlled);
  // Keep the pointer alive until this returns: the session may be holding its last reference.
  auto keep = std::move(it->session);
  *it = std::move(members_.back());
  members_.pop_back();
  if (it != members_.data() + members_.size()) it->session->room_slot = s.room_slot;  // the moved member
  if (controlled.empty() || !awareness_) return;
  guarded([&] { awareness_->remove_states(controlled.ids(), &s, server_core::now()); });
}

frame_outcome room::on_frame(ws_session& s, std::span<const std::uint8_t> frame) {
  try {
    return handle_frame(s, frame);
  } catch (...) {
    handle_exception(std::current_exception());
    return {};
  }
}

frame_outcome room::handle_frame(ws_session& s, std::span<const std::uint8_t> frame) {
  if (stopped_) return {};
  member* m = find(s);
  if (!m) return {};
  if (setup_ == setup_state::loading) {
    if (held_bytes_ + deferred_bytes_ + frame.size() > core_.opts.max_deferred_bytes) {
      core_.log().warn("msg=\"closing session: too much held while the room loads\" room={} peer={}", quoted(name_),
                       s.peer().remote);
      return {close_reason::overflow};
    }
    held_bytes_ += frame.size();
    held_.push_back({m->session, std::vector<std::uint8_t>(frame.begin(), frame.end())});
    return {};
  }
  if (core_.hooks.on_message) {
    room_access access(*this);
    if (core_.hooks.on_message(access, s.peer(), frame)) return {};
    m = find(s);
    if (!m) return {};
  }
  protocol::message_reader reader(frame);
  while (!reader.at_end()) {
    auto msg = reader.next();
    if (!msg) return message_failed(s, msg.error(), frame);
    if (!ready_ && is_sync(*msg)) {
      auto bytes = protocol::encode_message(*msg);
      if (held_bytes_ + deferred_bytes_ + bytes.size() > core_.opts.max_deferred_bytes) {
        core_.log().warn("msg=\"closing session: too much held while the room is not ready\" room={} peer={}",
                         quoted(name_), s.peer().remote);
        return {close_reason::overflow};
      }
      deferred_bytes_ += bytes.size();
      deferred_.push_back({m->session, std::move(bytes)});
      continue;
    }
    if (auto ec = handle_message(*m, *msg)) return message_failed(s, ec, frame);
  }
  return {};
}

std::error_code room::handle_message(member& m, const protocol::message& msg) {
  ws_session& s = *m.session;
  if (is_sync(msg)) return handle_sync(&m, msg);
  if (auto* a = std::get_if<protocol::awareness_message>(&msg)) {
    auto changes = awareness_->apply_update(a->update, &s, server_core::now());
    if (!changes) return changes.error();
    // apply_update's event handlers cannot change membership, so `m` is still valid.
    m.controlled.track(*changes);
    return {};
  }
  if (std::holds_alternative<protocol::query_awareness>(msg)) {
    if (auto all = awareness_->encode_all()) s.deliver(make_shared_message(protocol::encode_awareness_message(*all)));
    return {};
  }
  return {};  // auth: a server has nothing to do with a client's auth message
}

std::error_code room::handle_sync(member* m, const protocol::message& msg) {
  const auto* step1 = std::get_if<protocol::sync_step1>(&msg);
  if (!step1) {
    // m == nullptr: a held message whose session has left; its updates still count.
    auto r = protocol::handle_sync(*doc_, msg, m ? static_cast<const void*>(m->session.get()) : nullptr);
    if (!r) return r.error();
    metrics_counters::add(core_.metrics.updates_applied);
    return {};
  }
  if (!m) return {};
  auto reply = step2_for(step1->state_vector);
  if (!reply) return reply.error();
  m->session->deliver(*reply);
  // Subscribing here, in the strand task that produced the step 2, is the handshake guarantee:
  // no captured update can fall between the step 2 and the first broadcast.
  m->synced = true;
  m->sync_seq = captured_seq_;
  return {};
}

result<shared_message> room::step2_for(std::span<const std::uint8_t> state_vector) {
  // A client that has nothing (every page load) gets the whole doc. Encoding it is most of what
  // a connection costs, so that frame is encoded once per doc revision and shared, like a
  // broadcast, by every client that joins before the doc changes.
  const bool full = state_vector.size() == 1 && state_vector[0] == 0;  // varUint 0: no client
  if (full && full_step2_ && full_step2_revision_ == doc_->revision()) return full_step2_;
  YWS_TRY(bytes, protocol::encode_sync_step2(*doc_, state_vector));
  auto msg = make_shared_message(std::move(bytes));
  if (full) {
    full_step2_ = msg;
    full_step2_revision_ = doc_->revision();
  }
  return msg;
}

frame_outcome room::message_failed(ws_session& s, std::error_code ec, std::span<const std::uint8_t> frame) {
  if (core_.hooks.on_message_error) {
    room_access access(*this);
    if (core_.hooks.on_message_error(access, s.peer(), ec, frame)) return {};
  }
  const close_reason why = reason_for(ec);
  core_.log().warn("msg=\"closing session: bad message\" room={} peer={} session={} error={} reason={} bytes={}",
                   quoted(name_), s.peer().remote, s.peer().session_id, quoted(ec.message()), to_string(why),
                   frame.size());
  return {why};
}

void room::set_ready() {
  if (ready_) return;
  ready_ = true;
  auto held = std::move(deferred_);
  deferred_.clear();
  deferred_bytes_ = 0;
  for (auto& d : held) {
    auto msg = protocol::decode_message(d.bytes);
    if (!msg) continue;  // cannot happen: we encoded it
    auto s = d.from.lock();
    member* m = s ? find(*s) : nullptr;
    if (auto ec = handle_sync(m, *msg); ec && m) {
      if (auto out = message_failed(*s, ec, d.bytes); out.close) s->close(*out.close);
    }
  }
}

void room::on_doc_update(std::span<const std::uint8_t> update) {
  if (!ready_) return;  // a room that is not ready captures nothing (see server_options)
  auto msg = make_shared_message(protocol::encode_sync_update(update));
  const auto seq = ++captured_seq_;
  if (channel_) {
    // Broadcast when stored: the echo is the client's acknowledgement.
    channel_->append(shared_from_this(), pending_update{msg, update.size(), seq});
  } else {
    broadcast(msg, seq);
  }
  if (core_.hooks.on_room_update) {
    try {
      room_access access(*this);
      core_.hooks.on_room_update(access, update);
    } catch (...) {
      defer_exception(std::current_exception());
    }
  }
}

void room::broadcast(const shared_message& msg, std::uint64_t seq) {
  metrics_counters::add(core_.metrics.updates_broadcast);
  for (auto& m : members_) {
    // A session subscribed after the capture got the update in its step 2 already.
    if (m.synced && m.sync_seq < seq) m.session->deliver(msg);
  }
}

void room::on_appended(std::vector<pending_update> batch, std::error_code ec) {
  asio::post(strand_, [self = shared_from_this(), batch = std::move(batch), ec]() mutable {
    self->appended(std::move(batch), ec);
  });
}

void room::appended(std::vector<pending_update> batch, std::error_code ec) {
  if (stopped_) return;
  if (ec) {
    // Nothing of the batch is broadcast; clients reconnect and resync from the stored doc.
    fail_room("store append failed", ec);
    return;
  }
  for (const auto& u : batch) broadcast(u.message, u.seq);
}

void room::on_awareness_update(const protocol::awareness_changes& changes, protocol::origin o) {
  auto ids = changes.changed_clients();
  if (ids.empty() || members_.empty()) return;
  auto msg = make_shared_message(protocol::encode_awareness_message(awareness_->encode_update(ids)));
  // A client's own goodbye is not echoed to it (pycrdt-websocket #118); everything else is, which
  // also tells y-websocket clients the connection is alive.
  const bool goodbye = changes.added.empty() && changes.updated.empty();
  for (auto& m : members_) {
    if (goodbye && m.session.get() == o) continue;
    m.session->deliver(msg);
  }
}

void room::schedule_tick() {
  tick_timer_.expires_after(core_.opts.awareness_timeout / 10);
  tick_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->stopped_) return;
    self->guarded([&] { self->awareness_->tick(server_core::now()); });
    if (!self->stopped_) self->schedule_tick();
  });
}

void room::run(std::function<void(room_access&)> fn, std::function<void()> after) {
  bool queued = false;
  if (!stopped_) {
    guarded([&] {
      if (!set_up()) {
        if (setup_ == setup_state::loading) {
          queued_runs_.push_back({std::move(fn), std::move(after)});
          queued = true;
        }
        return;
      }
      room_access access(*this);
      fn(access);
    });
  }
  if (!queued && after) after();
}

void room::start_grace() {
  if (stopped_ || !core_.opts.room_grace) return;
  const auto generation = ++grace_generation_;
  grace_timer_.expires_after(*core_.opts.room_grace);
  grace_timer_.async_wait([self = shared_from_this(), generation](const boost::system::error_code& ec) {
    if (ec || self->stopped_ || self->grace_generation_ != generation) return;
    self->core_.rooms.try_unload(self);
  });
}

void room::stop(close_reason why) {
  if (stopped_) return;
  stopped_ = true;
  unloaded_.store(true, std::memory_order_release);
  tick_timer_.cancel();
  grace_timer_.cancel();
  if (setup_ == setup_state::ok) {
    try {
      if (provider_) provider_->stop();
      if (core_.hooks.on_room_unload) {
        room_access access(*this);
        core_.hooks.on_room_unload(access);
      }
    } catch (...) {
      core_.log().error("msg=\"room unload failed\" room={} error={}", quoted(name_),
                        quoted(what_of(std::current_exception())));
    }
    provider_.reset();
  }
  // Last flush after the room's pending appends (the channel runs them in order).
  if (channel_ && setup_ == setup_state::ok) channel_->flush();
  for (auto& m : members_) m.session->close(why);
  members_.clear();  // sessions hold the room; the room lets go of them (their leave() is a no-op)
  deferred_.clear();
  held_.clear();
  deferred_bytes_ = 0;
  held_bytes_ = 0;
  auto runs = std::move(queued_runs_);
  queued_runs_.clear();
  for (auto& q : runs) {
    try {
      if (q.after) q.after();
    } catch (...) {
    }
  }
  metrics_counters::sub(core_.metrics.rooms);
  core_.log().debug("msg=\"room unloaded\" room={} reason={}", quoted(name_), to_string(why));
}

}  // namespace yws::net::detail
