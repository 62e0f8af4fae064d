// yws/crdt/doc.hpp: a Yjs-compatible document.
//
// A doc holds root shared types by name (text, array, map, xml_fragment), integrates remote
// updates exactly as Yjs 13.6 does, and records local edits as Yjs would make them, so a yws doc
// and a Yjs doc that saw the same updates encode to the same bytes.
//
//   yws::crdt::doc d;                                     // random 53-bit client id, gc on
//   auto sub = d.on_update([](std::span<const std::uint8_t> u, yws::crdt::origin) { send(u); });
//   d.get_text("text").insert(0, "hello");                // an implicit transaction
//   d.transact([&] { d.get_map("m").set("k", 1); d.get_array("a").push({true}); });
//   auto ok = yws::crdt::apply_update_v1(d, remote_bytes, &connection);
//
// Thread safety: none. A doc and every handle into it must be used from one thread at a time
// (the server confines each room's doc to one executor).
// Lifetime: handles (text, array, ...) point into the doc and must not outlive it. A handle to a
// type whose item was deleted stays valid to call but sees a deleted, empty type.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "yws/crdt/state_vector.hpp"
#include "yws/encoding/any.hpp"
#include "yws/error.hpp"

namespace yws::crdt {

namespace detail {
struct doc_impl;
struct branch;
}  // namespace detail

// Who caused a transaction; compared by identity only. Providers pass their own address so they
// can recognise (and not echo) their updates. nullptr is the default local origin.
using origin = const void*;

// Yjs type refs as they appear on the wire (ContentType).
enum class type_kind : std::uint8_t {
  array = 0,
  map = 1,
  text = 2,
  xml_element = 3,
  xml_fragment = 4,
  xml_hook = 5,
  xml_text = 6,
  undefined = 15,  // a root known by name only, not yet opened as a concrete type
};

class text;
class array;
class map;
class xml_fragment;
class xml_element;
class xml_text;

// An untyped handle to any shared type. Cheap to copy.
class shared_type {
 public:
  shared_type() = default;
  shared_type(detail::doc_impl* d, detail::branch* b) : doc_(d), branch_(b) {}

  type_kind kind() const;
  bool valid() const noexcept { return branch_ != nullptr; }
  // JSON view as Yjs' toJSON(): text -> string, array -> array, map -> object, xml -> string.
  encoding::any to_json() const;

  // Requires: kind() matches (xml_text is also a text).
  text as_text() const;
  array as_array() const;
  map as_map() const;
  xml_fragment as_xml_fragment() const;
  xml_element as_xml_element() const;
  xml_text as_xml_text() const;

  detail::branch* branch() const noexcept { return branch_; }
  detail::doc_impl* doc_impl() const noexcept { return doc_; }
  friend bool operator==(const shared_type& a, const shared_type& b) { return a.branch_ == b.branch_; }

 protected:
  detail::doc_impl* doc_ = nullptr;
  detail::branch* branch_ = nullptr;
};

// A value read from an array or map: JSON-like content, a nested shared type, or a subdocument
// reference (its guid).
struct subdoc_ref {
  std::string guid;
  friend bool operator==(const subdoc_ref&, const subdoc_ref&) = default;
};
using value = std::variant<encoding::any, shared_type, subdoc_ref>;

// Y.Text. Indices and lengths count UTF-16 code units (as Yjs and ywasm); text is passed and
// returned as UTF-8. Embeds and nested types count 1; formatting marks count 0.
class text : public shared_type {
 public:
  using shared_type::shared_type;
  std::uint32_t length() const;
  // Inserts `utf8` at `index`. Without attributes the text takes the formatting in effect at
  // the position, as Yjs does; with attributes it gets exactly those.
  void insert(std::uint32_t index, std::string_view utf8, const encoding::any_object& attributes = {});
  void insert_embed(std::uint32_t index, const encoding::any& embed, const encoding::any_object& attributes = {});
  void erase(std::uint32_t index, std::uint32_t length);
  // Sets (value) or removes (null) attributes on [index, index + length).
  void format(std::uint32_t index, std::uint32_t length, const encoding::any_object& attributes);
  std::string to_string() const;
  // Yjs toDelta(): an array of {insert, attributes?} objects.
  encoding::any to_delta() const;
};

// Y.Array.
class array : public shared_type {
 public:
  using shared_type::shared_type;
  std::uint32_t size() const;
  // Consecutive JSON values become one item; binary values each their own, as in Yjs.
  void insert(std::uint32_t index, const encoding::any_array& values);
  void push(const encoding::any_array& values);
  // Inserts a new empty shared type of `kind` (array, map, text, xml_*) and returns it.
  shared_type insert_type(std::uint32_t index, type_kind kind, std::string_view xml_node_name = {});
  shared_type push_type(type_kind kind, std::string_view xml_node_name = {});
  void erase(std::uint32_t index, std::uint32_t length);
  // Requires: index < size().
  value get(std::uint32_t index) const;
  encoding::any to_json() const;
};

// Y.Map.
class map : public shared_type {
 public:
  using shared_type::shared_type;
  void set(std::string_view key, const encoding::any& v);
  shared_type set_type(std::string_view key, type_kind kind, std::string_view xml_node_name = {});
  std::optional<value> get(std::string_view key) const;
  bool contains(std::string_view key) const;
  void erase(std::string_view key);
  std::vector<std::string> keys() const;
  std::uint32_t size() const;
  encoding::any to_json() const;
};

// Y.XmlFragment: an ordered list of xml_element and xml_text children.
class xml_fragment : public shared_type {
 public:
  using shared_type::shared_type;
  std::uint32_t size() const;
  xml_element insert_element(std::uint32_t index, std::string_view node_name);
  xml_text insert_text(std::uint32_t index);
  void erase(std::uint32_t index, std::uint32_t length);
  std::optional<shared_type> get(std::uint32_t index) const;
  // As Yjs' toString(): the children's strings concatenated.
  std::string to_string() const;
};

// Y.XmlElement: a fragment with a node name and attributes.
class xml_element : public xml_fragment {
 public:
  using xml_fragment::xml_fragment;
  std::string node_name() const;
  void set_attribute(std::string_view key, const encoding::any& v);
  std::optional<encoding::any> get_attribute(std::string_view key) const;
  void remove_attribute(std::string_view key);
  // `<name k="v">children</name>`, attributes sorted by key, as Yjs prints it.
  std::string to_string() const;
};

// Y.XmlText: rich text that prints its formatting as nested tags.
class xml_text : public text {
 public:
  using text::text;
  std::string to_string() const;
};

// Keeps an event handler registered; unregisters on destruction. Must not outlive its doc.
class subscription {
 public:
  subscription() = default;
  explicit subscription(std::function<void()> cancel) : cancel_(std::move(cancel)) {}
  subscription(subscription&&) noexcept = default;
  subscription& operator=(subscription&& o) noexcept {
    reset();
    cancel_ = std::move(o.cancel_);
    return *this;
  }
  ~subscription() { reset(); }
  void reset() {
    if (cancel_) std::exchange(cancel_, nullptr)();
  }

 private:
  std::function<void()> cancel_;
};

class doc {
 public:
  struct options {
    std::optional<std::uint64_t> client_id;  // default: random in [0, 2^53)
    std::string guid;                        // default: a random UUID-like string
    bool gc = true;                          // garbage-collect deleted content
  };

  doc();
  explicit doc(options opts);
  ~doc();
  doc(const doc&) = delete;
  doc& operator=(const doc&) = delete;

  std::uint64_t client_id() const noexcept;
  const std::string& guid() const noexcept;
  bool gc_enabled() const noexcept;

  // Root types by name; the first call with a name defines (or upgrades) its type.
  text get_text(std::string_view name);
  array get_array(std::string_view name);
  map get_map(std::string_view name);
  xml_fragment get_xml_fragment(std::string_view name);

  // Runs `fn` in one transaction; nested calls join the outer one. Edits made through handles
  // outside any transact() each get their own implicit transaction.
  void transact(const std::function<void()>& fn, origin o = nullptr);

  // Called once after every outermost transaction that changed the doc, with the v1 update Yjs
  // would emit for it (bytes valid only during the call) and the transaction's origin.
  using update_handler = std::function<void(std::span<const std::uint8_t> update, origin o)>;
  [[nodiscard]] subscription on_update(update_handler handler);

  // {root name: root.to_json()} for every root, as Yjs' doc.toJSON().
  encoding::any to_json() const;
  state_vector state() const;
  // True while structs or deletes wait for missing dependencies.
  bool has_pending() const noexcept;
  // A number that changes whenever a transaction ends: every local edit and every applied update
  // (pending data included) moves it on; it may also move without a visible change. The key for
  // caching an encoding of the whole doc, as a server does for the sync step 2 of new clients.
  std::uint64_t revision() const noexcept;

  detail::doc_impl& impl() noexcept { return *impl_; }
  const detail::doc_impl& impl() const noexcept { return *impl_; }

 private:
  std::unique_ptr<detail::doc_impl> impl_;
};

// Applies a v1 update atomically: on error (malformed or unsupported input) the doc is unchanged
// and no event fires. Structs whose dependencies are missing are kept pending, as in Yjs.
[[nodiscard]] result<void> apply_update_v1(doc& d, std::span<const std::uint8_t> update, origin o = nullptr);

// Everything `d` has that a peer at `sv` lacks, plus the doc's whole delete set and any pending
// data (as Yjs' encodeStateAsUpdate).
std::vector<std::uint8_t> encode_state_as_update_v1(const doc& d, const state_vector& sv = {});
// The same with an encoded state vector, as received in sync step 1.
[[nodiscard]] result<std::vector<std::uint8_t>> encode_state_as_update_v1(const doc& d,
                                                                          std::span<const std::uint8_t> encoded_sv);
std::vector<std::uint8_t> encode_state_vector_v1(const doc& d);

// A readable listing of an update's structs and delete set (for `yws doc dump`).
[[nodiscard]] result<std::string> describe_update_v1(std::span<const std::uint8_t> update);

}  // namespace yws::crdt
