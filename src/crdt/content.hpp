// crdt/content.hpp: the content of an item (Yjs AbstractContent and its nine subclasses).
//
// `content` is a 10-byte tagged value so that an item stays at 64 bytes: an 8-byte payload
// (inline bytes of a short string, a pointer to an owned heap object, or a branch index), the
// tag (the wire's content ref) and one auxiliary byte. Strings are UTF-8; their length in clock
// units (UTF-16) is the owning item's length, which is why splitting and writing take it as an
// argument instead of recomputing it.
//
// Content of type `type` comes in two forms: as decoded (an owned type_desc: kind + node name),
// and once integrated (the index of the doc-owned branch).
//
// Thread safety: none. Lifetime: owns its heap payload; movable, not copyable (clone() copies).
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "crdt/ids.hpp"
#include "yws/crdt/doc.hpp"
#include "yws/encoding/any.hpp"
#include "yws/encoding/encoder.hpp"

namespace yws::crdt::detail {

// Values equal the wire's content refs (spec 2.3); none marks a GC struct (no content).
enum class content_tag : std::uint8_t {
  none = 0,
  deleted = 1,
  json = 2,
  binary = 3,
  string = 4,
  embed = 5,
  format = 6,
  type = 7,
  any = 8,
  doc = 9,
};

// A format mark. Its value lives in a shared object because Yjs compares attribute values with
// `===`: format items made from one JavaScript object (a negated attribute restored after an
// insert, one attribute object applied at several places) hold that same object, and only they
// compare equal when the value is an object. `value` refers to `*shared`.
struct format_content {
  format_content(std::string k, std::shared_ptr<const encoding::any> v)
      : key(std::move(k)), shared(std::move(v)), value(*shared) {}
  format_content(const format_content&) = delete;
  format_content& operator=(const format_content&) = delete;
  std::string key;
  std::shared_ptr<const encoding::any> shared;
  const encoding::any& value;
};

// A subdocument reference: its guid and the options object as Yjs re-encodes it.
struct subdoc_content {
  std::string guid;
  encoding::any opts;
};

// A decoded ContentType before integration: the type ref and, for xml_element / xml_hook, the
// node or hook name.
struct type_desc {
  type_kind kind = type_kind::undefined;
  std::string name;
};

class content {
 public:
  content() noexcept = default;
  ~content() { reset(); }
  content(content&& o) noexcept { steal(o); }
  content& operator=(content&& o) noexcept {
    if (this != &o) {
      reset();
      steal(o);
    }
    return *this;
  }
  content(const content&) = delete;
  content& operator=(const content&) = delete;

  static content make_deleted();
  // Requires: `utf8` well-formed and not empty.
  static content make_string(std::string_view utf8);
  static content make_any(encoding::any_array values);
  static content make_json(encoding::any_array values);
  static content make_binary(encoding::bytes b);
  static content make_embed(encoding::any v);
  static content make_format(std::string key, encoding::any v);
  // A format item holding the very value object `v` (see format_content).
  static content make_format(std::string key, std::shared_ptr<const encoding::any> v);
  static content make_type_desc(type_kind kind, std::string name);
  static content make_type(branch_index b);
  static content make_subdoc(std::string guid, encoding::any opts);

  content_tag tag() const noexcept { return tag_; }
  bool empty() const noexcept { return tag_ == content_tag::none; }
  // Yjs isCountable(): everything but deleted content and format marks.
  bool countable() const noexcept {
    return tag_ != content_tag::deleted && tag_ != content_tag::format && tag_ != content_tag::none;
  }
  // Content kinds whose items can be split and merged (length may exceed 1).
  bool splittable() const noexcept {
    return tag_ == content_tag::string || tag_ == content_tag::any || tag_ == content_tag::json ||
           tag_ == content_tag::deleted;
  }

  std::string_view str() const noexcept;                // string
  const encoding::any_array& values() const noexcept;   // any, json
  const encoding::bytes& binary() const noexcept;       // binary
  const encoding::any& embed() const noexcept;          // embed
  const format_content& format() const noexcept;        // format
  bool is_type_desc() const noexcept { return tag_ == content_tag::type && aux_ == 1; }
  const type_desc& desc() const noexcept;               // type, as decoded
  branch_index type_branch() const noexcept;            // type, integrated
  const subdoc_content& subdoc() const noexcept;        // doc

  // Splits at `offset` (clock units) a content of `length` units: this keeps [0, offset), the
  // result holds the rest. A string split inside a surrogate pair gets U+FFFD on both sides, as
  // Yjs' ContentString.splice does. Requires: splittable() and 0 < offset < length.
  content splice(std::uint32_t offset, std::uint32_t length);
  // Yjs content mergeWith: appends `right` (same tag, splittable). Returns false otherwise.
  bool merge(content&& right);
  // A deep copy (used where Yjs shares immutable content between two structs).
  content clone() const;

  // Writes the content from clock offset `offset` (v1). Requires: not an integrated type (the
  // caller writes those from the branch, see write_type_ref).
  void write(encoding::encoder& enc, std::uint32_t offset, std::uint32_t length) const;

  // Appends UTF-8 to a string content (local typing; merges of runs).
  void append_string(std::string_view utf8);

 private:
  struct string_heap {
    std::uint32_t size;
    std::uint32_t capacity;
    char* data() noexcept { return reinterpret_cast<char*>(this + 1); }
  };
  static constexpr std::uint8_t heap_string = 0xFF;
  static constexpr std::size_t inline_capacity = 8;

  template <class T>
  T* ptr() const noexcept {
    T* p;
    std::memcpy(&p, payload_, sizeof p);
    return p;
  }
  void set_ptr(const void* p) noexcept { std::memcpy(payload_, &p, sizeof p); }
  void steal(content& o) noexcept {
    std::memcpy(payload_, o.payload_, sizeof payload_);
    tag_ = o.tag_;
    aux_ = o.aux_;
    o.tag_ = content_tag::none;
    o.aux_ = 0;
  }
  void reset() noexcept;
  static content make_values(content_tag tag, encoding::any_array values);
  void assign_string(std::string_view a, std::string_view b);
  static content string_of(std::string_view a, std::string_view b);

  unsigned char payload_[8] = {};
  content_tag tag_ = content_tag::none;
  std::uint8_t aux_ = 0;
};

static_assert(sizeof(content) == 10 && alignof(content) == 1, "content must stay 10 bytes, byte-aligned");

// Writes a ContentType payload (type ref, then the name for xml_element and xml_hook).
void write_type_ref(encoding::encoder& enc, type_kind kind, std::string_view name);

// JavaScript truthiness of a value (used to normalise subdocument options as Yjs does).
bool js_truthy(const encoding::any& v) noexcept;

// The options object Yjs writes for a received subdocument (ContentDoc constructor): only
// gc:false, autoLoad:true and meta are kept, in that order.
encoding::any normalize_subdoc_opts(const encoding::any& opts);

}  // namespace yws::crdt::detail
