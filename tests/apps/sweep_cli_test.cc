// `ocres sweep` end to end with a tiny base (train-base, 2 demos, 50 steps) and a tiny residual (train,
// 300 environment steps, 16-wide networks): the JSON object, the CSV and the SVG it writes, and clear
// errors (exit status 2, the bad value named, nothing on stdout) for bad input.
#include "cli_run.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace {

namespace fs = std::filesystem;

using ocres::cli_test::CliRun;
using ocres::cli_test::slurp;

std::string test_dir() { return ocres::cli_test::temp_path("sweep_cli"); }

CliRun run(const std::string& args) { return ocres::cli_test::run_cli(args, test_dir() + "_stderr.txt"); }

// DIR/base.safetensors (2 lab demos) and DIR/residual.safetensors (tiny, trained on that base in sim).
void make_policies(const std::string& dir) {
  const CliRun base = run("train-base --task lift --domain lab --demos 2 --steps 50 --out " + dir + "/base.safetensors");
  ASSERT_EQ(base.status, 0) << base.out;
  std::ofstream(dir + "/tiny.yaml") << "num_envs: 1\nlearning_starts: 100\ncritic_warmup_steps: 100\nbatch: 16\n"
                                       "actor_hidden: [16, 16]\ncritic_hidden: [16, 16]\noffline_episodes: 1\nreplay_capacity: 1000\n"
                                       "eval_every_env_steps: 150\neval_episodes: 1\n";
  const CliRun res = run("train --task lift --base " + dir + "/base.safetensors --steps 300 --config " + dir + "/tiny.yaml --out " +
                         dir + "/train");
  ASSERT_EQ(res.status, 0) << res.out;
  fs::copy_file(dir + "/train/residual.safetensors", dir + "/residual.safetensors");
}

TEST(SweepCli, WritesSuccessPerValueForBaseAndResidualAsJsonCsvAndSvg) {
  const std::string dir = test_dir();
  fs::remove_all(dir);
  fs::create_directories(dir);
  make_policies(dir);
  const std::string common = "sweep --task lift --base " + dir + "/base.safetensors --residual " + dir + "/residual.safetensors ";

  const CliRun r = run(common + "--param noise --values 0,0.01 --episodes 3 --threads 2 --out " + dir + "/out --json");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto j = nlohmann::json::parse(r.stdout_only);  // throws if stdout holds anything else
  EXPECT_EQ(j.at("task"), "lift");
  EXPECT_EQ(j.at("domain"), "lab");
  EXPECT_EQ(j.at("param"), "noise");
  EXPECT_EQ(j.at("episodes"), 3);
  ASSERT_EQ(j.at("points").size(), 2u) << j.dump();
  EXPECT_EQ(j["points"][0].at("value"), 0.0);
  EXPECT_EQ(j["points"][1].at("value"), 0.01);
  for (const auto& pt : j["points"]) {
    for (const char* who : {"base", "residual"}) {
      const int k = pt.at(std::string(who) + "_successes").get<int>();
      EXPECT_GE(k, 0);
      EXPECT_LE(k, 3);
      EXPECT_NEAR(pt.at(std::string(who) + "_rate").get<double>(), k / 3.0, 1e-12);
    }
  }
  EXPECT_NE(r.out.find("| noise | base | base + residual | Δ (pp) |"), std::string::npos) << r.out;

  const std::string csv = slurp(dir + "/out/sweep_noise.csv");
  EXPECT_EQ(csv.rfind("param,value,episodes,base_successes,base_rate,base_ci95_low,base_ci95_high,residual_successes,", 0), 0u) << csv;
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 2) << csv;
  EXPECT_NE(csv.find("\nnoise,0.01,3,"), std::string::npos) << csv;
  const std::string svg = slurp(dir + "/out/sweep_noise.svg");
  EXPECT_NE(svg.find("base + residual"), std::string::npos);
  const std::string check = "/usr/bin/python3 -c \"import sys, xml.dom.minidom as m; m.parse(sys.argv[1])\" " + dir + "/out/sweep_noise.svg";
  EXPECT_EQ(std::system(check.c_str()), 0) << "the SVG is not well-formed XML";

  // The base alone is the same evaluation whatever the residual: with all poses withheld (dropout 1)
  // and none (dropout 0) the base's successes are identical, since the base never sees the poses.
  const CliRun d = run(common + "--param dropout --values 0,1 --episodes 2 --out " + dir + "/out --json");
  ASSERT_EQ(d.status, 0) << d.out;
  const auto dj = nlohmann::json::parse(d.stdout_only);
  EXPECT_EQ(dj["points"][0].at("base_successes"), dj["points"][1].at("base_successes"));
  EXPECT_TRUE(fs::exists(dir + "/out/sweep_dropout.csv"));
  fs::remove_all(dir);
}

TEST(SweepCli, BadInputIsAClearErrorNamingTheValue) {
  const std::string dir = test_dir();
  fs::remove_all(dir);
  fs::create_directories(dir);
  // Input checks come before any file is opened, so these need no policies.
  const std::string common = "sweep --task lift --base " + dir + "/base.safetensors --residual " + dir + "/residual.safetensors ";
  struct Case {
    std::string args, named;
  };
  for (const Case& c : {Case{"--param blur --values 0", "'blur'"}, Case{"--param noise --values 0,abc", "'abc'"},
                        Case{"--param noise --values ,", "empty"}, Case{"--param dropout --values 0.1,-0.2", "'-0.2'"},
                        Case{"--param latency --values 1.5", "'1.5'"}, Case{"--param burst --values 0", "'0'"}}) {
    const CliRun r = run(common + c.args + " --json");
    EXPECT_EQ(r.status, 2) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find(c.named), std::string::npos) << c.args << "\n" << r.out;
    EXPECT_TRUE(r.stdout_only.empty()) << c.args << ": " << r.stdout_only;
  }
  fs::remove_all(dir);
}

}  // namespace
