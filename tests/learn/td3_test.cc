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

// A residual problem with a known solution. The "arm" goes exactly where it is commanded; the base
// commands the object's position plus a per-episode bias of up to 1.5 cm per axis (a mislocalised
// VLA); reward 1 - |TCP - object| / 3 cm (clipped at 0); success within 4 mm; 10 steps. The optimal
// residual is -bias / 2 cm, readable from the observation's object-minus-base-action features.
class OffsetToy : public ResidualTrainingEnv {
 public:
  void reset(uint64_t seed, float* obs) override {
    rng_.reseed(seed, 5);
    obj_ = Vec3(rng_.uniform(0.4, 0.6), rng_.uniform(-0.1, 0.1), rng_.uniform(0.02, 0.1));
    bias_ = Vec3(rng_.uniform(-0.015, 0.015), rng_.uniform(-0.015, 0.015), rng_.uniform(-0.015, 0.015));
    tcp_ = obj_ + Vec3(0, 0, 0.1);
    t_ = 0;
    build(obs);
  }
  sim::StepResult step(const float* delta, float* next_obs, float* executed) override {
    const Action command = policy::compose(base(), std::span<const float>(delta, 7), {});
    for (int k = 0; k < 7; ++k) executed[k] = std::clamp(delta[k], -1.0f, 1.0f);
    tcp_ = command.p_BT;
    ++t_;
    const double d = (tcp_ - obj_).norm();
    sim::StepResult r;
    r.reward = std::max(0.0, 1.0 - d / 0.03);
    r.success = d < 0.004;
    r.truncated = t_ >= 10;
    build(next_obs);
    return r;
  }
  bool time_up() const override { return t_ >= 10; }
  const policy::ResidualObsLayout& layout() const override { return layout_; }

 private:
  Action base() const { return Action{obj_ + bias_, Quat(0, 1, 0, 0), 0.04}; }
  void build(float* obs) const {
    RobotState robot;
    robot.X_BT = Pose{tcp_, Quat(0, 1, 0, 0)};
    const std::array<Pose, 1> objects{Pose{obj_, Quat::Identity()}};
    policy::build_residual_obs(layout_, robot, objects, {}, true, base(), obs);
  }
  policy::ResidualObsLayout layout_{1, 0};
  Rng rng_;
  Vec3 obj_, bias_, tcp_;
  int t_ = 0;
};

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
