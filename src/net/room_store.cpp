#include "net/room_store.hpp"

#include <spdlog/logger.h>

#include "net/log_fields.hpp"

namespace yws::net::detail {

namespace asio = boost::asio;

namespace {

// Applies what the store holds for the room to `doc`. An update that does not apply means the
// stored data is not what was appended: the room must not be served.
std::error_code apply_stored(crdt::doc& doc, const store::stored_doc& stored) {
  if (!stored.snapshot.empty()) {
    if (auto ok = crdt::apply_update_v1(doc, stored.snapshot); !ok) return ok.error();
  }
  for (const auto& u : stored.tail) {
    if (auto ok = crdt::apply_update_v1(doc, u); !ok) return ok.error();
  }
  return {};
}

bool over(std::uint64_t value, std::uint64_t bound) noexcept { return bound != 0 && value >= bound; }

}  // namespace

store_channel::store_channel(store_pool& pool, std::string room)
    : pool_(pool), room_(std::move(room)), strand_(asio::make_strand(pool.pool().get_executor())) {}

void store_channel::load(std::shared_ptr<store_sink> sink, std::unique_ptr<crdt::doc> doc) {
  pool_.post(strand_, [self = shared_from_this(), sink = std::move(sink), doc = std::move(doc)]() mutable {
    auto& s = self->pool_.store();
    std::error_code ec;
    if (auto stored = s.load(self->room_); !stored) {
      ec = stored.error();
    } else {
      ec = apply_stored(*doc, *stored);
    }
    if (!ec) {
      if (auto st = s.stats(self->room_)) {
        {
          std::lock_guard lock(self->mu_);
          self->stats_ = *st;
          self->stats_known_ = true;
        }
        self->note_appended(0, 0);  // a room stored past the bounds is compacted at once
      }
    }
    sink->on_loaded(std::move(doc), ec);
  });
}

void store_channel::append(std::shared_ptr<store_sink> sink, pending_update u) {
  bool post = false;
  {
    std::lock_guard lock(mu_);
    pending_.push_back({std::move(sink), std::move(u)});
    post = !write_posted_;
    write_posted_ = true;
  }
  if (post) pool_.post(strand_, [self = shared_from_this()] { self->write_batch(); });
}

void store_channel::write_batch() {
  std::vector<entry> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(pending_);
    write_posted_ = false;
  }
  // A room whose append failed is closing: what it captured after is not stored either, so the
  // store never holds an update whose predecessors of the same room were lost.
  std::erase_if(batch, [](const entry& e) { return e.sink->append_failed.load(std::memory_order_acquire); });
  if (batch.empty()) return;
  std::vector<store::append_record> records;
  records.reserve(batch.size());
  std::uint64_t bytes = 0;
  for (const auto& e : batch) {
    records.push_back({.update = e.update.update(), .metadata = {}, .timestamp = std::nullopt});
    bytes += e.update.update_size;
  }
  const auto appended = pool_.store().append_batch(room_, records);
  const std::error_code ec = appended ? std::error_code() : appended.error();
  if (ec) {
    pool_.log().error("msg=\"store append failed\" room={} updates={} error={}", quoted(room_), batch.size(),
                      quoted(ec.message()));
  }
  // Back to each room object, in capture order (normally all of the batch belongs to one).
  std::size_t i = 0;
  while (i < batch.size()) {
    auto sink = batch[i].sink;
    std::vector<pending_update> group;
    for (; i < batch.size() && batch[i].sink == sink; ++i) group.push_back(std::move(batch[i].update));
    if (ec) sink->append_failed.store(true, std::memory_order_release);
    sink->on_appended(std::move(group), ec);
  }
  if (!ec) note_appended(records.size(), bytes);
}

void store_channel::flush() {
  pool_.post(strand_, [self = shared_from_this()] {
    if (auto ok = self->pool_.store().flush(); !ok) {
      self->pool_.log().error("msg=\"store flush failed\" room={} error={}", quoted(self->room_),
                              quoted(ok.error().message()));
    }
  });
}

void store_channel::note_appended(std::uint64_t records, std::uint64_t bytes) {
  const auto& o = pool_.options();
  {
    std::lock_guard lock(mu_);
    stats_.records += records;
    stats_.bytes += bytes;
    if (compacting_ || !stats_known_ || !(over(stats_.records, o.compact_records) || over(stats_.bytes, o.compact_bytes)))
      return;
    if (!pool_.try_begin_compaction()) return;  // the next append asks again
    compacting_ = true;
  }
  // Off the channel's strand: appends go on while the merge runs (the store allows it).
  pool_.post(pool_.pool().get_executor(), [self = shared_from_this()] { self->compact(); });
}

void store_channel::compact() {
  auto done = pool_.store().compact(room_);
  pool_.end_compaction();
  std::lock_guard lock(mu_);
  compacting_ = false;
  if (done) {
    pool_.log().info("msg=\"room compacted\" room={} records_before={} records_after={} bytes_before={} bytes_after={}",
                     quoted(room_), done->before.records, done->after.records, done->before.bytes, done->after.bytes);
    // Appends that ran meanwhile were counted into stats_ too; the store's figure includes them.
    stats_ = done->after;
  } else {
    // Typically errc::rejected (the room was removed or replaced meanwhile). Try again only after
    // as much history again, so a failing compaction does not run on every append.
    pool_.log().warn("msg=\"room compaction failed\" room={} error={}", quoted(room_), quoted(done.error().message()));
    stats_ = {};
  }
}

store_pool::store_pool(const storage_options& opts, spdlog::logger& log)
    : opts_(opts), log_(log), pool_(opts.threads) {}

store_pool::~store_pool() {
  pool_.stop();
  pool_.join();
}

std::shared_ptr<store_channel> store_pool::channel(std::string_view room) {
  std::lock_guard lock(mu_);
  auto& slot = channels_[std::string(room)];
  auto c = slot.lock();
  if (!c) {
    c = std::make_shared<store_channel>(*this, std::string(room));
    slot = c;
  }
  // Forget names whose channel is gone, so the map does not grow with every room ever opened.
  if (++lookups_ % 256 == 0) {
    std::erase_if(channels_, [](const auto& kv) { return kv.second.expired(); });
  }
  return c;
}

bool store_pool::try_begin_compaction() noexcept {
  const unsigned limit = opts_.threads > 1 ? opts_.threads - 1 : 1;
  unsigned running = compactions_.load();
  do {
    if (running >= limit) return false;
  } while (!compactions_.compare_exchange_weak(running, running + 1));
  return true;
}

void store_pool::end_compaction() noexcept { compactions_.fetch_sub(1); }

void store_pool::task_started() {
  std::lock_guard lock(mu_);
  ++outstanding_;
}

void store_pool::task_done() noexcept {
  std::lock_guard lock(mu_);
  if (--outstanding_ == 0) idle_.notify_all();
}

void store_pool::task_failed() noexcept {
  try {
    log_.error("msg=\"exception in a store task\"");
  } catch (...) {
  }
}

bool store_pool::drain_and_join(std::chrono::steady_clock::time_point deadline) {
  bool drained = false;
  {
    std::unique_lock lock(mu_);
    drained = idle_.wait_until(lock, deadline, [&] { return outstanding_ == 0; });
  }
  if (!drained) log_.warn("msg=\"shutdown: store work did not finish in time; waiting for the running calls\"");
  pool_.stop();  // tasks not yet started are dropped: their rooms are gone
  pool_.join();
  if (auto ok = opts_.store->flush(); !ok) {
    log_.error("msg=\"store flush failed at shutdown\" error={}", quoted(ok.error().message()));
    return false;
  }
  return drained;
}

}  // namespace yws::net::detail
