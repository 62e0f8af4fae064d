// yws/protocol/awareness.hpp: the y-protocols awareness CRDT (presence: cursors, user names).
//
// Every client owns one entry {clock, state}; a state is any JSON value, and removal (a client
// going offline) is the JSON text `null`. An update lists entries:
//   varUint(n) ( varUint(client_id) varUint(clock) varString(JSON.stringify(state)) )*n
// and a receiver takes an entry when its clock is newer than the one it knows, or equal with a
// null state removing a state it has. Rules, events and bytes follow y-protocols 1.0.7
// (src/awareness.js) exactly; the differences are listed where they apply (time is a parameter,
// a failing update changes nothing).
//
// Time. Nothing here reads a clock: every call that records or checks time takes `now`, the
// caller's monotonic time in milliseconds (any fixed epoch, e.g. steady_clock). y-protocols runs a
// 3 s interval timer; here the owner calls tick(now) every `check_interval` instead: it renews our
// own state once it is `outdated_timeout / 2` (15 s) old, so peers never time it out, and removes
// remote states not updated for `outdated_timeout` (30 s), with origin `timeout_origin`.
//
// Clocks. Each client's clock counts its own updates: our first state (set by the constructor) has
// clock 0 and every set_local_state adds 1, including the renewal in tick() and a removal. A remote
// update that removes our own state is not applied: our state is kept and our clock becomes the
// remote clock + 1, so that re-broadcasting our entry wins over the removal everywhere. Clocks are
// 64-bit (JS: 53-bit numbers; yrs: u32) and saturate instead of wrapping. An unknown client's
// clock counts as 0, so (as in y-protocols) a peer's very first state, sent at clock 0, is only
// taken once its clock has moved (its next change or its 15 s renewal).
//
//   yws::protocol::awareness aw(doc.client_id(), now_ms());          // state {} at clock 0
//   auto sub = aw.on_update([&](const auto& changes, yws::protocol::origin o) {
//     broadcast(encode_awareness_message(aw.encode_update(changes.changed_clients())));
//   });
//   auto changes = aw.apply_update(msg.update, &connection, now_ms());  // atomic; may fail
//   if (changes) controlled.track(*changes);
//   ... on close: aw.remove_states(controlled.ids(), &connection, now_ms());
//   ... every 3 s: aw.tick(now_ms());
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "yws/crdt/doc.hpp"
#include "yws/encoding/any.hpp"
#include "yws/error.hpp"

namespace yws::protocol {

// Who caused a change; compared by identity only (the same type as crdt::origin). Connections pass
// their own address.
using origin = const void*;

namespace detail {
inline constexpr char local_origin_tag = 'l';
inline constexpr char timeout_origin_tag = 't';
}  // namespace detail
// y-protocols' origins 'local' (set_local_state, the renewal in tick) and 'timeout' (tick).
inline constexpr origin local_origin = &detail::local_origin_tag;
inline constexpr origin timeout_origin = &detail::timeout_origin_tag;

// Milliseconds on the caller's monotonic clock.
using millis = std::chrono::milliseconds;

// What an operation changed, as y-protocols' event payload {added, updated, removed}: client ids
// in the order the entries were processed (a client listed twice in one update appears twice).
struct awareness_changes {
  std::vector<std::uint64_t> added;
  std::vector<std::uint64_t> updated;
  std::vector<std::uint64_t> removed;

  bool empty() const noexcept { return added.empty() && updated.empty() && removed.empty(); }
  // added, updated, removed concatenated without repeats: the ids to re-encode and broadcast
  // (y-websocket's changedClients).
  std::vector<std::uint64_t> changed_clients() const;
  friend bool operator==(const awareness_changes&, const awareness_changes&) = default;
};

struct awareness_meta {
  std::uint64_t clock = 0;
  millis last_updated{0};
  friend bool operator==(const awareness_meta&, const awareness_meta&) = default;
};

// One entry of an encoded awareness update, as on the wire.
struct awareness_entry {
  std::uint64_t client_id = 0;
  std::uint64_t clock = 0;
  std::string json;  // JSON text of the state; "null" = removed
  friend bool operator==(const awareness_entry&, const awareness_entry&) = default;
};

// Decodes an awareness update. Bytes after the n-th entry are ignored, as y-protocols does.
// JSON text is taken as TextDecoder would (invalid UTF-8 becomes U+FFFD) but not parsed.
[[nodiscard]] result<std::vector<awareness_entry>> decode_awareness_update(std::span<const std::uint8_t> update);
std::vector<std::uint8_t> encode_awareness_update(std::span<const awareness_entry> entries);
// True when `update` is a client saying goodbye: exactly one entry, whose state is JSON null
// (pycrdt-websocket does not echo such a message to its sender). False for undecodable input.
bool is_awareness_disconnect(std::span<const std::uint8_t> update);

// The awareness states of one document: our own client's (the local state) and those learnt
// from peers, with their clocks and the time each was last updated.
//
// Memory: one entry per client ever seen (y-protocols never forgets a clock; see meta()), so a
// long-lived instance grows with the number of distinct clients; the owner bounds it by
// bounding message sizes and the instance's lifetime (one per room).
// Thread safety: none; confine to one thread (the room's executor).
// Lifetime: not copyable or movable.
// Event handlers run synchronously, after the change is complete, inside the call that caused it;
// they may read the awareness and subscribe or unsubscribe. A subscription may outlive the
// awareness (it then does nothing when reset).
class awareness {
 public:
  struct options {
    // A remote state not updated for this long is removed; ours is renewed at half of it.
    millis outdated_timeout{30000};
  };
  // How often y-protocols checks the timers (outdated_timeout / 10); call tick() at about this rate.
  static constexpr millis check_interval{3000};

  // Starts with the local state {} at clock 0, as y-protocols' constructor does (y-websocket's
  // server then sets null; pycrdt-websocket keeps {}). No event fires.
  awareness(std::uint64_t client_id, millis now);
  awareness(std::uint64_t client_id, millis now, options opts);
  ~awareness();
  awareness(const awareness&) = delete;
  awareness& operator=(const awareness&) = delete;

  std::uint64_t client_id() const noexcept { return client_id_; }

  // Our state, or nullptr when removed. As y-protocols' getLocalState, a JS-falsy state (false, 0,
  // "", NaN) counts as none: it is stored, but encodes as null and is not renewed.
  const encoding::any* local_state() const;
  // Sets (or with nullopt / null / undefined, removes) our state and increments our clock, even
  // when the state is unchanged or already removed. Fires change (when added, removed or different
  // by value) and update (always) with local_origin; returns the update changes.
  awareness_changes set_local_state(std::optional<encoding::any> state, millis now);
  // Sets one field of our object state; does nothing when there is no local state (y-protocols'
  // setLocalStateField). A non-object local state is replaced by {field: value}.
  void set_local_state_field(std::string_view field, encoding::any value, millis now);

  // Applies an encoded awareness update from a peer (see the rules above) and fires change/update
  // with `o`. Atomic: if any entry does not decode or its JSON does not parse, returns the error
  // (a decoding error or errc::invalid_json) and nothing changes (y-protocols would have applied
  // the entries before the bad one). Returns the update changes: with origin = a connection, their
  // added/updated ids are the clients that connection speaks for (see controlled_clients).
  // Quirk kept from y-protocols: a remote removal of our own state, which is not applied, still
  // reports our id as removed (that event is what makes servers re-broadcast our entry).
  [[nodiscard]] result<awareness_changes> apply_update(std::span<const std::uint8_t> update, origin o, millis now);

  // Removes the states of `clients` (those we have a state for) and fires change and update with
  // `o`. Removing our own state increments our clock, as y-protocols' removeAwarenessStates.
  awareness_changes remove_states(std::span<const std::uint64_t> clients, origin o, millis now);

  // The encoded update for `clients` (JSON.stringify of each state, "null" for none), in the
  // given order. A client never seen is written with clock 0 and null (y-protocols throws).
  std::vector<std::uint8_t> encode_update(std::span<const std::uint64_t> clients) const;
  // The encoded update of every state we have (the answer to a query-awareness, the snapshot a
  // server sends to a new connection), in y-protocols' Map order; nullopt when there is none (and
  // nothing should be sent).
  std::optional<std::vector<std::uint8_t>> encode_all() const;

  struct tick_result {
    bool renewed = false;           // our state was re-set (origin local_origin): broadcast it
    awareness_changes timed_out;    // remote states removed (origin timeout_origin)
  };
  // Runs the timers at time `now` (see the file comment). Events fire as for set_local_state and
  // remove_states.
  tick_result tick(millis now);

  // The state of `client`, or nullptr.
  const encoding::any* state(std::uint64_t client) const;
  // Clients with a state, in y-protocols' Map order (insertion order; a client removed and added
  // again moves to the end).
  std::vector<std::uint64_t> client_ids() const;
  std::size_t size() const noexcept { return state_count_; }
  // Clock and last update of `client`, known once it has been seen (also after its removal: as in
  // y-protocols, metas are never forgotten, so a late stale update cannot resurrect a client).
  std::optional<awareness_meta> meta(std::uint64_t client) const;

  // Handlers get the changes and the origin. on_change fires only when a state was added, removed
  // or changed by value; on_update whenever an entry was accepted (y-protocols 'change'/'update').
  using handler = std::function<void(const awareness_changes&, origin)>;
  [[nodiscard]] crdt::subscription on_change(handler h);
  [[nodiscard]] crdt::subscription on_update(handler h);

 private:
  struct entry {
    awareness_meta meta;
    std::optional<encoding::any> state;
    std::uint64_t meta_order = 0;   // position in y-protocols' meta Map
    std::uint64_t state_order = 0;  // position in its states Map (valid while state is set)
  };
  struct handler_list;

  entry* find(std::uint64_t client);
  const entry* find(std::uint64_t client) const;
  entry& meta_entry(std::uint64_t client);  // creates the meta when absent
  void store_state(entry& e, encoding::any state);
  void drop_state(entry& e);
  void emit(const awareness_changes& update_changes, const awareness_changes& change_changes, origin o);

  std::uint64_t client_id_;
  options opts_;
  std::unordered_map<std::uint64_t, entry> entries_;
  std::size_t state_count_ = 0;
  std::uint64_t next_order_ = 0;
  std::shared_ptr<handler_list> change_handlers_;
  std::shared_ptr<handler_list> update_handlers_;
};

// The awareness clients one connection speaks for, built from the changes its awareness messages
// caused, so that a server can remove them when the connection closes (y-websocket keeps the same
// set per connection). Unlike y-websocket it also tracks `updated` ids, so a client that went
// offline and came back on the same connection is still removed on close.
// Thread safety: a value type. Lifetime: independent of the awareness.
class controlled_clients {
 public:
  void track(const awareness_changes& changes);
  const std::vector<std::uint64_t>& ids() const noexcept { return ids_; }
  bool empty() const noexcept { return ids_.empty(); }

 private:
  std::vector<std::uint64_t> ids_;  // sorted, unique
};

}  // namespace yws::protocol
