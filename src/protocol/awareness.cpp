#include "yws/protocol/awareness.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "yws/encoding/decoder.hpp"
#include "yws/encoding/encoder.hpp"
#include "yws/encoding/json.hpp"

namespace yws::protocol {
namespace {

constexpr std::string_view null_json = "null";

// Clocks saturate: a hostile peer sending the maximum clock for our id must not wrap ours to 0
// (which every peer would then ignore).
std::uint64_t next_clock(std::uint64_t clock) {
  return clock == std::numeric_limits<std::uint64_t>::max() ? clock : clock + 1;
}

// JS truthiness, because y-protocols reads states as `states.get(id) || null`.
bool is_js_falsy(const encoding::any& v) {
  using kind = encoding::any::kind;
  switch (v.type()) {
    case kind::undefined:
    case kind::null: return true;
    case kind::boolean: return !v.as_bool();
    case kind::number: return v.as_number() == 0 || std::isnan(v.as_number());
    case kind::bigint: return v.as_bigint() == 0;
    case kind::string: return v.as_string().empty();
    default: return false;
  }
}

bool is_removal(const std::optional<encoding::any>& state) {
  return !state || state->is_null() || state->is_undefined();
}

void append_unique(std::vector<std::uint64_t>& out, const std::vector<std::uint64_t>& ids) {
  for (auto id : ids) {
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  }
}

}  // namespace

std::vector<std::uint64_t> awareness_changes::changed_clients() const {
  std::vector<std::uint64_t> out;
  append_unique(out, added);
  append_unique(out, updated);
  append_unique(out, removed);
  return out;
}

result<std::vector<awareness_entry>> decode_awareness_update(std::span<const std::uint8_t> update) {
  encoding::decoder dec(update);
  YWS_TRY(count, dec.read_var_uint());
  std::vector<awareness_entry> entries;
  // An entry takes at least 3 bytes: do not trust the declared count for the reservation.
  entries.reserve(std::min<std::uint64_t>(count, dec.remaining() / 3));
  for (std::uint64_t i = 0; i < count; ++i) {
    YWS_TRY(client, dec.read_var_uint());
    YWS_TRY(clock, dec.read_var_uint());
    YWS_TRY(json, dec.read_var_string());
    entries.push_back({client, clock, std::move(json)});
  }
  return entries;
}

std::vector<std::uint8_t> encode_awareness_update(std::span<const awareness_entry> entries) {
  encoding::encoder enc;
  enc.write_var_uint(entries.size());
  for (const auto& e : entries) {
    enc.write_var_uint(e.client_id);
    enc.write_var_uint(e.clock);
    enc.write_var_string(e.json);
  }
  return std::move(enc).take();
}

bool is_awareness_disconnect(std::span<const std::uint8_t> update) {
  auto entries = decode_awareness_update(update);
  if (!entries || entries->size() != 1) return false;
  auto state = encoding::parse_json(entries->front().json);
  return state && state->is_null();
}

void controlled_clients::track(const awareness_changes& changes) {
  auto insert = [&](std::uint64_t id) {
    auto it = std::lower_bound(ids_.begin(), ids_.end(), id);
    if (it == ids_.end() || *it != id) ids_.insert(it, id);
  };
  for (auto id : changes.added) insert(id);
  for (auto id : changes.updated) insert(id);
  for (auto id : changes.removed) {
    auto it = std::lower_bound(ids_.begin(), ids_.end(), id);
    if (it != ids_.end() && *it == id) ids_.erase(it);
  }
}

// Handlers live behind shared_ptrs so that a subscription may be dropped from inside a handler
// (emission iterates over a snapshot) and may even outlive the awareness (it holds a weak_ptr).
struct awareness::handler_list {
  std::vector<std::pair<std::uint64_t, std::shared_ptr<const handler>>> items;
  std::uint64_t next_id = 0;

  static crdt::subscription add(const std::shared_ptr<handler_list>& list, handler h) {
    auto id = list->next_id++;
    list->items.emplace_back(id, std::make_shared<const handler>(std::move(h)));
    return crdt::subscription([weak = std::weak_ptr<handler_list>(list), id] {
      if (auto l = weak.lock()) {
        std::erase_if(l->items, [id](const auto& item) { return item.first == id; });
      }
    });
  }

  void call(const awareness_changes& changes, origin o) const {
    auto snapshot = items;
    for (const auto& [id, h] : snapshot) (*h)(changes, o);
  }
};

awareness::awareness(std::uint64_t client_id, millis now) : awareness(client_id, now, options{}) {}

awareness::awareness(std::uint64_t client_id, millis now, options opts)
    : client_id_(client_id),
      opts_(opts),
      change_handlers_(std::make_shared<handler_list>()),
      update_handlers_(std::make_shared<handler_list>()) {
  // y-protocols' constructor calls setLocalState({}); nobody can listen yet, so no event.
  auto& own = meta_entry(client_id_);
  own.meta = {0, now};
  store_state(own, encoding::any_object{});
}

awareness::~awareness() = default;

awareness::entry* awareness::find(std::uint64_t client) {
  auto it = entries_.find(client);
  return it == entries_.end() ? nullptr : &it->second;
}

const awareness::entry* awareness::find(std::uint64_t client) const {
  auto it = entries_.find(client);
  return it == entries_.end() ? nullptr : &it->second;
}

awareness::entry& awareness::meta_entry(std::uint64_t client) {
  auto [it, inserted] = entries_.try_emplace(client);
  if (inserted) it->second.meta_order = next_order_++;
  return it->second;
}

void awareness::store_state(entry& e, encoding::any state) {
  // A JS Map keeps an existing key's position on set; a new key goes last.
  if (!e.state) {
    e.state_order = next_order_++;
    ++state_count_;
  }
  e.state = std::move(state);
}

void awareness::drop_state(entry& e) {
  if (e.state) {
    e.state.reset();
    --state_count_;
  }
}

void awareness::emit(const awareness_changes& update_changes, const awareness_changes& change_changes, origin o) {
  if (!change_changes.empty()) change_handlers_->call(change_changes, o);
  if (!update_changes.empty()) update_handlers_->call(update_changes, o);
}

const encoding::any* awareness::local_state() const {
  const auto* s = state(client_id_);
  return s && !is_js_falsy(*s) ? s : nullptr;
}

awareness_changes awareness::set_local_state(std::optional<encoding::any> state, millis now) {
  auto& own = meta_entry(client_id_);
  const bool had_state = own.state.has_value();
  const bool changed_value = !had_state || is_removal(state) || !(*own.state == *state);
  own.meta = {next_clock(own.meta.clock), now};

  awareness_changes update;
  awareness_changes change;
  if (is_removal(state)) {
    // Reported as removed even when there was nothing to remove, as y-protocols does.
    drop_state(own);
    update.removed.push_back(client_id_);
    change.removed.push_back(client_id_);
  } else {
    store_state(own, std::move(*state));
    if (!had_state) {
      update.added.push_back(client_id_);
      change.added.push_back(client_id_);
    } else {
      update.updated.push_back(client_id_);
      if (changed_value) change.updated.push_back(client_id_);
    }
  }
  // The update event fires even when nothing is reported as changed (never the case here: exactly
  // one list is non-empty).
  emit(update, change, local_origin);
  return update;
}

void awareness::set_local_state_field(std::string_view field, encoding::any value, millis now) {
  const auto* current = local_state();
  if (!current) return;
  // A non-object state spreads to {} here (JS would spread an array's or string's indices).
  encoding::any next = current->is_object() ? *current : encoding::any(encoding::any_object{});
  auto& obj = next.as_object();
  // Object spread then assignment: an existing key keeps its position, a new one goes last.
  auto it = std::find_if(obj.begin(), obj.end(), [&](const auto& kv) { return kv.first == field; });
  if (it != obj.end()) {
    it->second = std::move(value);
  } else {
    obj.emplace_back(std::string(field), std::move(value));
  }
  (void)set_local_state(std::move(next), now);
}

result<awareness_changes> awareness::apply_update(std::span<const std::uint8_t> bytes, origin o, millis now) {
  YWS_TRY(entries, decode_awareness_update(bytes));
  // Parse every state before touching anything, so that a bad entry leaves no partial change.
  std::vector<encoding::any> states;
  states.reserve(entries.size());
  for (const auto& e : entries) {
    YWS_TRY(state, encoding::parse_json(e.json));
    states.push_back(std::move(state));
  }

  awareness_changes update;
  awareness_changes change;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::uint64_t client = entries[i].client_id;
    std::uint64_t clock = entries[i].clock;
    encoding::any& state = states[i];
    const bool removal = state.is_null();

    entry* e = find(client);
    const bool had_meta = e != nullptr;
    const std::uint64_t current_clock = had_meta ? e->meta.clock : 0;
    const bool has_state = had_meta && e->state.has_value();
    if (!(current_clock < clock || (current_clock == clock && removal && has_state))) continue;

    bool differs = true;
    if (!e) e = &meta_entry(client);
    if (removal) {
      if (client == client_id_ && local_state() != nullptr) {
        // Never let a peer remove our own state: keep it, and outbid the removal's clock.
        clock = next_clock(clock);
      } else {
        drop_state(*e);
      }
    } else {
      differs = !e->state || !(*e->state == state);
      store_state(*e, std::move(state));
    }
    e->meta = {clock, now};

    if (!had_meta && !removal) {
      update.added.push_back(client);
      change.added.push_back(client);
    } else if (had_meta && removal) {
      update.removed.push_back(client);
      change.removed.push_back(client);
    } else if (!removal) {
      if (differs) change.updated.push_back(client);
      update.updated.push_back(client);
    }
  }
  emit(update, change, o);
  return update;
}

awareness_changes awareness::remove_states(std::span<const std::uint64_t> clients, origin o, millis now) {
  awareness_changes changes;
  for (auto client : clients) {
    entry* e = find(client);
    if (!e || !e->state) continue;
    drop_state(*e);
    if (client == client_id_) e->meta = {next_clock(e->meta.clock), now};
    changes.removed.push_back(client);
  }
  emit(changes, changes, o);
  return changes;
}

std::vector<std::uint8_t> awareness::encode_update(std::span<const std::uint64_t> clients) const {
  encoding::encoder enc;
  enc.write_var_uint(clients.size());
  for (auto client : clients) {
    const entry* e = find(client);
    enc.write_var_uint(client);
    enc.write_var_uint(e ? e->meta.clock : 0);
    // `states.get(id) || null`: a missing or falsy state is written as null.
    if (e && e->state && !is_js_falsy(*e->state)) {
      enc.write_var_string(encoding::to_json(*e->state));
    } else {
      enc.write_var_string(null_json);
    }
  }
  return std::move(enc).take();
}

std::optional<std::vector<std::uint8_t>> awareness::encode_all() const {
  if (state_count_ == 0) return std::nullopt;
  return encode_update(client_ids());
}

awareness::tick_result awareness::tick(millis now) {
  tick_result result;
  if (const auto* own_state = local_state()) {
    const auto* own = find(client_id_);
    if (own && opts_.outdated_timeout <= 2 * (now - own->meta.last_updated)) {
      (void)set_local_state(*own_state, now);
      result.renewed = true;
    }
  }
  // Timed-out peers in meta order (y-protocols walks its meta Map).
  std::vector<std::pair<std::uint64_t, std::uint64_t>> outdated;  // (meta_order, client)
  for (const auto& [client, e] : entries_) {
    if (client != client_id_ && e.state && opts_.outdated_timeout <= now - e.meta.last_updated) {
      outdated.emplace_back(e.meta_order, client);
    }
  }
  if (!outdated.empty()) {
    std::sort(outdated.begin(), outdated.end());
    std::vector<std::uint64_t> ids;
    ids.reserve(outdated.size());
    for (const auto& [order, client] : outdated) ids.push_back(client);
    result.timed_out = remove_states(ids, timeout_origin, now);
  }
  return result;
}

const encoding::any* awareness::state(std::uint64_t client) const {
  const entry* e = find(client);
  return e && e->state ? &*e->state : nullptr;
}

std::vector<std::uint64_t> awareness::client_ids() const {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ordered;  // (state_order, client)
  ordered.reserve(state_count_);
  for (const auto& [client, e] : entries_) {
    if (e.state) ordered.emplace_back(e.state_order, client);
  }
  std::sort(ordered.begin(), ordered.end());
  std::vector<std::uint64_t> ids;
  ids.reserve(ordered.size());
  for (const auto& [order, client] : ordered) ids.push_back(client);
  return ids;
}

std::optional<awareness_meta> awareness::meta(std::uint64_t client) const {
  const entry* e = find(client);
  if (!e) return std::nullopt;
  return e->meta;
}

crdt::subscription awareness::on_change(handler h) { return handler_list::add(change_handlers_, std::move(h)); }

crdt::subscription awareness::on_update(handler h) { return handler_list::add(update_handlers_, std::move(h)); }

}  // namespace yws::protocol
