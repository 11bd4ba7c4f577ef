#pragma once
// Runs the `ocres` binary (OCRES_CLI, set by tests/apps/CMakeLists.txt) for the command-line tests:
// exit status, stdout alone (for --json) and stdout + stderr (for messages). ctest runs tests as
// parallel processes, so every temporary file name carries the test name and the pid.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace ocres::cli_test {

struct CliRun {
  int status = -1;
  std::string out;  // stdout + stderr
  std::string stdout_only;
};

// `<tmp>/ocres_<prefix>_<test name>_<pid>`.
inline std::string temp_path(const std::string& prefix) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return (std::filesystem::temp_directory_path() /
          ("ocres_" + prefix + "_" + std::string(info ? info->name() : "x") + "_" + std::to_string(getpid())))
      .string();
}

inline CliRun run_cli(const std::string& args, const std::string& err_file) {
  CliRun r;
  const std::string cmd = std::string(OCRES_CLI) + " " + args + " 2>" + err_file;
  FILE* p = popen(cmd.c_str(), "r");
  std::array<char, 4096> buf;
  while (p && std::fgets(buf.data(), buf.size(), p)) r.stdout_only += buf.data();
  const int raw = p ? pclose(p) : -1;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  {
    std::ifstream e(err_file);
    r.out = r.stdout_only + std::string(std::istreambuf_iterator<char>(e), {});
  }
  std::remove(err_file.c_str());
  return r;
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace ocres::cli_test
