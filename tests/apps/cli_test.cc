// The command line: bad input gives a clear message naming the bad value and a non-zero exit status,
// never a crash; --json prints exactly one JSON object.
#include "cli_run.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace {

using ocres::cli_test::CliRun;

std::string temp_path(const std::string& stem) { return ocres::cli_test::temp_path("cli") + "_" + stem; }

CliRun run(const std::string& args) { return ocres::cli_test::run_cli(args, temp_path("stderr.txt")); }

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
  expect_clear_error("rollout --task lift --policy base+residual --base b.safetensors", "--scripted-residual");
  expect_clear_error("rollout --task lift --policy base+residual --base b.safetensors --residual r.safetensors --scripted-residual",
                     "exclude each other");
  expect_clear_error("rollout --task lift --policy base+residual --base b.safetensors --constant-residual 0,0,0,0,0,0,0 --scripted-residual",
                     "exclude each other");
  expect_clear_error("correction-value --task stack --base b.safetensors --plot /nonexistent_dir/value.svg", "--plot: directory /nonexistent_dir");
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
