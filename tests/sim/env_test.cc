#include <gtest/gtest.h>

#include <cstring>

#include "core/error.h"
#include "eval/rollout.h"
#include "sim/domain.h"
#include "sim/vec_env.h"
#include "sim_fixture.h"
#include "tasks/registry.h"

namespace ocres::sim {
namespace {

std::vector<double> qpos_trajectory(Env& env, uint64_t seed, int steps) {
  env.reset(seed);
  std::vector<double> out;
  Rng rng(seed, 7);
  for (int t = 0; t < steps; ++t) {
    Action a;
    a.p_BT = Vec3(0.45 + rng.uniform(-0.1, 0.1), rng.uniform(-0.1, 0.1), 0.1 + rng.uniform(0, 0.1));
    a.q_BT = env.observation().robot.X_BT.q;
    a.gripper_width_m = rng.uniform(0, 0.08);
    env.step(a);
    out.insert(out.end(), env.data()->qpos, env.data()->qpos + env.model()->nq);
  }
  return out;
}

class EnvTest : public ::testing::Test {
 protected:
  DomainConfig domain_ = load_domain("lab");  // lab randomises physics per episode: the harder case
  std::shared_ptr<const CompiledScene> scene_ = tasks::compile_task("lift", domain_);
};

TEST_F(EnvTest, SameSeedGivesBitIdenticalRollouts) {
  auto a = tasks::make_env(scene_, domain_);
  auto b = tasks::make_env(scene_, domain_);
  const auto ta = qpos_trajectory(*a, 5, 30);
  // b runs another episode first: state left over from it must not leak into the next one.
  qpos_trajectory(*b, 99, 10);
  const auto tb = qpos_trajectory(*b, 5, 30);
  ASSERT_EQ(ta.size(), tb.size());
  EXPECT_EQ(std::memcmp(ta.data(), tb.data(), ta.size() * sizeof(double)), 0);
}

TEST_F(EnvTest, DifferentSeedsGiveDifferentEpisodes) {
  auto env = tasks::make_env(scene_, domain_);
  const Pose a = env->reset(1).X_BO[0];
  const Pose b = env->reset(2).X_BO[0];
  EXPECT_GT((a.p - b.p).norm(), 1e-4);
}

TEST_F(EnvTest, RolloutStatisticsDoNotDependOnThreadCount) {
  eval::RolloutConfig cfg;
  cfg.task = "lift";
  cfg.domain = "lab";
  cfg.episodes = 6;
  cfg.seed = 3;
  auto expert = [](const Env& env) { return tasks::make_task(env.task_info().name)->make_expert(); };
  cfg.threads = 1;
  const auto one = eval::run_episodes(cfg, expert);
  cfg.threads = 3;
  const auto three = eval::run_episodes(cfg, expert);
  for (int i = 0; i < cfg.episodes; ++i) {
    EXPECT_EQ(one[i].seed, three[i].seed);
    EXPECT_EQ(one[i].length, three[i].length);
    EXPECT_EQ(one[i].success, three[i].success);
    EXPECT_DOUBLE_EQ(one[i].episode_return, three[i].episode_return);
  }
}

TEST_F(EnvTest, VecEnvMatchesSequentialEnvs) {
  std::vector<std::unique_ptr<Env>> envs;
  for (int i = 0; i < 3; ++i) envs.push_back(tasks::make_env(scene_, domain_));
  VecEnv vec(std::move(envs), 2);
  vec.reset({10, 11, 12});
  auto solo = tasks::make_env(scene_, domain_);
  solo->reset(11);
  Action a{Vec3(0.5, 0.0, 0.2), vec.env(1).observation().robot.X_BT.q, 0.04};
  std::vector<StepResult> results;
  for (int t = 0; t < 5; ++t) {
    vec.step({a, a, a}, results);
    solo->step(a);
  }
  EXPECT_EQ(std::memcmp(vec.env(1).data()->qpos, solo->data()->qpos, sizeof(double) * solo->model()->nq), 0);
}

TEST_F(EnvTest, TruncationIsDistinctFromTermination) {
  auto env = tasks::make_env(scene_, domain_);
  env->reset(0);
  Action hold{env->observation().robot.X_BT.p, env->observation().robot.X_BT.q, 0.08};
  StepResult r;
  for (int t = 0; t < env->horizon(); ++t) {
    r = env->step(hold);
    if (t + 1 < env->horizon()) {
      ASSERT_FALSE(r.truncated || r.terminated) << "step " << t;
    }
  }
  EXPECT_TRUE(r.truncated);
  EXPECT_FALSE(r.terminated);
  EXPECT_FALSE(r.success);
}

TEST_F(EnvTest, DivergedPhysicsEndsTheEpisodeAsAFailureAndWarnsOnStderr) {
  auto env = tasks::make_env(scene_, domain_);
  env->reset(0);
  Action hold{env->observation().robot.X_BT.p, env->observation().robot.X_BT.q, 0.08};
  ASSERT_FALSE(env->step(hold).sim_unstable);
  // A diverged velocity: MuJoCo resets the state to the reference configuration and warns.
  env->mutable_data()->qvel[0] = NAN;
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  const StepResult r = env->step(hold);
  const std::string out = ::testing::internal::GetCapturedStdout(), err = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(r.sim_unstable);
  EXPECT_TRUE(r.terminated);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.reward, 0);
  EXPECT_EQ(out, "");  // stdout stays clean for --json
  EXPECT_NE(err.find("MuJoCo warning"), std::string::npos) << err;
  // A new episode starts clean.
  env->reset(1);
  EXPECT_FALSE(env->step(hold).sim_unstable);
}

TEST_F(EnvTest, NonFiniteActionIsRejectedWithAClearError) {
  auto env = tasks::make_env(scene_, domain_);
  env->reset(0);
  Action bad{Vec3(NAN, 0, 0.2), Quat::Identity(), 0.04};
  try {
    env->step(bad);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("non-finite"), std::string::npos);
  }
}

TEST_F(EnvTest, LabDomainActionsArriveOneStepLate) {
  ASSERT_EQ(domain_.control_latency_steps, 1);
  auto env = tasks::make_env(scene_, domain_);
  const Observation o = env->reset(0);
  const Action first{Vec3(0.5, 0.1, 0.3), o.robot.X_BT.q, 0.08};
  env->step(first);
  EXPECT_LT((env->applied_action().p_BT - o.robot.X_BT.p).norm(), 1e-12);  // still holding
  env->step(first);
  EXPECT_LT((env->applied_action().p_BT - first.p_BT).norm(), 1e-12);
}

TEST(Domain, UnknownDomainNamesTheValue) {
  try {
    load_domain("moon");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("moon"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("lab"), std::string::npos);  // lists known domains
  }
}

TEST(Domain, MalformedAndOutOfRangeValuesAreRejected) {
  EXPECT_THROW(parse_domain(load_yaml_string("object_friction: -1\n", "t"), "t"), InputError);
  EXPECT_THROW(parse_domain(load_yaml_string("object_friction: {value: 1, randomize: [1.2, 0.8]}\n", "t"), "t"),
               InputError);
  EXPECT_THROW(parse_domain(load_yaml_string("gripper_force: 50\n", "t"), "t"), InputError);  // typo
  EXPECT_THROW(parse_domain(load_yaml_string("timestep_s: fast\n", "t"), "t"), InputError);
  const DomainConfig d =
      parse_domain(load_yaml_string("object_friction: {value: 0.5, randomize: [0.8, 1.2]}\n", "t"), "t");
  EXPECT_DOUBLE_EQ(d.object_friction.value, 0.5);
  EXPECT_DOUBLE_EQ(d.object_friction.rand_hi, 1.2);
}

}  // namespace
}  // namespace ocres::sim
