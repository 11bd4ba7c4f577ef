#include "learn/td3.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>

#include "policy/replay_base_policy.h"
#include "sim/domain.h"
#include "tasks/registry.h"

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

ResidualEnvFactory factory() {
  const sim::DomainConfig domain = sim::load_domain("sim");
  auto scene = tasks::compile_task("lift", domain);
  return [=](int, bool for_eval) {
    ResidualEnvConfig ec;
    ec.corrupt_poses = !for_eval;
    // A base that hovers above the table: enough to exercise training.
    std::vector<Action> hover(400, Action{Vec3(0.45, -0.05, 0.15), Quat(0, 1, 0, 0), 0.08});
    auto env = tasks::make_env(scene, domain);
    return std::make_unique<ResidualEnv>(std::move(env), std::make_unique<policy::ReplayBasePolicy>(hover), ec);
  };
}

TEST(Td3, ActorStartsExactlyAtTheBasePolicy) {
  Td3Trainer t(tiny(), factory());
  std::vector<float> obs(t.obs_dim(), 0.3f), out(7, 1.0f);
  t.actor().forward_one(obs.data(), out.data());
  for (float v : out) EXPECT_EQ(v, 0.0f);
}

TEST(Td3, SameSeedSameTraining) {
  Td3Trainer a(tiny(), factory()), b(tiny(), factory());
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
  Td3Trainer a(c, factory());
  a.train();
  a.save_checkpoint(path);
  // A "killed" run restarts from the checkpoint in a fresh process-like state.
  Td3Trainer b(c, factory());
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
  Td3Trainer r(more, factory());
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
  Td3Trainer bad(c, factory());
  EXPECT_THROW(bad.load_checkpoint(path), InputError);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace ocres::learn
