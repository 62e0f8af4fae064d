// yws/net/upstream.hpp: rooms kept in sync with another server (pycrdt-websocket 0.16's
// multi-server replication through its provider_factory).
//
//   yws::net::server_hooks hooks;
//   hooks.upstream_provider_factory = yws::net::make_upstream_factory("ws://hub:1234");
//   yws::net::server srv(opts, std::move(hooks));
//
// Each room, when it is set up, gets a net::provider to <base>/<room name> running on the room's
// own strand: every update the room's doc gets from its clients goes upstream, and every update
// from upstream is applied to the room's doc (with the provider as origin), so the room
// broadcasts it to its clients like any other. Only the document is replicated, not awareness.
//
// Thread safety: the factory may be called from any room's executor; each provider runs on its
// room's. Lifetime: a provider is closed (awareness goodbye, close 1000, bounded by
// close_timeout) when its room unloads and touches the room's doc no more.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "yws/net/hooks.hpp"
#include "yws/net/provider.hpp"

namespace yws::net {

using upstream_factory = std::function<std::unique_ptr<upstream_provider>(room_access&)>;

// `base_url`: ws://host:port[/prefix]; a room named r syncs with base_url/r (percent-encoded).
// Check it first with parse_ws_url: with a bad URL every room logs an error and stays local.
upstream_factory make_upstream_factory(std::string base_url, provider_options opts = {});

}  // namespace yws::net
