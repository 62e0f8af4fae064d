// Y.Text: the local editing API (YText.js insert / insertEmbed / delete / format / toDelta).
#include "crdt/text_ops.hpp"
#include "crdt/transaction.hpp"
#include "crdt/utf16.hpp"
#include "yws/crdt/doc.hpp"

namespace yws::crdt {

using detail::content;
using detail::transaction;

std::uint32_t text::length() const { return branch_->length; }

void text::insert(std::uint32_t index, std::string_view utf8, const encoding::any_object& attributes) {
  std::string s = detail::sanitize_utf8(utf8);
  if (s.empty()) return;
  detail::transact(*doc_, [&](transaction& tr) {
    // Without attributes the text inherits those at the position, and search markers may be used.
    detail::text_position pos = detail::find_position(*doc_, tr, *branch_, index, attributes.empty());
    detail::attr_map attrs = attributes.empty() ? pos.current : detail::attrs_from_object(attributes);
    detail::insert_text(*doc_, tr, *branch_, pos, content::make_string(s), std::move(attrs));
  });
}

void text::insert_embed(std::uint32_t index, const encoding::any& embed, const encoding::any_object& attributes) {
  detail::transact(*doc_, [&](transaction& tr) {
    detail::text_position pos = detail::find_position(*doc_, tr, *branch_, index, attributes.empty());
    // Yjs passes `attributes || {}`: an embed never inherits formatting.
    detail::insert_text(*doc_, tr, *branch_, pos, content::make_embed(embed), detail::attrs_from_object(attributes));
  });
}

void text::erase(std::uint32_t index, std::uint32_t length) {
  if (length == 0) return;
  detail::transact(*doc_, [&](transaction& tr) {
    detail::text_position pos = detail::find_position(*doc_, tr, *branch_, index, true);
    detail::delete_text(*doc_, tr, pos, length);
  });
}

void text::format(std::uint32_t index, std::uint32_t length, const encoding::any_object& attributes) {
  if (length == 0) return;
  detail::transact(*doc_, [&](transaction& tr) {
    detail::text_position pos = detail::find_position(*doc_, tr, *branch_, index, false);
    if (pos.right == nullptr) return;
    detail::format_text(*doc_, tr, *branch_, pos, length, detail::attrs_from_object(attributes));
  });
}

std::string text::to_string() const { return detail::text_to_string(*branch_); }

encoding::any text::to_delta() const { return detail::text_to_delta(*doc_, *branch_); }

}  // namespace yws::crdt
