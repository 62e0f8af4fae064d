#include "crdt/update_merge.hpp"

#include <algorithm>

namespace yws::crdt::detail {

namespace {

// Yjs LazyStructReader over a decoded update.
class struct_reader {
 public:
  struct_reader(update_ir& u, bool filter_skips) {
    for (auto& b : u.blocks) {
      for (auto& s : b.structs) {
        if (!(filter_skips && s.kind == ir_kind::skip)) structs_.push_back(&s);
      }
    }
  }
  ir_struct* curr() const noexcept { return pos_ < structs_.size() ? structs_[pos_] : nullptr; }
  ir_struct* next() noexcept {
    ++pos_;
    return curr();
  }

 private:
  std::vector<ir_struct*> structs_;
  std::size_t pos_ = 0;
};

// Yjs LazyStructWriter: consecutive structs of one client form one block.
class block_writer {
 public:
  void write(ir_struct&& s) {
    if (blocks_.empty() || blocks_.back().client != s.client) blocks_.push_back(ir_block{s.client, s.clock, {}});
    blocks_.back().structs.push_back(std::move(s));
  }
  std::vector<ir_block> take() && { return std::move(blocks_); }

 private:
  std::vector<ir_block> blocks_;
};

// Moves a struct out of a reader; its clock, length, client and kind stay readable.
ir_struct take(ir_struct* s) { return std::move(*s); }

ir_struct make_skip(std::uint64_t client, std::uint32_t clock, std::uint32_t len) {
  ir_struct s;
  s.client = client;
  s.clock = clock;
  s.len = len;
  s.kind = ir_kind::skip;
  return s;
}

// Yjs sliceStruct: the part of `s` from `diff` on (the item's content is split, `s` keeps the
// left part of it, as ContentX.splice does).
ir_struct slice_struct(ir_struct& s, std::uint32_t diff) {
  ir_struct r = s.without_content();
  r.clock = s.clock + diff;
  r.len = s.len - diff;
  if (s.kind != ir_kind::item) return r;
  r.has_origin = true;
  r.origin = {s.client, s.clock + diff - 1};
  r.c = s.c.splice(diff, s.len);
  return r;
}

// mergeWith of structs read from updates: items never merge there (they have no `right`
// pointer), GC and Skip structs of the same kind do.
bool merge_with(ir_struct& left, const ir_struct& right) {
  if (left.kind == ir_kind::item || left.kind != right.kind) return false;
  left.len += right.len;
  return true;
}

// Yjs' comparator of struct readers in mergeUpdates: higher clients first, then lower clocks.
// At equal clocks it answers -1 whenever the kinds differ (a GC against an item), whichever side
// is asked first: the order then depends on how the sort calls it, see v8_sort.
int compare_readers(const struct_reader* a, const struct_reader* b) {
  const ir_struct& x = *a->curr();
  const ir_struct& y = *b->curr();
  if (x.client != y.client) return x.client < y.client ? 1 : -1;
  if (x.clock != y.clock) return x.clock < y.clock ? -1 : 1;
  if (x.kind == y.kind) return 0;
  return x.kind == ir_kind::skip ? 1 : -1;
}

// Array.prototype.sort as V8 runs it (TimSort) for fewer than 64 elements: one natural run from
// the start (a strictly descending one is reversed), extended by binary insertion. Which struct
// wins a tie between a GC and an item decides the merged bytes, so the call sequence matters.
// Longer arrays (never seen: one reader per merged update) use the same insertion sort.
template <class T, class Cmp>
void v8_sort(std::vector<T>& v, Cmp cmp) {
  const std::size_t n = v.size();
  if (n < 2) return;
  std::size_t run = 2;
  const bool descending = cmp(v[1], v[0]) < 0;
  for (; run < n; ++run) {
    const int order = cmp(v[run], v[run - 1]);
    if (descending ? order >= 0 : order < 0) break;
  }
  if (descending) std::reverse(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(run));
  for (std::size_t start = run; start < n; ++start) {
    T pivot = v[start];
    std::size_t left = 0;
    std::size_t right = start;
    while (left < right) {
      const std::size_t mid = left + ((right - left) >> 1);
      if (cmp(pivot, v[mid]) < 0) {
        right = mid;
      } else {
        left = mid + 1;
      }
    }
    for (std::size_t p = start; p > left; --p) v[p] = v[p - 1];
    v[left] = pivot;
  }
}

}  // namespace

ir_delete_set merge_delete_sets(std::vector<ir_delete_set> sets) {
  // Each client once, in order of first appearance, with the ranges of every set (sorted below).
  ds_builder builder;
  for (auto& set : sets) {
    for (auto& [client, dels] : set.clients) {
      auto& all = builder.ranges_of(client);
      all.insert(all.end(), dels.begin(), dels.end());
    }
  }
  ir_delete_set merged = std::move(builder).take();
  sort_and_merge(merged);
  return merged;
}

update_ir merge_updates(std::vector<update_ir> updates) {
  if (updates.size() == 1) return std::move(updates.front());
  std::vector<struct_reader> readers;
  readers.reserve(updates.size());
  for (auto& u : updates) readers.emplace_back(u, true);
  std::vector<struct_reader*> live;
  for (auto& r : readers) live.push_back(&r);

  block_writer out;
  std::optional<ir_struct> cw;  // Yjs currWrite
  while (true) {
    std::erase_if(live, [](const struct_reader* r) { return r->curr() == nullptr; });
    // The order persists between rounds (Yjs sorts its decoder array in place).
    v8_sort(live, compare_readers);
    if (live.empty()) break;
    struct_reader& cur = *live.front();
    const std::uint64_t first_client = cur.curr()->client;

    if (cw) {
      ir_struct* c = cur.curr();
      bool iterated = false;
      // Skip what was already written (higher clients are written first).
      while (c != nullptr && std::uint64_t{c->clock} + c->len <= std::uint64_t{cw->clock} + cw->len &&
             c->client >= cw->client) {
        c = cur.next();
        iterated = true;
      }
      if (c == nullptr || c->client != first_client || (iterated && c->clock > cw->end())) continue;
      if (first_client != cw->client) {
        out.write(std::move(*cw));
        cw = take(c);
        cur.next();
      } else if (cw->end() < c->clock) {
        if (cw->kind == ir_kind::skip) {
          cw->len = c->end() - cw->clock;  // extend the existing Skip
        } else {
          const std::uint32_t gap_start = cw->end();
          out.write(std::move(*cw));
          cw = make_skip(first_client, gap_start, c->clock - gap_start);
        }
      } else {
        const std::uint32_t diff = cw->end() - c->clock;
        std::optional<ir_struct> sliced;
        ir_struct* cc = c;
        if (diff > 0) {
          if (cw->kind == ir_kind::skip && diff >= cw->len) {
            // Only out-of-order (hostile) input gets here; Yjs would write a negative length.
            cw = take(c);
            cur.next();
            cc = nullptr;
          } else if (cw->kind == ir_kind::skip) {
            cw->len -= diff;  // prefer slicing the Skip: the other struct carries more information
          } else {
            sliced = slice_struct(*c, diff);
            cc = &*sliced;
          }
        }
        if (cc != nullptr && !merge_with(*cw, *cc)) {
          out.write(std::move(*cw));
          cw = take(cc);
          cur.next();
        }
      }
    } else {
      cw = take(cur.curr());
      cur.next();
    }
    for (ir_struct* n = cur.curr();
         n != nullptr && n->client == first_client && n->clock == cw->end() && n->kind != ir_kind::skip;
         n = cur.next()) {
      out.write(std::move(*cw));
      cw = take(n);
    }
  }
  if (cw) out.write(std::move(*cw));

  update_ir result;
  result.blocks = std::move(out).take();
  std::vector<ir_delete_set> sets;
  for (auto& u : updates) sets.push_back(std::move(u.ds));
  result.ds = merge_delete_sets(std::move(sets));
  return result;
}

update_ir diff_update(update_ir u, const std::function<std::uint32_t(std::uint64_t)>& sv) {
  struct_reader reader(u, false);
  block_writer out;
  while (ir_struct* c = reader.curr()) {
    const std::uint64_t client = c->client;
    const std::uint32_t sv_clock = sv(client);
    if (c->kind == ir_kind::skip) {
      reader.next();  // the first written struct must not be a Skip
      continue;
    }
    if (c->end() > sv_clock) {
      out.write(sv_clock > c->clock ? slice_struct(*c, sv_clock - c->clock) : take(c));
      reader.next();
      while (reader.curr() != nullptr && reader.curr()->client == client) {
        out.write(take(reader.curr()));
        reader.next();
      }
    } else {
      while (reader.curr() != nullptr && reader.curr()->client == client && reader.curr()->end() <= sv_clock) {
        reader.next();
      }
    }
  }
  update_ir result;
  result.blocks = std::move(out).take();
  result.ds = std::move(u.ds);
  return result;
}

update_ir clone(const update_ir& u) {
  update_ir r;
  r.ds = u.ds;
  for (const auto& b : u.blocks) {
    ir_block nb{b.client, b.clock, {}};
    for (const auto& s : b.structs) {
      ir_struct t = s.without_content();
      t.c = s.c.clone();
      nb.structs.push_back(std::move(t));
    }
    r.blocks.push_back(std::move(nb));
  }
  return r;
}

std::optional<update_ir> roundtrip(const update_ir& u) {
  const std::vector<std::uint8_t> bytes = encode_update_v1(u);
  auto decoded = decode_update_v1(bytes);
  if (!decoded) return std::nullopt;
  return std::move(*decoded);
}

}  // namespace yws::crdt::detail
