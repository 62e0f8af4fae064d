#include "crdt/content.hpp"

#include <algorithm>
#include <new>
#include <stdexcept>

#include "crdt/utf16.hpp"
#include "yws/encoding/json.hpp"

namespace yws::crdt::detail {

namespace {
// memcpy that accepts the null pointer of an empty string_view.
void copy_bytes(void* dst, const void* src, std::size_t n) noexcept {
  if (n != 0) std::memcpy(dst, src, n);
}
}  // namespace

content content::make_deleted() {
  content c;
  c.tag_ = content_tag::deleted;
  return c;
}

content content::make_string(std::string_view utf8) { return string_of(utf8, {}); }

content content::string_of(std::string_view a, std::string_view b) {
  content c;
  c.tag_ = content_tag::string;
  c.aux_ = 0;
  c.assign_string(a, b);
  return c;
}

void content::assign_string(std::string_view a, std::string_view b) {
  const std::size_t n = a.size() + b.size();
  if (n > UINT32_MAX) throw std::length_error("string content too long");
  if (n <= inline_capacity) {
    // Copy through a temporary: a or b may point into our own payload.
    char tmp[inline_capacity];
    copy_bytes(tmp, a.data(), a.size());
    copy_bytes(tmp + a.size(), b.data(), b.size());
    if (aux_ == heap_string) ::operator delete(ptr<string_heap>());
    copy_bytes(payload_, tmp, n);
    aux_ = static_cast<std::uint8_t>(n);
    return;
  }
  const auto cap = static_cast<std::uint32_t>(n);
  auto* h = static_cast<string_heap*>(::operator new(sizeof(string_heap) + cap));
  h->size = cap;
  h->capacity = cap;
  copy_bytes(h->data(), a.data(), a.size());
  copy_bytes(h->data() + a.size(), b.data(), b.size());
  if (aux_ == heap_string) ::operator delete(ptr<string_heap>());
  set_ptr(h);
  aux_ = heap_string;
}

void content::append_string(std::string_view utf8) {
  if (aux_ != heap_string) {
    const std::string_view cur = str();
    if (cur.size() + utf8.size() <= inline_capacity) {
      copy_bytes(payload_ + cur.size(), utf8.data(), utf8.size());
      aux_ = static_cast<std::uint8_t>(cur.size() + utf8.size());
      return;
    }
    // Move to the heap with room to grow: typing appends one character at a time.
    const std::size_t n = cur.size() + utf8.size();
    const std::size_t cap = std::max<std::size_t>(n * 2, 32);
    auto* h = static_cast<string_heap*>(::operator new(sizeof(string_heap) + cap));
    h->size = static_cast<std::uint32_t>(n);
    h->capacity = static_cast<std::uint32_t>(cap);
    copy_bytes(h->data(), cur.data(), cur.size());
    copy_bytes(h->data() + cur.size(), utf8.data(), utf8.size());
    set_ptr(h);
    aux_ = heap_string;
    return;
  }
  string_heap* h = ptr<string_heap>();
  const std::size_t n = std::size_t{h->size} + utf8.size();
  if (n > UINT32_MAX) throw std::length_error("string content too long");
  if (n > h->capacity) {
    const std::size_t cap = std::min<std::size_t>(std::max<std::size_t>(n, std::size_t{h->capacity} * 2), UINT32_MAX);
    auto* g = static_cast<string_heap*>(::operator new(sizeof(string_heap) + cap));
    g->size = h->size;
    g->capacity = static_cast<std::uint32_t>(cap);
    copy_bytes(g->data(), h->data(), h->size);
    ::operator delete(h);
    h = g;
    set_ptr(h);
  }
  copy_bytes(h->data() + h->size, utf8.data(), utf8.size());
  h->size = static_cast<std::uint32_t>(n);
}

content content::make_values(content_tag tag, encoding::any_array values) {
  content c;
  c.tag_ = tag;
  c.set_ptr(new encoding::any_array(std::move(values)));
  return c;
}

content content::make_any(encoding::any_array values) { return make_values(content_tag::any, std::move(values)); }
content content::make_json(encoding::any_array values) { return make_values(content_tag::json, std::move(values)); }

content content::make_binary(encoding::bytes b) {
  content c;
  c.tag_ = content_tag::binary;
  c.set_ptr(new encoding::bytes(std::move(b)));
  return c;
}

content content::make_embed(encoding::any v) {
  content c;
  c.tag_ = content_tag::embed;
  c.set_ptr(new encoding::any(std::move(v)));
  return c;
}

content content::make_format(std::string key, encoding::any v) {
  return make_format(std::move(key), std::make_shared<const encoding::any>(std::move(v)));
}

content content::make_format(std::string key, std::shared_ptr<const encoding::any> v) {
  content c;
  c.tag_ = content_tag::format;
  c.set_ptr(new format_content(std::move(key), std::move(v)));
  return c;
}

content content::make_type_desc(type_kind kind, std::string name) {
  content c;
  c.tag_ = content_tag::type;
  c.aux_ = 1;
  c.set_ptr(new type_desc{kind, std::move(name)});
  return c;
}

content content::make_type(branch_index b) {
  content c;
  c.tag_ = content_tag::type;
  c.aux_ = 0;
  std::memcpy(c.payload_, &b, sizeof b);
  return c;
}

content content::make_subdoc(std::string guid, encoding::any opts) {
  content c;
  c.tag_ = content_tag::doc;
  c.set_ptr(new subdoc_content{std::move(guid), std::move(opts)});
  return c;
}

void content::reset() noexcept {
  switch (tag_) {
    case content_tag::string:
      if (aux_ == heap_string) ::operator delete(ptr<string_heap>());
      break;
    case content_tag::any:
    case content_tag::json: delete ptr<encoding::any_array>(); break;
    case content_tag::binary: delete ptr<encoding::bytes>(); break;
    case content_tag::embed: delete ptr<encoding::any>(); break;
    case content_tag::format: delete ptr<format_content>(); break;
    case content_tag::type:
      if (aux_ == 1) delete ptr<type_desc>();
      break;
    case content_tag::doc: delete ptr<subdoc_content>(); break;
    case content_tag::none:
    case content_tag::deleted: break;
  }
  tag_ = content_tag::none;
  aux_ = 0;
}

std::string_view content::str() const noexcept {
  if (aux_ == heap_string) {
    string_heap* h = ptr<string_heap>();
    return {h->data(), h->size};
  }
  return {reinterpret_cast<const char*>(payload_), aux_};
}

const encoding::any_array& content::values() const noexcept { return *ptr<encoding::any_array>(); }
const encoding::bytes& content::binary() const noexcept { return *ptr<encoding::bytes>(); }
const encoding::any& content::embed() const noexcept { return *ptr<encoding::any>(); }
const format_content& content::format() const noexcept { return *ptr<format_content>(); }
const type_desc& content::desc() const noexcept { return *ptr<type_desc>(); }
const subdoc_content& content::subdoc() const noexcept { return *ptr<subdoc_content>(); }

branch_index content::type_branch() const noexcept {
  branch_index b;
  std::memcpy(&b, payload_, sizeof b);
  return b;
}

content content::splice(std::uint32_t offset, std::uint32_t length) {
  switch (tag_) {
    case content_tag::deleted: return make_deleted();
    case content_tag::any:
    case content_tag::json: {
      auto& v = *ptr<encoding::any_array>();
      encoding::any_array right(std::make_move_iterator(v.begin() + offset), std::make_move_iterator(v.end()));
      v.resize(offset);
      return make_values(tag_, std::move(right));
    }
    case content_tag::string: {
      const std::string_view s = str();
      const utf16_position pos = find_utf16_offset(s, offset, s.size() == length);
      if (!pos.inside_pair) {
        content right = make_string(s.substr(pos.byte));
        assign_string(s.substr(0, pos.byte), {});
        return right;
      }
      // Yjs (#248): both halves of the broken pair become U+FFFD, lengths unchanged.
      content right = string_of(replacement_char, s.substr(pos.pair_end));
      assign_string(s.substr(0, pos.byte), replacement_char);
      return right;
    }
    default: throw std::logic_error("content::splice on unsplittable content");
  }
}

bool content::merge(content&& right) {
  if (right.tag_ != tag_) return false;
  switch (tag_) {
    case content_tag::deleted: return true;
    case content_tag::string: append_string(right.str()); return true;
    case content_tag::any:
    case content_tag::json: {
      auto& l = *ptr<encoding::any_array>();
      auto& r = *right.ptr<encoding::any_array>();
      l.insert(l.end(), std::make_move_iterator(r.begin()), std::make_move_iterator(r.end()));
      return true;
    }
    default: return false;
  }
}

content content::clone() const {
  switch (tag_) {
    case content_tag::none: return {};
    case content_tag::deleted: return make_deleted();
    case content_tag::string: return make_string(str());
    case content_tag::any: return make_any(values());
    case content_tag::json: return make_json(values());
    case content_tag::binary: return make_binary(binary());
    case content_tag::embed: return make_embed(embed());
    case content_tag::format: return make_format(format().key, format().value);
    case content_tag::type: return is_type_desc() ? make_type_desc(desc().kind, desc().name) : make_type(type_branch());
    case content_tag::doc: return make_subdoc(subdoc().guid, subdoc().opts);
  }
  return {};
}

namespace {

std::string stringify(const encoding::any& v) { return encoding::to_json(v); }

}  // namespace

void content::write(encoding::encoder& enc, std::uint32_t offset, std::uint32_t length) const {
  switch (tag_) {
    case content_tag::none: break;
    case content_tag::deleted: enc.write_var_uint(length - offset); break;
    case content_tag::json: {
      const auto& v = values();
      enc.write_var_uint(v.size() - offset);
      for (std::size_t i = offset; i < v.size(); ++i) {
        // ContentJSON writes the literal `undefined` for undefined entries.
        enc.write_var_string(v[i].is_undefined() ? std::string("undefined") : stringify(v[i]));
      }
      break;
    }
    case content_tag::binary: enc.write_var_bytes(binary()); break;
    case content_tag::string: {
      const std::string_view s = str();
      if (offset == 0) {
        enc.write_var_string(s);
        break;
      }
      // str.slice(offset): a lone low surrogate at the start is written as U+FFFD by TextEncoder.
      const utf16_position pos = find_utf16_offset(s, offset, s.size() == length);
      if (!pos.inside_pair) {
        enc.write_var_string(s.substr(pos.byte));
      } else {
        std::string tmp(replacement_char);
        tmp.append(s.substr(pos.pair_end));
        enc.write_var_string(tmp);
      }
      break;
    }
    case content_tag::embed: enc.write_var_string(stringify(embed())); break;
    case content_tag::format:
      enc.write_var_string(format().key);
      enc.write_var_string(stringify(format().value));
      break;
    case content_tag::type:
      if (!is_type_desc()) throw std::logic_error("content::write of an integrated type");
      write_type_ref(enc, desc().kind, desc().name);
      break;
    case content_tag::any: {
      const auto& v = values();
      enc.write_var_uint(v.size() - offset);
      for (std::size_t i = offset; i < v.size(); ++i) enc.write_any(v[i]);
      break;
    }
    case content_tag::doc:
      enc.write_var_string(subdoc().guid);
      enc.write_any(subdoc().opts);
      break;
  }
}

void write_type_ref(encoding::encoder& enc, type_kind kind, std::string_view name) {
  enc.write_var_uint(static_cast<std::uint8_t>(kind));
  if (kind == type_kind::xml_element || kind == type_kind::xml_hook) enc.write_var_string(name);
}

bool js_truthy(const encoding::any& v) noexcept {
  using k = encoding::any::kind;
  switch (v.type()) {
    case k::undefined:
    case k::null: return false;
    case k::boolean: return v.as_bool();
    case k::number: {
      const double d = v.as_number();
      return d == d && d != 0;  // NaN, 0 and -0 are falsy
    }
    case k::bigint: return v.as_bigint() != 0;
    case k::string: return !v.as_string().empty();
    default: return true;
  }
}

encoding::any normalize_subdoc_opts(const encoding::any& opts) {
  // new Doc({ guid, ...opts }) then ContentDoc's constructor: gc defaults to true, autoLoad to
  // false, meta to null (a default applies only to undefined).
  encoding::any_object out;
  const encoding::any* gc = opts.find("gc");
  if (gc != nullptr && !gc->is_undefined() && !js_truthy(*gc)) out.emplace_back("gc", false);
  const encoding::any* auto_load = opts.find("autoLoad");
  if (auto_load != nullptr && js_truthy(*auto_load)) out.emplace_back("autoLoad", true);
  const encoding::any* meta = opts.find("meta");
  if (meta != nullptr && !meta->is_undefined() && !meta->is_null()) out.emplace_back("meta", *meta);
  return encoding::any(std::move(out));
}

}  // namespace yws::crdt::detail
