#include "yws/net/provider_blocking.hpp"

#include <future>

#include <boost/asio/post.hpp>

namespace yws::net {

namespace {

protocol::millis now() {
  return std::chrono::duration_cast<protocol::millis>(std::chrono::steady_clock::now().time_since_epoch());
}

}  // namespace

blocking_provider::blocking_provider(std::string url, provider_options opts, crdt::doc::options doc_opts)
    : strand_(boost::asio::make_strand(ioc_)), doc_(std::move(doc_opts)), close_timeout_(opts.close_timeout) {
  // Set up before the thread starts: nothing else touches the doc yet.
  provider_ = std::make_unique<provider>(strand_, doc_, std::move(url), std::move(opts));
  provider_->set_on_synced([this](bool s) {
    synced_.store(s);
    changed();
  });
  provider_->set_on_status([this](provider_status s) {
    status_.store(s);
    changed();
  });
  doc_sub_ = doc_.on_update([this](std::span<const std::uint8_t>, crdt::origin o) {
    if (on_update_) on_update_(doc_, o);
    changed();
  });
  awareness_sub_ = provider_->awareness().on_change([this](const protocol::awareness_changes&, protocol::origin) {
    if (on_awareness_change_) on_awareness_change_(provider_->awareness());
    changed();
  });
  work_.emplace(ioc_.get_executor());
  thread_running_.store(true);
  thread_ = std::thread([this] { ioc_.run(); });
  thread_id_ = thread_.get_id();
}

blocking_provider::~blocking_provider() {
  (void)close(close_timeout_ + std::chrono::seconds(1));
}

void blocking_provider::changed() {
  {
    std::lock_guard lock(mutex_);
    ++generation_;
  }
  cv_.notify_all();
}

void blocking_provider::run_on_thread(const std::function<void()>& fn) {
  if (!thread_running_.load() || std::this_thread::get_id() == thread_id_) {
    fn();
    return;
  }
  std::promise<void> done;
  auto future = done.get_future();
  boost::asio::post(strand_, [&] {
    try {
      fn();
      done.set_value();
    } catch (...) {
      done.set_exception(std::current_exception());
    }
  });
  // The thread runs until close(), which only this class calls: the wait ends.
  future.get();
}

result<void> blocking_provider::start() {
  return call([](provider& p, crdt::doc&) { return p.start(); });
}

bool blocking_provider::wait_synced(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mutex_);
  return cv_.wait_until(lock, deadline, [&] { return synced_.load() || status_.load() == provider_status::closed; }) &&
         synced_.load();
}

bool blocking_provider::wait_for(const std::function<bool(crdt::doc&)>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::uint64_t seen = 0;
    {
      std::lock_guard lock(mutex_);
      seen = generation_;
    }
    if (call([&](provider&, crdt::doc& d) { return pred(d); })) return true;
    std::unique_lock lock(mutex_);
    if (!cv_.wait_until(lock, deadline, [&] { return generation_ != seen; })) return false;
  }
}

bool blocking_provider::wait_for_awareness(const std::function<bool(const protocol::awareness&)>& pred,
                                           std::chrono::milliseconds timeout) {
  return wait_for([&](crdt::doc&) { return pred(provider_->awareness()); }, timeout);
}

bool blocking_provider::flush(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !wait_synced(left)) return false;
    auto answer = std::make_shared<std::promise<bool>>();
    auto future = answer->get_future();
    call([&](provider& p, crdt::doc&) { p.flush([answer](bool ok) { answer->set_value(ok); }); });
    if (future.wait_until(deadline) != std::future_status::ready) return false;
    if (future.get()) return true;
    // The connection was lost before the answer: wait for the next one and ask again.
  }
}

void blocking_provider::transact(const std::function<void(crdt::doc&)>& fn) {
  call([&](provider&, crdt::doc& d) { d.transact([&] { fn(d); }); });
}

encoding::any blocking_provider::to_json() {
  return call([](provider&, crdt::doc& d) { return d.to_json(); });
}

void blocking_provider::set_awareness(std::optional<encoding::any> state) {
  call([&](provider& p, crdt::doc&) { (void)p.awareness().set_local_state(std::move(state), now()); });
}

std::vector<std::pair<std::uint64_t, encoding::any>> blocking_provider::awareness_states() {
  return call([](provider& p, crdt::doc&) {
    std::vector<std::pair<std::uint64_t, encoding::any>> out;
    for (auto id : p.awareness().client_ids()) {
      if (const auto* s = p.awareness().state(id)) out.emplace_back(id, *s);
    }
    return out;
  });
}

bool blocking_provider::close(std::chrono::milliseconds timeout) {
  if (closed_) return true;
  closed_ = true;
  auto done = std::make_shared<std::promise<void>>();
  auto future = done->get_future();
  call([&](provider& p, crdt::doc&) { p.close([done] { done->set_value(); }); });
  const bool clean = future.wait_for(timeout) == std::future_status::ready;
  call([&](provider& p, crdt::doc&) {
    if (!clean) p.abort();
    doc_sub_.reset();
    awareness_sub_.reset();
  });
  // Nothing of ours is left to run once the provider closed (or was cut): stop the thread.
  work_.reset();
  ioc_.stop();
  thread_.join();
  thread_running_.store(false);
  status_.store(provider_status::closed);
  synced_.store(false);
  changed();
  return clean;
}

}  // namespace yws::net
