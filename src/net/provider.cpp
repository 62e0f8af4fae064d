#include "yws/net/provider.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/pchars.hpp>
#include <boost/url/url_view.hpp>

#include "net/provider_state.hpp"

namespace yws::net {

std::string_view to_string(provider_status s) noexcept {
  switch (s) {
    case provider_status::disconnected: return "disconnected";
    case provider_status::connecting: return "connecting";
    case provider_status::connected: return "connected";
    case provider_status::closed: return "closed";
  }
  return "unknown";
}

result<provider_endpoint> parse_ws_url(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return errc::invalid_argument;
  const boost::urls::url_view u = *parsed;
  if (u.scheme_id() != boost::urls::scheme::ws || !u.has_authority() || u.encoded_host().empty() ||
      u.has_userinfo() || u.has_fragment())
    return errc::invalid_argument;
  provider_endpoint ep;
  ep.host = u.host_address();
  ep.port = u.has_port() ? std::string(u.port()) : std::string("80");
  ep.host_header = std::string(u.encoded_host_and_port());
  ep.target = std::string(u.encoded_target());
  if (ep.target.empty() || ep.target.front() != '/') ep.target.insert(0, "/");
  return ep;
}

std::string room_url(std::string_view base, std::string_view room) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  std::string out(base);
  out += '/';
  out += boost::urls::encode(room, boost::urls::pchars);
  return out;
}

provider::provider(boost::asio::any_io_executor executor, crdt::doc& doc, std::string url, provider_options opts)
    : executor_(executor),
      state_(std::make_shared<detail::provider_state>(std::move(executor), doc, std::move(url), std::move(opts))) {}

provider::~provider() {
  // The user's callbacks may refer to objects that die with the provider.
  state_->on_synced = nullptr;
  state_->on_status = nullptr;
  if (!state_->closing()) state_->abort();
}

result<void> provider::start() { return state_->start(); }
void provider::close(std::function<void()> done) { state_->close(std::move(done)); }
void provider::abort() { state_->abort(); }
provider_status provider::status() const noexcept { return state_->status(); }
bool provider::synced() const noexcept { return state_->synced(); }
unsigned provider::failures() const noexcept { return state_->failures(); }
void provider::set_on_synced(std::function<void(bool)> fn) { state_->on_synced = std::move(fn); }
void provider::set_on_status(std::function<void(provider_status)> fn) { state_->on_status = std::move(fn); }
void provider::flush(std::function<void(bool)> done) { state_->flush(std::move(done)); }
protocol::awareness& provider::awareness() noexcept { return state_->awareness(); }
crdt::origin provider::origin() const noexcept { return state_.get(); }

}  // namespace yws::net
