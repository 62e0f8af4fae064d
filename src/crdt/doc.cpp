// The public doc class and the update entry points (apply / encode).
#include <algorithm>

#include "crdt/doc_impl.hpp"
#include "crdt/integrate.hpp"
#include "crdt/store_encode.hpp"
#include "crdt/transaction.hpp"
#include "crdt/update_merge.hpp"
#include "crdt/values.hpp"
#include "yws/crdt/doc.hpp"

namespace yws::crdt {

using detail::doc_impl;

doc::doc() : doc(options{}) {}
doc::doc(options opts) : impl_(std::make_unique<doc_impl>(std::move(opts))) {}
doc::~doc() = default;

std::uint64_t doc::client_id() const noexcept { return impl_->client_id; }
const std::string& doc::guid() const noexcept { return impl_->guid; }
bool doc::gc_enabled() const noexcept { return impl_->gc; }

text doc::get_text(std::string_view name) { return {impl_.get(), &impl_->typed_root(name, type_kind::text)}; }
array doc::get_array(std::string_view name) { return {impl_.get(), &impl_->typed_root(name, type_kind::array)}; }
map doc::get_map(std::string_view name) { return {impl_.get(), &impl_->typed_root(name, type_kind::map)}; }
xml_fragment doc::get_xml_fragment(std::string_view name) {
  return {impl_.get(), &impl_->typed_root(name, type_kind::xml_fragment)};
}

void doc::transact(const std::function<void()>& fn, origin o) {
  detail::transact(*impl_, [&](detail::transaction&) { fn(); }, o, true);
}

subscription doc::on_update(update_handler handler) {
  doc_impl* d = impl_.get();
  const std::uint64_t id = d->next_subscriber++;
  d->subscribers.push_back({id, std::make_shared<update_handler>(std::move(handler))});
  return subscription([d, id] { std::erase_if(d->subscribers, [id](const auto& s) { return s.id == id; }); });
}

encoding::any doc::to_json() const {
  encoding::any_object o;
  for (const detail::branch_index b : impl_->root_order) {
    const detail::branch& root = impl_->branch_at(b);
    o.emplace_back(root.root_name, detail::type_json(*impl_, root));
  }
  return encoding::any(std::move(o));
}

state_vector doc::state() const {
  state_vector sv;
  for (const auto& e : impl_->store.entries()) {
    if (!e.structs.empty()) sv.set(e.client, e.structs.back()->end_clock());
  }
  return sv;
}

std::uint64_t doc::revision() const noexcept { return impl_->revision; }

bool doc::has_pending() const noexcept { return impl_->pending.has_value() || impl_->pending_ds.has_value(); }

result<void> apply_update_v1(doc& d, std::span<const std::uint8_t> update, origin o) {
  // Decode and validate everything first: integration cannot fail, so a bad update changes nothing.
  YWS_TRY(ir, detail::decode_update_v1(update));
  // Nothing to integrate (a peer's step 2 from an empty doc, say): no transaction, so the
  // revision stays and caches keyed on it (the server's shared step 2) stay valid. Yjs' own
  // transaction would change nothing either: no struct, no delete, no pending retry.
  const bool no_deletes = std::all_of(ir.ds.clients.begin(), ir.ds.clients.end(),
                                      [](const auto& client) { return client.second.empty(); });
  if (!ir.has_structs() && no_deletes) return {};
  doc_impl& impl = d.impl();
  detail::transact(impl, [&](detail::transaction& tr) { detail::apply_update(impl, tr, std::move(ir)); }, o, false);
  return {};
}

std::vector<std::uint8_t> encode_state_as_update_v1(const doc& d, const state_vector& sv) {
  const doc_impl& impl = d.impl();
  std::vector<std::pair<detail::client_index, std::uint32_t>> from;
  for (detail::client_index c = 0; c < impl.store.client_count(); ++c) {
    if (!impl.store.structs(c).empty()) from.emplace_back(c, sv.get(impl.store.client_id(c)));
  }
  encoding::encoder enc;
  detail::write_clients_structs(enc, impl, std::move(from));
  detail::write_delete_set(enc, detail::delete_set_from_store(impl));
  std::vector<std::uint8_t> main = std::move(enc).take();
  if (!impl.pending && !impl.pending_ds) return main;
  // Yjs merges pending data in: mergeUpdates([update, pendingDs, diffUpdate(pendingStructs, sv)]).
  auto decoded = detail::decode_update_v1(main);
  if (!decoded) return main;  // cannot happen: we just wrote it
  std::vector<detail::update_ir> parts;
  parts.push_back(std::move(*decoded));
  if (impl.pending_ds) {
    detail::update_ir ds_only;
    ds_only.ds = *impl.pending_ds;
    parts.push_back(std::move(ds_only));
  }
  if (impl.pending) {
    // Unlike Yjs, never the part of a pending struct that the doc already has. Such a struct
    // either duplicates an item the doc holds as a GC struct (which says enough), or reuses ids
    // with other content (hostile): Yjs' merge may then emit it instead of the integrated struct,
    // hiding that from every peer that syncs later.
    parts.push_back(detail::diff_update(detail::clone(impl.pending->update), [&](std::uint64_t client) {
      return std::max(sv.get(client), impl.store.state_of(client));
    }));
  }
  return detail::encode_update_v1(detail::merge_updates(std::move(parts)));
}

result<std::vector<std::uint8_t>> encode_state_as_update_v1(const doc& d, std::span<const std::uint8_t> encoded_sv) {
  YWS_TRY(sv, state_vector::decode_v1(encoded_sv));
  return encode_state_as_update_v1(d, sv);
}

std::vector<std::uint8_t> encode_state_vector_v1(const doc& d) { return d.state().encode_v1(); }

}  // namespace yws::crdt
