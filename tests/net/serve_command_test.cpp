// `yws serve` as users run it: a child process on an ephemeral port, found through its
// `listening` log line, stopped with SIGTERM during traffic.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "net/sync_client.hpp"

extern char** environ;

namespace yws::net::test {
namespace {

// A running `yws serve` whose stderr we read.
class serve_process {
 public:
  explicit serve_process(std::vector<std::string> args, std::vector<std::string> env = {}) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    args.insert(args.begin(), YWS_BINARY);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> envs;
    for (char** e = environ; *e; ++e) envs.emplace_back(*e);
    for (auto& e : env) envs.push_back(e);
    std::vector<char*> envp;
    for (auto& e : envs) envp.push_back(e.data());
    envp.push_back(nullptr);
    if (posix_spawn(&pid_, YWS_BINARY, &actions, nullptr, argv.data(), envp.data()) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    out_ = fds[0];
  }
  ~serve_process() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
  }

  // Reads stderr until `match` returns a value for a line (that value is returned) or the deadline
  // passes.
  using matcher = std::function<std::optional<std::string>(const std::string& line)>;
  std::optional<std::string> wait_for_line(const matcher& match, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      for (auto nl = buffer_.find('\n'); nl != std::string::npos; nl = buffer_.find('\n')) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        log_ += line + "\n";
        if (auto found = match(line)) return found;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left <= 0ms) return std::nullopt;
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      char chunk[4096];
      const auto n = ::read(out_, chunk, sizeof chunk);
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  // Waits for the exit status (bounded); nullopt when it did not exit in time.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      wait_for_line([](const std::string&) { return std::nullopt; }, 20ms);  // drains stderr meanwhile
    }
    return std::nullopt;
  }

  void signal(int sig) { ::kill(pid_, sig); }
  bool started() const { return pid_ > 0; }
  const std::string& log() const { return log_; }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  bool exited_ = false;
  std::string buffer_;
  std::string log_;
};

// The port of the `msg="listening" ... port=N` line.
std::optional<std::string> listening_port(const std::string& line) {
  if (line.find("msg=\"listening\"") == std::string::npos) return std::nullopt;
  const auto at = line.find(" port=");
  if (at == std::string::npos) return std::nullopt;
  const auto digits = line.substr(at + 6);
  return digits.substr(0, digits.find(' '));
}

serve_process::matcher containing(std::string text) {
  return [text](const std::string& line) -> std::optional<std::string> {
    if (line.find(text) == std::string::npos) return std::nullopt;
    return line;
  };
}

TEST(ServeCommand, ServesOnAnEphemeralPortAndStopsOnSigtermDuringTraffic) {
  serve_process p({"serve", "--port", "0", "--threads", "2", "--store", "none"});
  ASSERT_TRUE(p.started());
  auto port = p.wait_for_line(listening_port);
  ASSERT_TRUE(port.has_value()) << p.log();
  const auto port_number = static_cast<std::uint16_t>(std::stoi(*port));

  sync_client a(1), b(2);
  ASSERT_TRUE(a.join(port_number, "cli"));
  ASSERT_TRUE(b.join(port_number, "cli"));
  for (int i = 0; i < 50; ++i) a.doc.get_text("t").insert(0, "traffic ");
  p.signal(SIGTERM);
  for (int i = 0; i < 50 && a.ws.is_open(); ++i) a.doc.get_text("t").insert(0, "more ");
  // Both clients end with a clean close frame (a truncated frame would fail the read instead).
  auto code_a = a.ws.wait_close();
  auto code_b = b.ws.wait_close();
  ASSERT_TRUE(code_a.has_value());
  ASSERT_TRUE(code_b.has_value());
  EXPECT_EQ(*code_a, 1001);
  EXPECT_EQ(*code_b, 1001);
  EXPECT_EQ(p.wait_exit(), std::optional<int>(0)) << p.log();
}

TEST(ServeCommand, OptionsComeFromTheEnvironmentToo) {
  serve_process p({"serve", "--log-level", "debug"}, {"YWS_PORT=0", "YWS_HOST=127.0.0.1", "YWS_STORE=none"});
  ASSERT_TRUE(p.started());
  auto port = p.wait_for_line(listening_port);
  ASSERT_TRUE(port.has_value()) << p.log();
  EXPECT_NE(*port, "0");
  p.signal(SIGINT);
  EXPECT_EQ(p.wait_exit(), std::optional<int>(0)) << p.log();
}

TEST(ServeCommand, UnknownStoreIsAClearError) {
  serve_process p({"serve", "--port", "0", "--store", "bogus:./x.db"});
  ASSERT_TRUE(p.started());
  auto line = p.wait_for_line(containing("--store 'bogus:./x.db': expected"));
  EXPECT_TRUE(line.has_value()) << p.log();
  EXPECT_EQ(p.wait_exit(), std::optional<int>(2));
}

}  // namespace
}  // namespace yws::net::test
