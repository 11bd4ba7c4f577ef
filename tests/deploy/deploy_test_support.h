#pragma once
// Helpers for the deployment tests: a child process (a Python peer from tests/deploy/peers, or the
// `ocres` binary) as an RAII object that prints one line (its port, or a JSON line) when ready and is
// killed when the test ends -- also when it fails. Children get a stdin pipe that this process holds
// open, so they can exit on their own if the test process dies (--watch-stdin / --exit-on-stdin-eof).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace ocres::deploy::testing {

inline std::string source_dir() {
  if (const char* s = std::getenv("OCRES_SOURCE_DIR"); s != nullptr && *s != '\0') return s;
  return OCRES_TEST_SOURCE_DIR;
}
inline std::string peer(const std::string& script) { return source_dir() + "/tests/deploy/peers/" + script; }

// Runs a shell command; returns its stdout and sets `status` to its exit code (128: killed / not run).
inline std::string run_command(const std::string& cmd, int* status) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  while (p && std::fgets(buf, sizeof buf, p)) out += buf;
  const int raw = p ? pclose(p) : -1;
  *status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128;
  return out;
}

class Child {
 public:
  Child(std::vector<std::string> argv_strings, std::chrono::milliseconds startup_timeout = std::chrono::seconds(60)) {
    int out[2], in[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    std::vector<char*> argv;
    for (std::string& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    const int spawned = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    close(in[0]);
    out_ = out[0];
    in_ = in[1];
    if (spawned != 0) {
      pid_ = -1;
      stop();
      throw std::runtime_error("cannot start " + argv_strings[0]);
    }
    first_line_ = read_line(startup_timeout);
    if (first_line_.empty()) {
      stop();
      throw std::runtime_error(argv_strings[0] + " " + (argv_strings.size() > 1 ? argv_strings[1] : "") +
                               " printed nothing (missing python3-zmq / python3-msgpack?)");
    }
  }
  static Child python(const std::string& script, std::vector<std::string> args) {
    std::vector<std::string> argv = {"/usr/bin/python3", peer(script), "--watch-stdin"};
    argv.insert(argv.end(), args.begin(), args.end());
    return Child(std::move(argv));
  }
  Child(Child&& o) noexcept : pid_(o.pid_), out_(o.out_), in_(o.in_), first_line_(std::move(o.first_line_)) {
    o.pid_ = -1;
    o.out_ = o.in_ = -1;
  }
  Child(const Child&) = delete;
  ~Child() { stop(); }

  const std::string& first_line() const { return first_line_; }
  int port() const { return std::stoi(first_line_); }
  bool alive() {
    if (pid_ <= 0) return false;
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    return true;
  }
  void stop() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    if (out_ >= 0) close(out_);
    if (in_ >= 0) close(in_);
    out_ = in_ = -1;
  }

 private:
  std::string read_line(std::chrono::milliseconds timeout) {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd fd{out_, POLLIN, 0};
      if (poll(&fd, 1, static_cast<int>(left.count())) <= 0) break;
      char c;
      if (read(out_, &c, 1) != 1) break;
      if (c == '\n') break;
      line += c;
    }
    return line;
  }
  pid_t pid_ = -1;
  int out_ = -1, in_ = -1;
  std::string first_line_;
};

}  // namespace ocres::deploy::testing
