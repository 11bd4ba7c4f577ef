// `ocres eval` end to end on a tiny run directory built with the CLI itself (train-base with 2 demos and
// 50 steps, train with 300 environment steps and tiny networks): the JSON object, the files it writes,
// and clear errors (non-zero exit, the file named) for a residual of another task, a missing residual and
// a base policy of another task.
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

std::string test_dir() { return ocres::cli_test::temp_path("eval_cli"); }

CliRun run(const std::string& args) { return ocres::cli_test::run_cli(args, test_dir() + "_stderr.txt"); }

// RUNS/bases/lift_{lab,sim}.safetensors from 2 lab demos (the sim twin on their sim replays).
void make_bases(const std::string& runs) {
  for (const std::string replay : {"", " --replay-domain sim"}) {
    const std::string out = runs + "/bases/lift_" + (replay.empty() ? "lab" : "sim") + ".safetensors";
    const CliRun r = run("train-base --task lift --domain lab --demos 2 --steps 50" + replay + " --out " + out);
    ASSERT_EQ(r.status, 0) << r.out;
  }
}

// A tiny residual trained on the sim twin in RUNS/residuals/lift/<condition>/seed<k>.
void make_residual(const std::string& runs, const std::string& condition, int seed) {
  const std::string config = runs + "/tiny.yaml";
  std::ofstream(config) << "num_envs: 1\nlearning_starts: 100\ncritic_warmup_steps: 100\nbatch: 16\n"
                           "actor_hidden: [16, 16]\ncritic_hidden: [16, 16]\noffline_episodes: 1\nreplay_capacity: 1000\n"
                           "eval_every_env_steps: 150\neval_episodes: 1\n";
  const std::string dir = runs + "/residuals/lift/" + condition + "/seed" + std::to_string(seed);
  const CliRun r = run("train --task lift --base " + runs + "/bases/lift_sim.safetensors --steps 300 --config " + config +
                       " --seed " + std::to_string(seed) + " --out " + dir);
  ASSERT_EQ(r.status, 0) << r.out;
  ASSERT_TRUE(fs::exists(dir + "/residual.safetensors"));
  ASSERT_TRUE(fs::exists(dir + "/metrics.csv"));
}

// Rewrites the task recorded in a residual's safetensors metadata (the header is JSON).
void relabel_task(const std::string& path, const std::string& task) {
  const std::string script =
      "import json, struct, sys\n"
      "p, task = sys.argv[1], sys.argv[2]\n"
      "b = open(p, 'rb').read()\n"
      "n = struct.unpack('<Q', b[:8])[0]\n"
      "h = json.loads(b[8:8 + n])\n"
      "meta = json.loads(h['__metadata__']['ocres.residual'])\n"
      "meta['task'] = task\n"
      "h['__metadata__']['ocres.residual'] = json.dumps(meta)\n"
      "s = json.dumps(h).encode()\n"
      "s += b' ' * (-len(s) % 8)\n"
      "open(p, 'wb').write(struct.pack('<Q', len(s)) + s + b[8 + n:])\n";
  const std::string script_path = path + ".relabel.py";
  std::ofstream(script_path) << script;
  ASSERT_EQ(std::system(("/usr/bin/python3 " + script_path + " " + path + " " + task).c_str()), 0);
  fs::remove(script_path);
}

TEST(EvalCli, EvaluatesEveryTaskConditionDomainAndSeedOfARunDirectory) {
  const std::string runs = test_dir();
  fs::remove_all(runs);
  make_bases(runs);
  make_residual(runs, "full", 0);
  fs::create_directories(runs + "/residuals/lift/full/seed1");  // a second training seed: the same file
  fs::copy_file(runs + "/residuals/lift/full/seed0/residual.safetensors", runs + "/residuals/lift/full/seed1/residual.safetensors");
  fs::copy_file(runs + "/residuals/lift/full/seed0/metrics.csv", runs + "/residuals/lift/full/seed1/metrics.csv");

  const CliRun r = run("eval --runs " + runs + " --episodes 3 --threads 2 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto j = nlohmann::json::parse(r.stdout_only);  // throws if stdout holds anything else
  ASSERT_EQ(j.size(), 1u) << j.dump();
  ASSERT_EQ(j.at("domains").size(), 2u);
  for (int d = 0; d < 2; ++d) {
    const auto& dom = j["domains"][d];
    EXPECT_EQ(dom.at("domain"), d == 0 ? "sim" : "lab");
    EXPECT_EQ(dom.at("episodes_per_row"), 3);
    ASSERT_EQ(dom.at("rows").size(), 3u) << dom.dump();  // base + full seed0 + full seed1
    EXPECT_EQ(dom["rows"][0].at("condition"), "base");
    EXPECT_TRUE(dom["rows"][0].at("seed").is_null());
    EXPECT_EQ(dom["rows"][1].at("condition"), "full");
    EXPECT_EQ(dom["rows"][1].at("seed"), 0);
    EXPECT_EQ(dom["rows"][2].at("seed"), 1);
    for (const auto& row : dom["rows"]) {
      EXPECT_EQ(row.at("task"), "lift");
      EXPECT_EQ(row.at("episodes"), 3);
      EXPECT_GE(row.at("successes").get<int>(), 0);
      EXPECT_LE(row.at("successes").get<int>(), 3);
      EXPECT_NEAR(row.at("success_rate").get<double>(), row.at("successes").get<int>() / 3.0, 1e-12);
      EXPECT_TRUE(row.at("mean_success_length").is_null() || row.at("mean_success_length").is_number());
    }
    // Identical files on the same held-out episodes give identical results (determinism).
    EXPECT_EQ(dom["rows"][1].at("successes"), dom["rows"][2].at("successes"));
  }
  EXPECT_NE(r.out.find("condition 'no_noise': no residuals found"), std::string::npos) << r.out;

  const std::string out = runs + "/eval";
  for (const char* f : {"table_sim.md", "table_lab.md", "results.csv", "success_sim.svg", "success_lab.svg", "success_length_sim.svg",
                        "success_length_lab.svg", "training_curves.svg"})
    EXPECT_TRUE(fs::exists(out + "/" + f)) << f;
  const std::string table = slurp(out + "/table_lab.md");
  EXPECT_NE(table.find("| Task | base | +res | sim→lab base | sim→lab +res |"), std::string::npos) << table;
  EXPECT_NE(table.find("| Cube Lift | "), std::string::npos) << table;
  EXPECT_NE(table.find("| **Average** | "), std::string::npos) << table;
  EXPECT_NE(table.find("/6 ("), std::string::npos) << "two seeds x 3 episodes pooled: " << table;
  const std::string csv = slurp(out + "/results.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 6) << csv;
  EXPECT_NE(csv.find("\nlift,base,sim,,3,"), std::string::npos) << csv;
  const std::string check = "/usr/bin/python3 -c \"import sys, xml.dom.minidom as m\nfor p in sys.argv[1:]: m.parse(p)\" " + out +
                            "/success_lab.svg " + out + "/success_length_sim.svg " + out + "/training_curves.svg";
  EXPECT_EQ(std::system(check.c_str()), 0) << "an SVG is not well-formed XML";

  // --resume after a finished (or killed) evaluation reuses its rows; other settings evaluate again.
  const CliRun resumed = run("eval --runs " + runs + " --episodes 3 --threads 2 --resume");
  ASSERT_EQ(resumed.status, 0) << resumed.out;
  EXPECT_EQ(slurp(out + "/results.csv"), csv);
  size_t reused = 0;
  for (size_t at = 0; (at = resumed.out.find("(resumed from", at)) != std::string::npos; ++at) ++reused;
  EXPECT_EQ(reused, 6u) << resumed.out;
  const CliRun other = run("eval --runs " + runs + " --episodes 2 --domains sim --resume");
  ASSERT_EQ(other.status, 0) << other.out;
  EXPECT_EQ(other.out.find("(resumed from"), std::string::npos) << other.out;
  EXPECT_NE(other.out.find("made with other settings"), std::string::npos) << other.out;

  // --conditions naming a condition without residuals is an error, not a note.
  const CliRun missing = run("eval --runs " + runs + " --episodes 1 --domains sim --conditions base,no_noise --out " + runs + "/e2");
  EXPECT_EQ(missing.status, 2) << missing.out;
  EXPECT_NE(missing.out.find("no_noise"), std::string::npos) << missing.out;
  fs::remove_all(runs);
}

TEST(EvalCli, ResidualOfAnotherTaskIsAClearErrorNamingTheFile) {
  const std::string runs = test_dir();
  fs::remove_all(runs);
  make_bases(runs);
  make_residual(runs, "full", 0);
  const std::string bad = runs + "/residuals/lift/no_dropout/seed3/residual.safetensors";
  fs::create_directories(fs::path(bad).parent_path());
  fs::copy_file(runs + "/residuals/lift/full/seed0/residual.safetensors", bad);
  relabel_task(bad, "stack");
  const CliRun r = run("eval --runs " + runs + " --episodes 2 --json");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find(bad), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("task 'stack', not 'lift'"), std::string::npos) << r.out;
  EXPECT_TRUE(r.stdout_only.empty()) << "no JSON after an error: " << r.stdout_only;
  EXPECT_FALSE(fs::exists(runs + "/eval/results.csv")) << "the error comes before any episode or output";

  // A seed directory without its residual.
  fs::remove(bad);
  const CliRun missing = run("eval --runs " + runs + " --episodes 2");
  EXPECT_EQ(missing.status, 2) << missing.out;
  EXPECT_NE(missing.out.find(bad), std::string::npos) << missing.out;
  fs::remove_all(fs::path(bad).parent_path().parent_path());

  // A base policy of another task under this task's name.
  fs::copy_file(runs + "/bases/lift_sim.safetensors", runs + "/bases/stack_sim.safetensors");
  fs::copy_file(runs + "/bases/lift_lab.safetensors", runs + "/bases/stack_lab.safetensors");
  const CliRun base = run("eval --runs " + runs + " --episodes 2 --tasks stack");
  EXPECT_EQ(base.status, 2) << base.out;
  EXPECT_NE(base.out.find(runs + "/bases/stack_sim.safetensors"), std::string::npos) << base.out;
  EXPECT_NE(base.out.find("task 'lift', not 'stack'"), std::string::npos) << base.out;

  // A missing run directory and an unknown domain.
  const CliRun none = run("eval --runs " + runs + "/nowhere");
  EXPECT_EQ(none.status, 2) << none.out;
  EXPECT_NE(none.out.find("nowhere"), std::string::npos) << none.out;
  const CliRun moon = run("eval --runs " + runs + " --domains sim,moon");
  EXPECT_EQ(moon.status, 2) << moon.out;
  EXPECT_NE(moon.out.find("moon"), std::string::npos) << moon.out;
  fs::remove_all(runs);
}

}  // namespace
