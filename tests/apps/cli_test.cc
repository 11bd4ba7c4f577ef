// The command line: bad input gives a clear message naming the bad value and a non-zero exit status,
// never a crash; --json prints exactly one JSON object.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace {

struct CliRun {
  int status = -1;
  std::string out;  // stdout + stderr
  std::string stdout_only;
};

// ctest runs the tests of this file as parallel processes: every temporary file carries the test name
// and the pid so that two tests never read each other's output.
std::string temp_path(const std::string& stem) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return "/tmp/ocres_cli_" + std::string(info ? info->name() : "x") + "_" + std::to_string(getpid()) + "_" + stem;
}

CliRun run(const std::string& args) {
  CliRun r;
  const std::string err_file = temp_path("stderr.txt");
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

void expect_clear_error(const std::string& args, const std::string& needle) {
  const CliRun r = run(args);
  EXPECT_NE(r.status, 0) << args;
  EXPECT_LT(r.status, 128) << "crashed: " << args;
  EXPECT_NE(r.out.find(needle), std::string::npos) << args << " -> " << r.out;
}

TEST(Cli, BadInputIsAClearErrorNotACrash) {
  expect_clear_error("rollout --task juggle", "juggle");
  expect_clear_error("rollout --task lift --domain moon", "moon");
  expect_clear_error("rollout --task lift --domain /nonexistent/d.yaml", "d.yaml");
  expect_clear_error("rollout --task lift --policy wizard", "wizard");
  expect_clear_error("rollout --task lift --episodes -3", "episodes");
  expect_clear_error("kinematics --q 1,2,3", "expected 7");
  expect_clear_error("kinematics --q 0,0,0,0,0,0,abc", "abc");
  expect_clear_error("kinematics --q 9,0,0,-1.5,0,1.5,0", "joint 1");
  expect_clear_error("ik --pose 2.5,0,0.3,0,1,0,0", "unreachable");
  expect_clear_error("rollout --task lift --policy base --base /nonexistent.safetensors", "nonexistent");
}

TEST(Cli, MalformedDomainFilesNameTheBadField) {
  const std::string domain = temp_path("bad_domain.yaml");
  std::ofstream(domain) << "name: mine\nobject_friction: -2\n";
  expect_clear_error("rollout --task lift --domain " + domain, "object_friction");
  std::ofstream(domain) << "name: mine\nobject_fricton: 1\n";
  expect_clear_error("rollout --task lift --domain " + domain, "object_fricton");
  std::ofstream(domain) << "name: [mine\n";
  expect_clear_error("rollout --task lift --domain " + domain, "malformed");
  std::remove(domain.c_str());
}

TEST(Cli, JsonOutputIsExactlyOneObject) {
  const CliRun r = run("rollout --task lift --policy expert --domain sim --episodes 2 --seed 5 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto j = nlohmann::json::parse(r.stdout_only);  // throws if there is anything else on stdout
  for (const char* key : {"task", "domain", "policy", "episodes", "successes", "success_rate", "mean_length"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["episodes"], 2);
  const CliRun k = run("kinematics --q 0,0,0,-1.5708,0,1.5708,-0.7854 --json");
  ASSERT_EQ(k.status, 0);
  const auto kj = nlohmann::json::parse(k.stdout_only);
  EXPECT_NEAR(kj["position_m"][0].get<double>(), 0.5545, 1e-3);
}

}  // namespace
