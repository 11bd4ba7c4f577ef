// The command line: bad input gives a clear message naming the bad value and a non-zero exit status,
// never a crash; --json prints exactly one JSON object.
#include "cli_run.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
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
  expect_clear_error("correction-value --task stack --base b.safetensors --plot /dev/null/plots/value.svg", "--plot: cannot create directory /dev/null/plots");
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
  // --episodes-csv: one row per episode, agreeing with the summary (into a directory it creates).
  const std::string csv = temp_path("episodes_dir") + "/episodes.csv";
  const CliRun c = run("rollout --task lift --policy expert --domain sim --episodes 2 --seed 5 --json --episodes-csv " + csv);
  ASSERT_EQ(c.status, 0) << c.out;
  std::ifstream in(csv);
  std::string header, row;
  std::getline(in, header);
  EXPECT_EQ(header, "index,seed,success,length,return,outcome");
  int rows = 0, successes = 0;
  while (std::getline(in, row)) {
    std::stringstream fields(row);
    std::string index, seed, success;
    std::getline(fields, index, ',');
    std::getline(fields, seed, ',');
    std::getline(fields, success, ',');
    EXPECT_EQ(index, std::to_string(rows++));
    successes += success == "1";
  }
  EXPECT_EQ(rows, 2);
  EXPECT_EQ(successes, nlohmann::json::parse(c.stdout_only)["successes"].get<int>());
  const CliRun k = run("kinematics --q 0,0,0,-1.5708,0,1.5708,-0.7854 --json");
  ASSERT_EQ(k.status, 0);
  const auto kj = nlohmann::json::parse(k.stdout_only);
  EXPECT_NEAR(kj["position_m"][0].get<double>(), 0.5545, 1e-3);
}

// `ocres train` with `algorithm: held_ppo`: a standard residual file that `rollout` loads, a resume that
// continues from the checkpoint and drops metrics rows the killed process logged after it, and a clear
// error for an unknown algorithm.
TEST(Cli, TrainHeldPpoResumesAndWritesAStandardResidual) {
  const std::string dir = temp_path("held_ppo");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const CliRun base = run("train-base --task lift --domain sim --demos 2 --steps 50 --out " + dir + "/base.safetensors");
  ASSERT_EQ(base.status, 0) << base.out;
  std::ofstream(dir + "/ppo.yaml") << "algorithm: held_ppo\nepisodes_per_iteration: 2\nminibatch: 16\nepochs: 2\n"
                                      "actor_hidden: [16, 16]\nvalue_hidden: [16, 16]\neval_every_iterations: 1\neval_episodes: 1\n";
  const std::string train = "train --task lift --base " + dir + "/base.safetensors --config " + dir + "/ppo.yaml --out " + dir + "/run ";
  const CliRun first = run(train + "--steps 1");  // one iteration
  ASSERT_EQ(first.status, 0) << first.out;
  const std::string csv = dir + "/run/metrics.csv";
  const std::string after_first = ocres::cli_test::slurp(csv);
  ASSERT_EQ(std::count(after_first.begin(), after_first.end(), '\n'), 2) << after_first;
  std::ofstream(csv, std::ios::app) << "99999999,1,1,1,1,0,0,0,0,0,0\n";  // logged by a killed process after its checkpoint
  const CliRun resumed = run(train + "--steps 1500 --resume");
  ASSERT_EQ(resumed.status, 0) << resumed.out;
  EXPECT_NE(resumed.out.find("resumed from"), std::string::npos) << resumed.out;
  const std::string after = ocres::cli_test::slurp(csv);
  EXPECT_EQ(after.rfind(after_first, 0), 0u) << after;  // the first run's rows, unchanged
  EXPECT_EQ(after.find("99999999"), std::string::npos) << after;
  EXPECT_GE(std::count(after.begin(), after.end(), '\n'), 3) << after;
  const CliRun roll = run("rollout --task lift --policy base+residual --base " + dir + "/base.safetensors --residual " + dir +
                          "/run/residual.safetensors --episodes 1 --json");
  ASSERT_EQ(roll.status, 0) << roll.out;
  EXPECT_EQ(nlohmann::json::parse(roll.stdout_only).at("episodes"), 1);
  std::ofstream(dir + "/bad.yaml") << "algorithm: sac\n";
  expect_clear_error("train --task lift --base " + dir + "/base.safetensors --config " + dir + "/bad.yaml --out " + dir + "/bad", "sac");
  std::filesystem::remove_all(dir);
}

}  // namespace
