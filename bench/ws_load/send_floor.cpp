// yws-send-floor: the kernel's CPU cost of delivering one small message on a loopback TCP
// connection, the floor under any server's "CPU per delivered message" in bench/server.sh.
//
// A y-websocket server delivers each update to each client with (at least) one send system call:
// a 2-byte WebSocket header and the payload, gathered. This program does exactly that, round-robin
// over C connections, with no framework in between, and reports the sending thread's CPU time per
// send (getrusage(RUSAGE_THREAD): user + system). A reader thread drains the other ends. On
// loopback the sender's system time also covers the receiving side's TCP processing, as it does
// for a server under bench/server.sh.
//
//   yws-send-floor [--connections 50] [--messages 200000] [--bytes 70]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

namespace {

double thread_cpu_seconds() {
  rusage r{};
  getrusage(RUSAGE_THREAD, &r);
  return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
         static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"yws-send-floor: kernel CPU per small loopback TCP send (the floor of CPU per delivered message)"};
  unsigned connections = 50;
  unsigned messages = 200000;
  unsigned bytes = 70;
  app.add_option("--connections", connections, "Connections to send to, round-robin")->check(CLI::Range(1u, 1000u));
  app.add_option("--messages", messages, "Messages to send")->check(CLI::Range(1000u, 100000000u));
  app.add_option("--bytes", bytes, "Bytes per message, 2-byte header included")->check(CLI::Range(3u, 65535u));
  CLI11_PARSE(app, argc, argv);

  fd_guard listener{::socket(AF_INET, SOCK_STREAM, 0)};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listener.fd < 0 || ::bind(listener.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener.fd, 1024) != 0 || ::getsockname(listener.fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::perror("yws-send-floor: listen");
    return 1;
  }
  std::vector<fd_guard> clients(connections), servers(connections);
  for (unsigned i = 0; i < connections; ++i) {
    clients[i].fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (clients[i].fd < 0 || ::connect(clients[i].fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        (servers[i].fd = ::accept(listener.fd, nullptr, nullptr)) < 0) {
      std::perror("yws-send-floor: connect");
      return 1;
    }
    int one = 1;
    ::setsockopt(servers[i].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }

  const std::uint64_t expected = static_cast<std::uint64_t>(messages) * bytes;
  std::atomic<bool> failed{false};
  std::thread reader([&] {
    std::vector<char> buf(1 << 16);
    std::uint64_t got = 0;
    while (got < expected && !failed.load()) {
      for (auto& c : clients) {
        const ssize_t n = ::recv(c.fd, buf.data(), buf.size(), MSG_DONTWAIT);
        if (n > 0) got += static_cast<std::uint64_t>(n);
      }
    }
  });

  std::vector<char> message(bytes, 'y');
  const double start = thread_cpu_seconds();
  for (unsigned i = 0; i < messages; ++i) {
    iovec parts[2] = {{message.data(), 2}, {message.data() + 2, bytes - 2u}};
    msghdr h{};
    h.msg_iov = parts;
    h.msg_iovlen = 2;
    std::size_t sent = 0;
    while (sent < bytes) {  // a full send buffer blocks until the reader drains it
      const ssize_t n = ::sendmsg(servers[i % connections].fd, &h, MSG_NOSIGNAL);
      if (n <= 0) {
        std::perror("yws-send-floor: sendmsg");
        failed = true;
        reader.join();
        return 1;
      }
      sent += static_cast<std::size_t>(n);
      if (sent < bytes) {  // partial send: resend the rest (rare; only for large messages)
        std::size_t skip = static_cast<std::size_t>(n);
        for (auto& p : parts) {
          const std::size_t take = std::min(skip, p.iov_len);
          p.iov_base = static_cast<char*>(p.iov_base) + take;
          p.iov_len -= take;
          skip -= take;
        }
      }
    }
  }
  const double cpu = thread_cpu_seconds() - start;
  reader.join();
  std::printf("{\"connections\": %u, \"messages\": %u, \"bytes\": %u, \"sender_cpu_us_per_send\": %.3f}\n", connections,
              messages, bytes, cpu / messages * 1e6);
  return 0;
}
