#include "yws/net/metrics.hpp"

#include <fmt/format.h>

#include "net/metrics_counters.hpp"

namespace yws::net {

std::string_view to_string(close_reason r) noexcept {
  switch (r) {
    case close_reason::client_closed: return "client_closed";
    case close_reason::connection_lost: return "connection_lost";
    case close_reason::idle_timeout: return "idle_timeout";
    case close_reason::server_shutdown: return "server_shutdown";
    case close_reason::room_closed: return "room_closed";
    case close_reason::room_error: return "room_error";
    case close_reason::overflow: return "overflow";
    case close_reason::message_too_big: return "message_too_big";
    case close_reason::protocol_error: return "protocol_error";
    case close_reason::unsupported_data: return "unsupported_data";
  }
  return "unknown";
}

namespace {

void metric(std::string& out, std::string_view name, std::string_view type, std::string_view help,
            std::uint64_t value) {
  fmt::format_to(std::back_inserter(out), "# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help, type, value);
}

}  // namespace

std::string to_prometheus(const metrics_snapshot& m) {
  std::string out;
  out.reserve(2048);
  metric(out, "yws_connections", "gauge", "Open WebSocket sessions.", m.connections);
  metric(out, "yws_connections_total", "counter", "WebSocket sessions opened.", m.connections_total);
  metric(out, "yws_rooms", "gauge", "Loaded rooms.", m.rooms);
  metric(out, "yws_bytes_received_total", "counter", "WebSocket message bytes received.", m.bytes_in);
  metric(out, "yws_bytes_sent_total", "counter", "WebSocket message bytes sent.", m.bytes_out);
  metric(out, "yws_messages_received_total", "counter", "WebSocket messages received.", m.messages_in);
  metric(out, "yws_messages_sent_total", "counter", "WebSocket messages sent.", m.messages_out);
  metric(out, "yws_updates_applied_total", "counter", "Client sync step 2 and update messages applied.",
         m.updates_applied);
  metric(out, "yws_updates_broadcast_total", "counter", "Document updates captured and broadcast.",
         m.updates_broadcast);
  metric(out, "yws_http_rejected_total", "counter", "Upgrade requests answered with an HTTP error.",
         m.http_rejected);
  metric(out, "yws_queue_overflows_total", "counter", "Sessions whose outbound queue reached its limit.",
         m.queue_overflows);
  out += "# HELP yws_sessions_closed_total WebSocket sessions ended, by reason.\n"
         "# TYPE yws_sessions_closed_total counter\n";
  for (std::size_t i = 0; i < close_reason_count; ++i) {
    fmt::format_to(std::back_inserter(out), "yws_sessions_closed_total{{reason=\"{}\"}} {}\n",
                   to_string(static_cast<close_reason>(i)), m.sessions_closed[i]);
  }
  return out;
}

namespace detail {

metrics_snapshot metrics_counters::snapshot() const noexcept {
  auto get = [](const counter& c) { return c.load(std::memory_order_relaxed); };
  metrics_snapshot s;
  s.connections = get(connections);
  s.connections_total = get(connections_total);
  s.rooms = get(rooms);
  s.bytes_in = get(bytes_in);
  s.bytes_out = get(bytes_out);
  s.messages_in = get(messages_in);
  s.messages_out = get(messages_out);
  s.updates_applied = get(updates_applied);
  s.updates_broadcast = get(updates_broadcast);
  s.http_rejected = get(http_rejected);
  s.queue_overflows = get(queue_overflows);
  for (std::size_t i = 0; i < close_reason_count; ++i) s.sessions_closed[i] = get(sessions_closed[i]);
  return s;
}

}  // namespace detail
}  // namespace yws::net
