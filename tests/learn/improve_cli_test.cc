// `ocres improve` and `ocres merge-datasets` end to end, on tiny inputs: the table, CSV and JSON, the
// datasets' provenance (checked with h5py + hashlib), re-trained and multi-task bases loading in
// `ocres rollout --policy base` and `ocres eval`, and clear errors with exit status 2 for bad input.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "improve_fixture.h"
#include "tests/apps/cli_run.h"

namespace ocres::learn {
namespace {

using cli_test::run_cli;
using cli_test::slurp;

bool have_h5py() { return std::system("/usr/bin/python3 -c 'import h5py' 2>/dev/null") == 0; }

// demos, a tiny base and a random residual of `task` in `dir` (as <task>_demos.hdf5, <task>_base.safetensors,
// <task>_res.safetensors).
void write_inputs(const std::string& dir, const std::string& task, uint64_t seed) {
  const auto d = test::demos(task, 2, seed);
  test::write_demos(dir + "/" + task + "_demos.hdf5", task, d);
  test::write_tiny_base(dir + "/" + task + "_base.safetensors", task, d);
  test::write_random_residual(dir + "/" + task + "_res.safetensors", task);
}

std::string flags(const std::string& dir, const std::string& task) {
  return " --base " + dir + "/" + task + "_base.safetensors --residual " + dir + "/" + task + "_res.safetensors --demos " + dir + "/" +
         task + "_demos.hdf5";
}

TEST(ImproveCli, RunsEndToEndAndTheRetrainedBasesLoadInRolloutAndEval) {
  const std::string dir = test::temp_dir("improve_cli");
  const std::string err = cli_test::temp_path("err");
  write_inputs(dir, "lift", 21);
  const std::string out = dir + "/out";
  // A tiny base never succeeds: --allow-empty fine-tunes both arms on the demos alone.
  const auto r = run_cli("improve --task lift" + flags(dir, "lift") +
                             " --episodes 1 --eval-episodes 1 --steps 3 --seed 5 --allow-empty --json --out " + out,
                         err);
  ASSERT_EQ(r.status, 0) << r.out;
  const auto j = nlohmann::json::parse(r.stdout_only);
  EXPECT_EQ(j["domain"], "lab");
  ASSERT_EQ(j["rows"].size(), 6u);  // original, corrected, control; each alone and + residual
  EXPECT_EQ(j["rows"][0]["base"], "original");
  EXPECT_EQ(j["rows"][2]["base"], "corrected");
  EXPECT_EQ(j["rows"][4]["base"], "control");
  EXPECT_EQ(j["rows"][3]["residual"], true);
  ASSERT_EQ(j["collections"].size(), 2u);
  EXPECT_EQ(j["collections"][0]["kept"], 0);
  EXPECT_NE(r.out.find("collecting base + residual"), std::string::npos);  // progress on stderr
  const std::string md = slurp(out + "/results.md");
  EXPECT_NE(md.find("| 1 | corrected |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 1 | control |"), std::string::npos) << md;
  const std::string csv = slurp(out + "/results.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 7);
  EXPECT_EQ(csv.rfind("task,round,base,residual,episodes,successes,success_rate", 0), 0u);
  for (const char* f : {"/round1/corrected_train.hdf5", "/round1/control_train.hdf5", "/round1/base_corrected.safetensors",
                        "/round1/base_control.safetensors"})
    EXPECT_TRUE(std::filesystem::exists(out + f)) << f;
  if (have_h5py()) {
    // Demos only (nothing kept), each with the demos file's provenance; the collection is on record.
    const std::string check = "/usr/bin/python3 " + std::string(std::getenv("OCRES_SOURCE_DIR")) + "/tests/learn/check_provenance.py ";
    EXPECT_EQ(std::system((check + out + "/round1/corrected_train.hdf5 2 dataset=2").c_str()), 0);
    const auto m = run_cli("merge-datasets --in " + out + "/round1/corrected_train.hdf5 --in " + dir + "/lift_demos.hdf5 --out " + dir +
                               "/merged.hdf5",
                           err);
    ASSERT_EQ(m.status, 0) << m.out;
    EXPECT_EQ(std::system((check + dir + "/merged.hdf5 4 dataset=4").c_str()), 0);
  }

  // The re-trained base runs in `ocres rollout --policy base` and in `ocres eval`.
  const auto ro = run_cli("rollout --task lift --policy base --domain lab --episodes 1 --json --base " + out +
                              "/round1/base_corrected.safetensors",
                          err);
  ASSERT_EQ(ro.status, 0) << ro.out;
  EXPECT_EQ(nlohmann::json::parse(ro.stdout_only)["episodes"], 1);
  const std::string runs = dir + "/runs";
  std::filesystem::create_directories(runs + "/bases");
  std::filesystem::copy_file(out + "/round1/base_control.safetensors", runs + "/bases/lift_lab.safetensors");
  const auto ev = run_cli("eval --runs " + runs + " --domains lab --conditions base --episodes 1 --json", err);
  ASSERT_EQ(ev.status, 0) << ev.out;

  // results.json is the --json output, and `ocres improve-summary` reads it back.
  EXPECT_EQ(nlohmann::json::parse(slurp(out + "/results.json")), j);
  const auto su = run_cli("improve-summary " + out + " --json --out " + dir + "/summary.md", err);
  ASSERT_EQ(su.status, 0) << su.out;
  const auto sj = nlohmann::json::parse(su.stdout_only);
  EXPECT_EQ(sj["runs"].size(), 1u);
  EXPECT_EQ(sj["cells"].size(), 6u);
  ASSERT_EQ(sj["verdicts"].size(), 1u);
  EXPECT_EQ(sj["verdicts"][0]["task"], "lift");
  // Every evaluated row records its held-out episodes, so the lengths are compared on common successes.
  for (const auto& row : j["rows"]) {
    ASSERT_EQ(row["episode_success"].size(), row["episodes"].get<size_t>()) << row;
    ASSERT_EQ(row["episode_length"].size(), row["episodes"].get<size_t>()) << row;
  }
  EXPECT_TRUE(sj["verdicts"][0]["paired"].get<bool>());
  EXPECT_NE(slurp(dir + "/summary.md").find("## Corrected vs. control"), std::string::npos);
  // The same run twice is the same collection seed twice: refused, not averaged.
  const auto twice = run_cli("improve-summary " + out + " " + out, err);
  EXPECT_EQ(twice.status, 2) << twice.out;
  EXPECT_NE(twice.out.find("same seed"), std::string::npos) << twice.out;
  const auto missing = run_cli("improve-summary " + dir, err);
  EXPECT_EQ(missing.status, 2) << missing.out;
  EXPECT_NE(missing.out.find("results.json' not found"), std::string::npos) << missing.out;
  std::filesystem::remove_all(dir);
}

TEST(ImproveCli, BadInputGivesAClearErrorAndStatus2) {
  const std::string dir = test::temp_dir("improve_cli_bad");
  const std::string err = cli_test::temp_path("err");
  write_inputs(dir, "lift", 22);
  test::write_random_residual(dir + "/stack_res.safetensors", "stack");
  const std::string common = " --episodes 1 --eval-episodes 1 --steps 2 --out " + dir + "/out";
  auto expect_error = [&](const std::string& args, const std::string& message) {
    const auto r = run_cli(args, err);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.out;
    EXPECT_NE(r.out.find(message), std::string::npos) << args << "\n" << r.out;
  };
  expect_error("improve --task lift --base " + dir + "/missing.safetensors --residual " + dir + "/lift_res.safetensors --demos " + dir +
                   "/lift_demos.hdf5" + common,
               "does not exist");
  expect_error("improve --task lift --base " + dir + "/lift_base.safetensors --residual " + dir + "/stack_res.safetensors --demos " +
                   dir + "/lift_demos.hdf5" + common,
               "is a residual for task 'stack', not 'lift'");
  expect_error("improve --task stack --base " + dir + "/lift_base.safetensors --residual " + dir + "/stack_res.safetensors --demos " +
                   dir + "/lift_demos.hdf5" + common,
               "is a base policy for task 'lift', not 'stack'");
  expect_error("improve --task lift --tasks lift,cup" + flags(dir, "lift") + common, "either --task");
  expect_error("improve --tasks lift,cup" + flags(dir, "lift") + common, "{task} placeholder");
  expect_error("improve --task juggle" + flags(dir, "lift") + common, "juggle");
  // The tiny base never succeeds: an empty success set is an error unless --allow-empty.
  expect_error("improve --task lift" + flags(dir, "lift") + common, "no successful episode");
  expect_error("merge-datasets --in " + dir + "/nothing.hdf5 --out " + dir + "/m.hdf5", "does not exist");
  std::filesystem::remove_all(dir);
}

// The multi-task path of the command on one task (tasks with a 500-step horizon cost ~1.5 s per
// episode of a tiny base, too slow for this test); two tasks of different layouts are covered by
// tests/learn/multitask_test.cc.
TEST(ImproveCli, MultiTaskBaseIsComparedWithThePerTaskBasesAndLoadsOnlyForItsTasks) {
  const std::string dir = test::temp_dir("improve_cli_multi");
  const std::string err = cli_test::temp_path("err");
  write_inputs(dir, "lift", 23);
  const std::string out = dir + "/out";
  const auto r = run_cli("improve --tasks lift --multi-task --base " + dir + "/{task}_base.safetensors --residual " + dir +
                             "/{task}_res.safetensors --demos " + dir +
                             "/{task}_demos.hdf5 --episodes 1 --eval-episodes 1 --steps 2 --multi-steps 3 --allow-empty --json --out " +
                             out,
                         err);
  ASSERT_EQ(r.status, 0) << r.out;
  const auto j = nlohmann::json::parse(r.stdout_only);
  const std::string multi = out + "/multi_task/base_multi_task.safetensors";
  EXPECT_EQ(j["multi_task_base"], multi);
  int multi_rows = 0;
  for (const auto& row : j["rows"]) multi_rows += row["base"] == "multi-task";
  EXPECT_EQ(multi_rows, 2);  // alone and + residual
  EXPECT_EQ(j["rows"].size(), 10u);  // + the multi-task control's two
  EXPECT_EQ(j["multi_task_control_base"], out + "/multi_task/base_multi_task_control.safetensors");
  EXPECT_TRUE(std::filesystem::exists(out + "/lift/round1/base_corrected.safetensors"));
  EXPECT_TRUE(std::filesystem::exists(out + "/lift/round1/corrected_train.hdf5"));
  EXPECT_NE(slurp(out + "/results.md").find("| 1 | multi-task |"), std::string::npos);
  EXPECT_NE(slurp(out + "/results.md").find("| 1 | multi-task control |"), std::string::npos);

  const auto ro = run_cli("rollout --task lift --policy base --domain lab --episodes 1 --json --base " + multi, err);
  EXPECT_EQ(ro.status, 0) << ro.out;
  const auto refused = run_cli("rollout --task stack --policy base --domain lab --episodes 1 --base " + multi, err);
  EXPECT_EQ(refused.status, 2);
  EXPECT_NE(refused.out.find("multi-task base policy for tasks lift; not for 'stack'"), std::string::npos) << refused.out;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ocres::learn
