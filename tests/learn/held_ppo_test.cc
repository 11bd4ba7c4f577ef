#include "learn/held_ppo.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <set>

#include "io/safetensors.h"
#include "toy_residual_env.h"

namespace ocres::learn {
namespace {

// The toy's episodes are 10 steps: two decisions held for 5 steps each.
HeldPpoConfig toy_config() {
  HeldPpoConfig c;
  c.episodes_per_iteration = 64;
  c.total_env_steps = 64 * 10 * 80;
  c.hold_steps = 5;
  c.action_dims = 3;  // the toy's bias is 3-D
  c.exploration_std = 0.3;
  c.gamma = 0.9;
  c.epochs = 8;
  c.minibatch = 64;
  c.actor_lr = 3e-3;
  c.value_lr = 3e-3;
  c.residual_l2 = 0;
  c.eval_every_iterations = 0;
  c.eval_episodes = 100;
  c.seed = 1;
  return c;
}

const ResidualEnvFactory toy = [](int, bool) { return std::make_unique<OffsetToy>(); };

void expect_same_actor(policy::Mlp& a, policy::Mlp& b) {
  auto pa = a.params(), pb = b.params();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i)
    for (Eigen::Index k = 0; k < pa[i].size; ++k) ASSERT_EQ(pa[i].value[k], pb[i].value[k]) << "tensor " << i << " element " << k;
}

TEST(HeldPpo, SolvesAToyResidualProblem) {
  HeldPpoTrainer t(toy_config(), toy);
  const double base_success = t.evaluate(100).first;  // no normaliser yet: the residual is zero
  t.train();
  const double trained = t.metrics().eval_success_rate;
  std::printf("toy residual, held PPO: base %.0f%%, after %d iterations / %ld env steps %.0f%% (%.1f s)\n", 100 * base_success,
              t.iteration(), static_cast<long>(t.metrics().env_steps), 100 * trained, t.metrics().elapsed_s);
  EXPECT_LT(base_success, 0.1);
  EXPECT_GT(trained, 0.8);
}

// A success that ends the training episode (paying what the steps after it would have) and a training
// horizon shorter than the task's: the same problem is solved, in more iterations of shorter episodes
// for the same budget of environment steps.
TEST(HeldPpo, EndingEpisodesEarlySavesStepsAndStillSolvesTheToy) {
  HeldPpoConfig c = toy_config();
  c.success_ends_episode = true;
  c.train_horizon_steps = 8;
  HeldPpoTrainer t(c, toy);
  t.train();
  std::printf("toy, episodes ending at success or after 8 steps: %d iterations, %.0f%%\n", t.iteration(),
              100 * t.metrics().eval_success_rate);
  EXPECT_GT(t.iteration(), 80 * 10 / 8);  // every episode is at most 8 steps, most end sooner
  EXPECT_GT(t.metrics().eval_success_rate, 0.8);
}

TEST(HeldPpo, RelativeInputsAreOffsetsGripperAndHeights) {
  const policy::ResidualObsLayout layout{2, 0};
  const std::vector<float> mask = relative_feature_mask(layout);
  const std::vector<std::string> names = layout.names();
  ASSERT_EQ(mask.size(), names.size());
  std::set<std::string> kept;
  for (size_t i = 0; i < mask.size(); ++i)
    if (mask[i] != 0) kept.insert(names[i]);
  const std::set<std::string> expected = {
      "grip.width", "grip.left", "grip.right", "tcp.pz",      "obj0.pz",     "obj1.pz",     "base.pz",     "base.grip",
      "valid",      "obj0-tcp.x", "obj0-tcp.y", "obj0-tcp.z", "obj0-base.x", "obj0-base.y", "obj0-base.z", "obj1-tcp.x",
      "obj1-tcp.y", "obj1-tcp.z", "obj1-base.x", "obj1-base.y", "obj1-base.z"};
  EXPECT_EQ(kept, expected);

  const std::vector<float> with_q = relative_feature_mask(layout, true);
  std::set<std::string> added;
  for (size_t i = 0; i < with_q.size(); ++i) {
    EXPECT_GE(with_q[i], mask[i]) << names[i];
    if (with_q[i] != mask[i]) added.insert(names[i]);
  }
  const std::set<std::string> quaternions = {"obj0.qw", "obj0.qx", "obj0.qy", "obj0.qz",
                                             "obj1.qw", "obj1.qx", "obj1.qy", "obj1.qz"};
  EXPECT_EQ(added, quaternions);
}

TEST(HeldPpo, StartsAtTheBaseAndLearnsOnlyTheChosenComponents) {
  HeldPpoConfig c = toy_config();
  c.action_dims = 2;
  c.total_env_steps = 64 * 10 * 3;
  c.eval_episodes = 0;
  HeldPpoTrainer t(c, toy);
  std::vector<float> obs(t.obs_dim(), 0.3f), out(7, 1.0f);
  t.actor().forward_one(obs.data(), out.data());
  for (float v : out) EXPECT_EQ(v, 0.0f);
  t.train();
  // Through the saved normaliser (mask included), as a deployed residual sees it.
  const policy::Normalizer& norm = t.obs_normalizer();
  ASSERT_EQ(static_cast<int>(norm.mean.size()), t.obs_dim());
  const std::vector<float> mask = relative_feature_mask(policy::ResidualObsLayout{1, 0});
  for (size_t i = 0; i < mask.size(); ++i)
    if (mask[i] == 0) {
      EXPECT_EQ(norm.inv_std[i], 0.0f) << "feature " << i << " is not an actor input";
    }
  double moved = 0;
  Rng rng(7, 1);
  for (int s = 0; s < 20; ++s) {
    for (float& v : obs) v = static_cast<float>(rng.normal());
    t.actor().forward_one(obs.data(), out.data());
    moved += std::abs(out[0]) + std::abs(out[1]);
    for (int k = 2; k < 7; ++k) EXPECT_EQ(out[k], 0.0f) << "component " << k;
  }
  EXPECT_GT(moved, 0.0);
}

TEST(HeldPpo, ThreadCountDoesNotChangeTheRun) {
  // The real Lift environment (time limit, pose corruption, base chunks) for two small iterations.
  HeldPpoConfig c;
  c.episodes_per_iteration = 3;
  c.total_env_steps = 1;  // one iteration
  c.minibatch = 16;
  c.epochs = 2;
  c.actor_hidden = c.value_hidden = {16, 16};
  c.eval_episodes = 0;
  c.seed = 5;
  HeldPpoConfig two = c;
  two.threads = 2;
  HeldPpoTrainer a(c, hover_lift_factory()), b(two, hover_lift_factory());
  a.train();
  b.train();
  EXPECT_EQ(a.iteration(), 1);
  EXPECT_GT(a.metrics().env_steps, 3 * 100);
  EXPECT_EQ(a.metrics().env_steps, b.metrics().env_steps);
  EXPECT_GT(a.metrics().updates, 0);
  expect_same_actor(a.actor(), b.actor());
  EXPECT_EQ(a.obs_normalizer().mean, b.obs_normalizer().mean);
}

TEST(HeldPpo, KillAndResumeContinuesExactlyTheSameRun) {
  const std::string path = "/tmp/ocres_held_ppo_resume_test.safetensors";
  HeldPpoConfig c = toy_config();
  c.total_env_steps = 64 * 10 * 3;  // three iterations
  c.eval_every_iterations = 2;
  c.eval_episodes = 20;
  HeldPpoTrainer straight(c, toy);
  straight.train();
  // The "killed" run stops after one iteration and restarts from its checkpoint in a fresh trainer.
  HeldPpoConfig first = c;
  first.total_env_steps = 64 * 10;
  HeldPpoTrainer killed(first, toy);
  killed.train();
  killed.save_checkpoint(path);
  HeldPpoTrainer resumed(c, toy);
  resumed.load_checkpoint(path);
  EXPECT_EQ(resumed.iteration(), 1);
  EXPECT_EQ(resumed.metrics().env_steps, 64 * 10);
  resumed.train();
  EXPECT_EQ(resumed.iteration(), 3);
  EXPECT_EQ(resumed.metrics().updates, straight.metrics().updates);
  EXPECT_EQ(resumed.metrics().eval_success_rate, straight.metrics().eval_success_rate);
  expect_same_actor(resumed.actor(), straight.actor());
  EXPECT_EQ(resumed.obs_normalizer().inv_std, straight.obs_normalizer().inv_std);

  // A truncated checkpoint, and another trainer's checkpoint, are clear errors.
  {
    FILE* f = std::fopen(path.c_str(), "r+b");
    ASSERT_NE(f, nullptr);
    std::fseek(f, 0, SEEK_END);
    const long size = std::ftell(f);
    std::fclose(f);
    ASSERT_EQ(::truncate(path.c_str(), size / 2), 0);
  }
  HeldPpoTrainer bad(c, toy);
  EXPECT_THROW(bad.load_checkpoint(path), InputError);
  io::TensorFile other;
  other.metadata["ocres.kind"] = "td3_checkpoint";
  io::save_safetensors(path, other);
  try {
    bad.load_checkpoint(path);
    ADD_FAILURE() << "a TD3 checkpoint was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("held_ppo"), std::string::npos) << e.what();
  }
  std::remove(path.c_str());
}

TEST(HeldPpo, ConfigErrorsNameTheKey) {
  const HeldPpoConfig d;
  const HeldPpoConfig c = parse_held_ppo_config(
      YamlFields(load_yaml_string("algorithm: held_ppo\nhold_steps: 8\nrelative_inputs: false\nactor_hidden: [32, 32]\n"
                                       "position_off_below_base_grip_m: 0.04\n", "t.yaml"), "t.yaml"), d);
  EXPECT_EQ(c.hold_steps, 8);
  EXPECT_DOUBLE_EQ(c.env.scales.position_off_below_base_grip_m, 0.04);
  EXPECT_DOUBLE_EQ(d.env.scales.position_off_below_base_grip_m, 0.0);
  EXPECT_FALSE(c.relative_inputs);
  EXPECT_EQ(c.actor_hidden, (std::vector<int>{32, 32}));
  EXPECT_EQ(c.episodes_per_iteration, d.episodes_per_iteration);
  auto error = [&](const std::string& yaml) {
    try {
      parse_held_ppo_config(YamlFields(load_yaml_string(yaml, "t.yaml"), "t.yaml"), d);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error("hold_step: 8\n").find("hold_step"), std::string::npos);
  EXPECT_NE(error("action_dims: 9\n").find("action_dims"), std::string::npos);
  EXPECT_NE(error("position_off_below_base_grip_m: 0.5\n").find("position_off_below_base_grip_m"), std::string::npos);
  EXPECT_NE(error("algorithm: td3\n").find("td3"), std::string::npos);
  EXPECT_NE(error("exploration_std: -1\n").find("exploration_std"), std::string::npos);
  EXPECT_NE(error("gamma: fast\n").find("gamma"), std::string::npos);
  EXPECT_NE(error("success_ends_episode: true\ngamma: 1\n").find("gamma < 1"), std::string::npos);
  EXPECT_NE(error("train_horizon_steps: -5\n").find("train_horizon_steps"), std::string::npos);
  EXPECT_NE(error("relative_inputs: false\nobject_orientation_inputs: true\n").find("object_orientation_inputs"), std::string::npos);
}

}  // namespace
}  // namespace ocres::learn
