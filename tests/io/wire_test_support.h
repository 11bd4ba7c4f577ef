#pragma once
// Test helpers for the wire clients: a Python peer server as an RAII process, a loopback port that
// refuses connections, and hex byte strings.
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

extern char** environ;

namespace ocres::wire::testing {

// Where tests/io/peers lives: from OCRES_SOURCE_DIR (set by ctest), else the source tree this test was
// configured from.
inline std::string peers_dir() {
  if (const char* source = std::getenv("OCRES_SOURCE_DIR"); source != nullptr && *source != '\0') {
    return std::string(source) + "/tests/io/peers";
  }
  return OCRES_WIRE_PEERS_DIR;
}

// A peer server (tests/io/peers/<script>) run by Debian's /usr/bin/python3 -- not the python3 first on
// PATH, which may not see Debian's python3-zmq/-websockets/-msgpack/-numpy. The constructor returns once
// the peer has printed its port; the destructor kills it, also when a test fails or throws. The peer
// gets --watch-stdin and this process holds its stdin open, so even if the test process dies the peer
// exits.
class PeerProcess {
 public:
  PeerProcess(std::string_view script, const std::vector<std::string>& args,
              std::chrono::milliseconds startup_timeout = std::chrono::seconds(20)) {
    int out[2], in[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    std::vector<std::string> argv_strings = {"/usr/bin/python3", peers_dir() + "/" + std::string(script),
                                             "--watch-stdin"};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);  // dup2 clears O_CLOEXEC
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    const int spawned = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    close(in[0]);
    stdout_fd_ = out[0];
    stdin_fd_ = in[1];
    if (spawned != 0) {
      pid_ = -1;
      stop();
      throw std::runtime_error("cannot start /usr/bin/python3");
    }
    const std::string line = read_line(startup_timeout);
    try {
      port_ = std::stoi(line);
    } catch (const std::exception&) {
      stop();
      throw std::runtime_error("peer " + std::string(script) + " did not print a port (got '" + line +
                               "'); are python3-numpy, -msgpack, -websockets and -zmq installed?");
    }
  }
  ~PeerProcess() { stop(); }
  PeerProcess(const PeerProcess&) = delete;
  PeerProcess& operator=(const PeerProcess&) = delete;

  int port() const { return port_; }

  // The exit status if the peer exits within `timeout`.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (pid_ > 0) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
  }

  void stop() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    if (stdout_fd_ >= 0) close(stdout_fd_);
    if (stdin_fd_ >= 0) close(stdin_fd_);
    stdout_fd_ = stdin_fd_ = -1;
  }

 private:
  std::string read_line(std::chrono::milliseconds timeout) {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd fd{stdout_fd_, POLLIN, 0};
      if (poll(&fd, 1, static_cast<int>(left.count())) <= 0) break;
      char c;
      if (read(stdout_fd_, &c, 1) != 1) break;  // the peer exited
      if (c == '\n') break;
      line += c;
    }
    return line;
  }

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int stdin_fd_ = -1;
  int port_ = 0;
};

// A loopback TCP port that is bound but not listening, so connecting to it is refused; nobody else can
// take the port while this object lives.
class RefusingPort {
 public:
  RefusingPort() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("cannot bind a loopback port");
    }
    port_ = ntohs(address.sin_port);
  }
  ~RefusingPort() { close(fd_); }
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;
  int port() const { return port_; }

 protected:
  int fd_ = -1;
  int port_ = 0;
};

// A loopback port that accepts TCP connections (the kernel completes them) but never reads or answers:
// a hung server.
class SilentPort : public RefusingPort {
 public:
  SilentPort() {
    if (listen(fd_, 16) != 0) throw std::runtime_error("cannot listen on a loopback port");
  }
};

inline std::vector<std::uint8_t> from_hex(std::string_view hex) {
  std::vector<std::uint8_t> out;
  const auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  int high = -1;
  for (char c : hex) {
    const int n = nibble(c);
    if (n < 0) continue;  // spaces for readability
    if (high < 0) {
      high = n;
    } else {
      out.push_back(static_cast<std::uint8_t>(high << 4 | n));
      high = -1;
    }
  }
  if (high >= 0) throw std::invalid_argument("odd number of hex digits");
  return out;
}

inline std::vector<std::uint8_t> from_text(std::string_view text) { return {text.begin(), text.end()}; }

}  // namespace ocres::wire::testing
