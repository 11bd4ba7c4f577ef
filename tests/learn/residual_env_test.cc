#include "learn/residual_env.h"

#include <gtest/gtest.h>

#include <cstring>

#include "eval/rollout.h"
#include "policy/replay_base_policy.h"
#include "sim/domain.h"
#include "tasks/registry.h"

namespace ocres::learn {
namespace {

// Records the expert's actions for one episode.
std::vector<Action> expert_actions(const std::string& task, const sim::DomainConfig& domain, uint64_t seed,
                                   std::vector<double>* qpos_trace) {
  auto scene = tasks::compile_task(task, domain);
  auto env = tasks::make_env(scene, domain);
  auto expert = tasks::make_task(task)->make_expert();
  const Observation* obs = &env->reset(seed);
  Rng rng(seed, 103);
  expert->reset(rng);
  std::vector<Action> out;
  for (int t = 0; t < 60; ++t) {
    out.push_back(expert->act(*obs));
    env->step(out.back());
    obs = &env->observation();
    qpos_trace->insert(qpos_trace->end(), env->data()->qpos, env->data()->qpos + env->model()->nq);
  }
  return out;
}

TEST(ResidualEnv, ZeroResidualReproducesTheBaseRolloutExactly) {
  const sim::DomainConfig domain = sim::load_domain("sim");
  std::vector<double> direct;
  const auto actions = expert_actions("lift", domain, 42, &direct);
  auto scene = tasks::compile_task("lift", domain);
  ResidualEnvConfig cfg;
  cfg.corrupt_poses = true;  // corruption changes only what the residual sees, never the base
  cfg.safety.max_translation_per_step_m = 1.0;  // the expert's own steps are within the env's limits
  ResidualEnv renv(tasks::make_env(scene, domain), std::make_unique<policy::ReplayBasePolicy>(actions), cfg);
  std::vector<float> obs(renv.obs_dim()), next(renv.obs_dim());
  float executed[policy::kResidualDim];
  const float zero[policy::kResidualDim] = {0, 0, 0, 0, 0, 0, 0};
  renv.reset(42, obs.data());
  std::vector<double> via_residual;
  for (int t = 0; t < 60; ++t) {
    renv.step(zero, next.data(), executed);
    for (float e : executed) ASSERT_NEAR(e, 0.0f, 1e-6f);
    const mjData* d = renv.env().data();
    via_residual.insert(via_residual.end(), d->qpos, d->qpos + renv.env().model()->nq);
  }
  ASSERT_EQ(direct.size(), via_residual.size());
  // Bit-identical physics: the zero residual is exactly the base action.
  EXPECT_EQ(std::memcmp(direct.data(), via_residual.data(), direct.size() * sizeof(double)), 0);
}

TEST(ResidualEnv, ObservationContainsTheCurrentBaseAction) {
  const sim::DomainConfig domain = sim::load_domain("sim");
  auto scene = tasks::compile_task("lift", domain);
  std::vector<Action> actions(40, Action{Vec3(0.5, 0.05, 0.3), Quat(0, 1, 0, 0), 0.07});
  ResidualEnvConfig cfg;
  cfg.corrupt_poses = false;
  ResidualEnv renv(tasks::make_env(scene, domain), std::make_unique<policy::ReplayBasePolicy>(actions), cfg);
  std::vector<float> obs(renv.obs_dim());
  renv.reset(1, obs.data());
  const int b = renv.layout().base_offset();
  EXPECT_FLOAT_EQ(obs[b + 0], 0.5f);
  EXPECT_FLOAT_EQ(obs[b + 7], 0.07f);
  // Object block = true pose when not corrupted.
  const Pose X = renv.env().observation().X_BO[0];
  EXPECT_FLOAT_EQ(obs[renv.layout().object_offset()], static_cast<float>(X.p.x()));
}

}  // namespace
}  // namespace ocres::learn
