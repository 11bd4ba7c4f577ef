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
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
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

// A fresh directory under the system temp directory, removed with everything in it at the end.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& prefix)
      : dir_(std::filesystem::temp_directory_path() / (prefix + "_" + std::to_string(getpid()))) {
    std::filesystem::create_directories(dir_);
  }
  ~ScratchDir() { std::filesystem::remove_all(dir_); }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

// Writes a GR00T base description (docs/deploy.md) for Lift at `file`: TCP pose and gripper as state,
// 8-step chunks; with `images`, the front and wrist cameras as video.front / video.wrist (224x224).
inline std::string write_gr00t_config(const std::string& file, int port, bool images) {
  std::ofstream(file) << "kind: gr00t\nport: " << port << R"(
timeout_ms: 5000
chunk_size: 8
prompt_key: annotation.human.task_description
prompt: lift the block
state:
  - {key: state.single_arm, fields: [tcp_position, tcp_quaternion]}
  - {key: state.gripper, fields: [gripper_width]}
action:
  position: {key: action.single_arm, column: 0}
  quaternion: {key: action.single_arm, column: 3}
  gripper: {key: action.gripper, column: 0}
)" << (images ? "images:\n  - {key: video.front, camera: front, size: [224, 224]}\n"
                "  - {key: video.wrist, camera: wrist, size: [224, 224]}\n"
              : "");
  return file;
}

// The GR00T stand-in's --image-log (tests/io/peers/gr00t_server.py): one line per checked image,
// "key shape dtype min max". Returns how many images each key had; `check` sees every line.
struct LoggedImage {
  std::string key, shape, dtype, line;
  int min = 0, max = 0;
};
template <class Check>
std::map<std::string, int> read_image_log(const std::string& file, Check check) {
  std::ifstream log(file);
  std::map<std::string, int> seen;
  for (std::string line; std::getline(log, line);) {
    std::istringstream in(line);
    LoggedImage im;
    im.line = line;
    in >> im.key >> im.shape >> im.dtype >> im.min >> im.max;
    check(im);
    ++seen[im.key];
  }
  return seen;
}

}  // namespace ocres::deploy::testing
