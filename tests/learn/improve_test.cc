// Self-improvement pieces: the success filter, recorded rollouts, provenance (read back in C++ and
// with h5py), dataset merging, fine-tuning's starting point and the input checks of run_improve().
#include "learn/improve.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/action_codec.h"
#include "core/error.h"
#include "improve_fixture.h"
#include "learn/improve_provenance.h"
#include "sim/domain.h"

namespace ocres::learn {
namespace {

bool have_h5py() { return std::system("/usr/bin/python3 -c 'import h5py' 2>/dev/null") == 0; }
std::string source_dir() { return std::getenv("OCRES_SOURCE_DIR"); }

TEST(Sha256, MatchesTheStandardsKnownAnswers) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // Two blocks (the padding spills over).
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, OfAFileEqualsWhatSha256sumPrints) {
  const std::string dir = test::temp_dir("sha");
  const std::string path = dir + "/blob.bin";
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 200000; ++i) out.put(static_cast<char>((i * 131) ^ (i >> 7)));  // > one read buffer
  }
  if (std::system("command -v sha256sum >/dev/null") != 0) GTEST_SKIP() << "no sha256sum";
  FILE* p = popen(("sha256sum " + path).c_str(), "r");
  char buf[65] = {};
  ASSERT_EQ(std::fread(buf, 1, 64, p), 64u);
  pclose(p);
  EXPECT_EQ(sha256_file(path), std::string(buf));
  EXPECT_THROW(sha256_file(dir + "/missing"), InputError);
  std::filesystem::remove_all(dir);
}

TEST(SuccessFilter, KeepsOnlySuccessfulEpisodesInTheirOrder) {
  std::vector<EpisodeRecord> episodes(5);
  for (int i = 0; i < 5; ++i) {
    episodes[i].seed = 100 + i;
    episodes[i].success = i == 1 || i == 2 || i == 4;
  }
  const std::vector<EpisodeRecord> kept = keep_successes(episodes);
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[0].seed, 101u);
  EXPECT_EQ(kept[1].seed, 102u);
  EXPECT_EQ(kept[2].seed, 104u);
  EXPECT_TRUE(keep_successes({}).empty());
  EXPECT_TRUE(keep_successes(std::vector<EpisodeRecord>(3)).empty());  // no success: nothing kept
}

// Rollouts recorded as demos are, with rollout provenance (as run_improve() writes them).
std::vector<EpisodeRecord> fake_rollouts(const std::vector<EpisodeRecord>& like, const std::string& base, const std::string& residual) {
  RolloutProvenance p;
  p.task = "lift";
  p.domain = "lab";
  p.base = file_ref(base);
  p.residual = file_ref(residual);
  p.collection_seed = 42;
  p.episodes = 3;
  p.kept = static_cast<int>(like.size());
  p.round = 1;
  p.arm = "corrected";
  std::vector<EpisodeRecord> out = like;
  for (auto& e : out) e.provenance = rollout_provenance_json(p);
  return out;
}

TEST(Provenance, DemosGetTheirFilesProvenanceAndMergingKeepsEveryEpisodes) {
  const std::string dir = test::temp_dir("prov");
  const auto demos = test::demos("lift", 2, 3);
  ASSERT_EQ(demos.size(), 2u);
  const std::string demos_path = test::write_demos(dir + "/demos.hdf5", "lift", demos);
  const std::string base = test::write_tiny_base(dir + "/base.safetensors", "lift", demos);
  const std::string residual = test::write_random_residual(dir + "/res.safetensors", "lift");

  // A file without per-episode provenance: every episode gets the file's (path, hash, env_args).
  std::string args;
  const auto loaded = load_with_provenance(demos_path, &args);
  ASSERT_EQ(loaded.size(), 2u);
  const auto p0 = nlohmann::json::parse(loaded[0].provenance);
  EXPECT_EQ(p0["kind"], "dataset");
  EXPECT_EQ(p0["path"], demos_path);
  EXPECT_EQ(p0["sha256"], sha256_file(demos_path));
  EXPECT_EQ(p0["env_args"]["task"], "lift");

  // Rollouts with their provenance, saved and read back.
  const std::string rollouts_path = dir + "/rollouts.hdf5";
  const auto rollouts = fake_rollouts({demos[0]}, base, residual);
  save_episodes(rollouts_path, rollouts, dataset_env_args("lift", "lab", "rollouts", rollouts));
  const auto back = load_episodes(rollouts_path);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].provenance, rollouts[0].provenance);
  const auto pr = nlohmann::json::parse(back[0].provenance);
  EXPECT_EQ(pr["base"]["sha256"], sha256_file(base));
  EXPECT_EQ(pr["residual"]["path"], residual);
  EXPECT_EQ(pr["filter"], "success");

  // Merge: demos (file provenance) + rollouts (their own), per episode, in input order.
  const std::string merged = dir + "/merged.hdf5";
  EXPECT_EQ(merge_datasets({demos_path, rollouts_path}, merged), 3);
  std::string merged_args;
  const auto m = load_episodes(merged, &merged_args);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(nlohmann::json::parse(m[0].provenance)["kind"], "dataset");
  EXPECT_EQ(nlohmann::json::parse(m[1].provenance)["kind"], "dataset");
  EXPECT_EQ(m[2].provenance, rollouts[0].provenance);
  EXPECT_EQ(m[2].actions, demos[0].actions);
  const auto ja = nlohmann::json::parse(merged_args);
  EXPECT_EQ(ja["task"], "lift");
  EXPECT_EQ(ja["domain"], "lab");
  ASSERT_EQ(ja["sources"].size(), 2u);
  EXPECT_EQ(ja["sources"][0]["episodes"], 2);
  EXPECT_EQ(ja["sources"][1]["episodes"], 1);
  // Merging the merged file again changes nothing about where its episodes come from.
  const std::string twice = dir + "/twice.hdf5";
  merge_datasets({merged}, twice);
  const auto t = load_episodes(twice);
  for (size_t i = 0; i < t.size(); ++i) EXPECT_EQ(t[i].provenance, m[i].provenance);

  if (have_h5py()) {
    const std::string check = "/usr/bin/python3 " + source_dir() + "/tests/learn/check_provenance.py ";
    EXPECT_EQ(std::system((check + merged + " 3 dataset=2,rollouts=1").c_str()), 0);
    EXPECT_EQ(std::system((check + twice + " 3 dataset=2,rollouts=1").c_str()), 0);
    // The LeRobot converter plans the merged file and carries the provenance along.
    const std::string out = dir + "/plan.json";
    ASSERT_EQ(std::system(("/usr/bin/python3 " + source_dir() + "/tools/hdf5_to_lerobot.py " + merged + " --check > " + out).c_str()), 0);
    std::ifstream in(out);
    const auto plan = nlohmann::json::parse(in);
    ASSERT_EQ(plan["provenance"].size(), 3u);
    EXPECT_EQ(plan["provenance"][2]["provenance"]["kind"], "rollouts");
    EXPECT_EQ(plan["provenance"][0]["source_episode"], "demo_0");
    EXPECT_EQ(plan["env_args"]["sources"].size(), 2u);
  }
  std::filesystem::remove_all(dir);
}

TEST(Provenance, MergingRefusesMissingFilesAndAnotherTasksEpisodes) {
  const std::string dir = test::temp_dir("merge_bad");
  const auto lift = test::demos("lift", 1, 4);
  const std::string a = test::write_demos(dir + "/lift.hdf5", "lift", lift);
  const std::string b = test::write_demos(dir + "/other.hdf5", "stack", lift);  // claims another task
  const std::string c = test::write_demos(dir + "/sim.hdf5", "lift", lift, "sim");
  auto message = [&](const std::vector<std::string>& in) {
    try {
      merge_datasets(in, dir + "/out.hdf5");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({a, dir + "/missing.hdf5"}).find("does not exist"), std::string::npos);
  EXPECT_NE(message({a, b}).find("task 'stack'"), std::string::npos);
  EXPECT_NE(message({a, c}).find("domain 'sim'"), std::string::npos);
  EXPECT_NE(message({}).find("no input"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir + "/out.hdf5"));  // nothing half-written either
  EXPECT_FALSE(std::filesystem::exists(dir + "/out.hdf5.partial"));
  std::filesystem::remove_all(dir);
}

TEST(Rollouts, RecordedEpisodesMatchTheEvaluationAndDoNotDependOnThreads) {
  const std::string dir = test::temp_dir("rollouts");
  const auto demos = test::demos("lift", 2, 5);
  const std::string base = test::write_tiny_base(dir + "/base.safetensors", "lift", demos);
  const std::string residual = test::write_random_residual(dir + "/res.safetensors", "lift");
  RolloutCollectionConfig c;
  c.task = "lift";
  c.domain = "lab";
  c.base_path = base;
  c.residual_path = residual;
  c.episodes = 2;
  c.seed = 11;
  int reported = 0;
  const RolloutCollection one = collect_rollouts(c, [&](int done, int total) {
    EXPECT_EQ(total, 2);
    reported = std::max(reported, done);
  });
  EXPECT_EQ(reported, 2);
  c.threads = 2;
  const RolloutCollection two = collect_rollouts(c);
  ASSERT_EQ(one.episodes.size(), 2u);
  for (int j = 0; j < 2; ++j) {
    const EpisodeRecord& e = one.episodes[j];
    EXPECT_EQ(e.seed, episode_seed(11, j));
    EXPECT_EQ(e.length, one.stats[j].length);
    EXPECT_EQ(static_cast<int>(e.actions.size()), e.length * kActionDim);
    EXPECT_EQ(static_cast<int>(e.obs.at("robot").size()), e.length * kRobotDim);
    EXPECT_EQ(static_cast<int>(e.obs.at("object_poses").size()), e.length * kPoseDim);
    EXPECT_EQ(e.dones.back(), 1.0f);
    EXPECT_EQ(e.actions, two.episodes[j].actions);  // thread count does not matter
    EXPECT_EQ(e.obs, two.episodes[j].obs);
  }

  // Without a residual the recorded action is the base's own: its first chunk from the first state.
  c.residual_path.clear();
  c.episodes = 1;
  const RolloutCollection alone = collect_rollouts(c);
  const sim::DomainConfig lab = sim::load_domain("lab");
  auto env = tasks::make_env(tasks::compile_task("lift", lab), lab);
  const Observation& o = env->reset(episode_seed(11, 0));
  policy::BcPolicy p = policy::BcPolicy::load_for_task(base, "lift");
  Rng rng(episode_seed(11, 0), /*stream=*/103);  // what the residual env gives the base
  p.reset(rng);
  std::vector<Action> chunk(policy::kBcChunk);
  p.predict_chunk(o, chunk);
  float want[kActionDim];
  encode_action(chunk[0], want);
  for (int k = 0; k < kActionDim; ++k) EXPECT_NEAR(alone.episodes[0].actions[k], want[k], 1e-6) << k;
  // ... and the residual changes it.
  EXPECT_NE(std::vector<float>(alone.episodes[0].actions.begin(), alone.episodes[0].actions.begin() + 8),
            std::vector<float>(one.episodes[0].actions.begin(), one.episodes[0].actions.begin() + 8));
  std::filesystem::remove_all(dir);
}

// The chunk `p` predicts from the start of episode `seed` of lift in lab.
std::vector<Action> first_chunk(policy::BcPolicy p, uint64_t seed) {
  const sim::DomainConfig lab = sim::load_domain("lab");
  auto env = tasks::make_env(tasks::compile_task("lift", lab), lab);
  Rng rng(seed);
  p.reset(rng);
  std::vector<Action> chunk(policy::kBcChunk);
  p.predict_chunk(env->reset(seed), chunk);
  return chunk;
}

TEST(FineTuning, StartsFromTheGivenPolicyExactly) {
  const auto demos = test::demos("lift", 1, 6);
  const policy::BcPolicy init = train_bc(demos, test::task_info("lift"), test::tiny_training());
  BcTrainConfig c = test::tiny_training(3);
  c.lr = 1e-12;  // (almost) no update: the result must act as the initial policy

  // Without refitting: the same weights and normalisers.
  c.refit_output_normalizer = false;
  const policy::BcPolicy kept = fine_tune_bc(init, demos, c);
  EXPECT_EQ(kept.output_normalizer().mean, init.output_normalizer().mean);
  auto a = const_cast<policy::Mlp&>(init.net()).params();
  auto b = const_cast<policy::Mlp&>(kept.net()).params();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    for (Eigen::Index k = 0; k < a[i].size; ++k) ASSERT_NEAR(a[i].value[k], b[i].value[k], 1e-6) << a[i].name;

  // Refitting the output normaliser on other data (another demo) rewrites the output layer so that the
  // policy still predicts the same actions; the input normaliser is kept.
  c.refit_output_normalizer = true;
  const auto other = test::demos("lift", 2, 60);
  const policy::BcPolicy refit = fine_tune_bc(init, other, c);
  EXPECT_EQ(refit.input_normalizer().mean, init.input_normalizer().mean);
  EXPECT_NE(refit.output_normalizer().mean, init.output_normalizer().mean);
  const auto x = first_chunk(init, 31), y = first_chunk(refit, 31);
  for (int k = 0; k < policy::kBcChunk; ++k) {
    EXPECT_LT((x[k].p_BT - y[k].p_BT).norm(), 1e-5) << k;
    EXPECT_LT(angle_between(x[k].q_BT, y[k].q_BT), 1e-4) << k;
    EXPECT_NEAR(x[k].gripper_width_m, y[k].gripper_width_m, 1e-5) << k;
  }

  // A real learning rate moves the weights.
  c.lr = 1e-3;
  const policy::BcPolicy moved = fine_tune_bc(init, demos, c);
  auto m = const_cast<policy::Mlp&>(moved.net()).params();
  double diff = 0;
  for (size_t i = 0; i < a.size(); ++i)
    for (Eigen::Index k = 0; k < a[i].size; ++k) diff += std::abs(a[i].value[k] - m[i].value[k]);
  EXPECT_GT(diff, 1e-3);
  EXPECT_EQ(moved.info().task, "lift");
}

ImproveConfig tiny_improve(const std::string& dir, const std::string& base, const std::string& residual, const std::string& demos) {
  ImproveConfig c;
  c.task = "lift";
  c.base_path = base;
  c.residual_path = residual;
  c.demos_path = demos;
  c.out_dir = dir + "/out";
  c.episodes = 1;
  c.eval_episodes = 1;
  c.fine_tune = test::tiny_training(2);
  return c;
}

std::string error_of(const ImproveConfig& c) {
  try {
    run_improve(c);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Improve, RefusesBadInputWithAMessageNamingIt) {
  const std::string dir = test::temp_dir("improve_bad");
  const auto demos = test::demos("lift", 1, 7);
  const std::string d = test::write_demos(dir + "/demos.hdf5", "lift", demos);
  const std::string base = test::write_tiny_base(dir + "/base.safetensors", "lift", demos);
  const std::string res = test::write_random_residual(dir + "/res.safetensors", "lift");
  const std::string other_res = test::write_random_residual(dir + "/res_stack.safetensors", "stack");
  const std::string other_demos = test::write_demos(dir + "/demos_stack.hdf5", "stack", demos);
  const std::string sim_demos = test::write_demos(dir + "/demos_sim.hdf5", "lift", demos, "sim");

  EXPECT_NE(error_of(tiny_improve(dir, dir + "/nope.safetensors", res, d)).find("does not exist"), std::string::npos);
  EXPECT_NE(error_of(tiny_improve(dir, base, other_res, d)).find("is a residual for task 'stack', not 'lift'"), std::string::npos);
  EXPECT_NE(error_of(tiny_improve(dir, base, res, other_demos)).find("task 'stack', not 'lift'"), std::string::npos);
  EXPECT_NE(error_of(tiny_improve(dir, base, res, sim_demos)).find("domain 'sim'"), std::string::npos);
  EXPECT_NE(error_of(tiny_improve(dir, res, res, d)).find("not an ocres BC base policy"), std::string::npos);
  // Held-out means held out: the demos were recorded on episode_seed(7, j), so evaluating on seed 7
  // would replay their start states.
  ImproveConfig overlap = tiny_improve(dir, base, res, d);
  overlap.eval_seed = 7;
  EXPECT_NE(error_of(overlap).find("demo"), std::string::npos);
  // A tiny base never lifts the block: nothing to fine-tune on.
  EXPECT_NE(error_of(tiny_improve(dir, base, res, d)).find("no successful episode"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ocres::learn
