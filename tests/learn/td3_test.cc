#include "learn/td3.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>

#include "toy_residual_env.h"

namespace ocres::learn {
namespace {

// A tiny but complete configuration: the real env and trainer, small networks and budgets.
Td3Config tiny() {
  Td3Config c;
  c.num_envs = 2;
  c.total_env_steps = 300;
  c.learning_starts = 60;
  c.critic_warmup_steps = 100;
  c.updates_per_env_step = 0.5;
  c.batch = 32;
  c.actor_hidden = {16, 16};
  c.critic_hidden = {16, 16};
  c.offline_episodes = 1;
  c.replay_capacity = 2000;
  c.eval_every_env_steps = 0;
  c.eval_episodes = 0;
  c.seed = 3;
  return c;
}

TEST(Td3, SolvesAToyResidualProblemWithinSeconds) {
  Td3Config c;
  c.num_envs = 4;
  c.total_env_steps = 8000;
  c.learning_starts = 400;
  c.critic_warmup_steps = 1000;
  c.updates_per_env_step = 0.5;
  c.batch = 128;
  c.gamma = 0.8;
  c.actor_lr = 1e-3;
  c.critic_lr = 1e-3;
  c.actor_hidden = {64, 64};
  c.critic_hidden = {64, 64};
  c.exploration_std = 0.2;
  c.offline_episodes = 20;
  c.replay_capacity = 20000;
  c.eval_every_env_steps = 0;
  c.eval_episodes = 100;
  c.seed = 1;
  const ResidualEnvFactory toy = [](int, bool) { return std::make_unique<OffsetToy>(); };
  for (bool min_q : {false, true}) {
    c.actor_uses_min_q = min_q;
    Td3Trainer t(c, toy);
    const double base_success = t.evaluate(100).first;  // zero-initialised actor: the base alone
    t.train();
    const double trained = t.metrics().eval_success_rate;
    std::printf("toy residual (actor on %s): base %.0f%%, after %ld env steps / %ld updates %.0f%% (%.1f s)\n",
                min_q ? "min over critics" : "critic 0", 100 * base_success, static_cast<long>(t.metrics().env_steps),
                static_cast<long>(t.metrics().updates), 100 * trained, t.metrics().elapsed_s);
    EXPECT_LT(base_success, 0.1);
    EXPECT_GT(trained, 0.8);
  }
}

TEST(Td3, ActorStartsExactlyAtTheBasePolicy) {
  Td3Trainer t(tiny(), hover_lift_factory());
  std::vector<float> obs(t.obs_dim(), 0.3f), out(7, 1.0f);
  t.actor().forward_one(obs.data(), out.data());
  for (float v : out) EXPECT_EQ(v, 0.0f);
}

TEST(Td3, SameSeedSameTraining) {
  Td3Trainer a(tiny(), hover_lift_factory()), b(tiny(), hover_lift_factory());
  a.train();
  b.train();
  auto pa = a.actor().params(), pb = b.actor().params();
  for (size_t i = 0; i < pa.size(); ++i)
    for (Eigen::Index k = 0; k < pa[i].size; ++k) ASSERT_EQ(pa[i].value[k], pb[i].value[k]);
  EXPECT_GT(a.metrics().updates, 0);
}

TEST(Td3, KillAndResumeRestoresEverythingAndContinues) {
  Td3Config c = tiny();
  const std::string path = "/tmp/ocres_td3_resume_test.safetensors";
  Td3Trainer a(c, hover_lift_factory());
  a.train();
  a.save_checkpoint(path);
  // A "killed" run restarts from the checkpoint in a fresh process-like state.
  Td3Trainer b(c, hover_lift_factory());
  b.load_checkpoint(path);
  EXPECT_EQ(b.metrics().env_steps, a.metrics().env_steps);
  EXPECT_EQ(b.metrics().updates, a.metrics().updates);
  auto pa = a.actor().params(), pb = b.actor().params();
  for (size_t i = 0; i < pa.size(); ++i)
    for (Eigen::Index k = 0; k < pa[i].size; ++k) ASSERT_EQ(pa[i].value[k], pb[i].value[k]);
  EXPECT_EQ(b.obs_normalizer().mean, a.obs_normalizer().mean);
  // Continue to a larger budget: training goes on from the restored step count, not from zero.
  Td3Config more = c;
  more.total_env_steps = 400;
  Td3Trainer r(more, hover_lift_factory());
  r.load_checkpoint(path);
  r.train();
  EXPECT_EQ(r.metrics().env_steps, 400);
  EXPECT_GT(r.metrics().updates, a.metrics().updates);
  std::remove(path.c_str());
  // A truncated checkpoint is refused.
  a.save_checkpoint(path);
  {
    FILE* f = std::fopen(path.c_str(), "r+b");
    ASSERT_NE(f, nullptr);
    std::fseek(f, 0, SEEK_END);
    const long size = std::ftell(f);
    std::fclose(f);
    ASSERT_EQ(::truncate(path.c_str(), size / 2), 0);
  }
  Td3Trainer bad(c, hover_lift_factory());
  EXPECT_THROW(bad.load_checkpoint(path), InputError);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace ocres::learn
