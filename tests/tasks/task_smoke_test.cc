// Walks the task registry: every task builds, resets, steps with finite observations and rewards in
// [0, 1] without MuJoCo warnings, and its scripted expert solves it.
#include <gtest/gtest.h>

#include "core/error.h"
#include "eval/rollout.h"
#include "sim/domain.h"
#include "../sim/sim_fixture.h"
#include "tasks/registry.h"

namespace ocres::tasks {
namespace {

class TaskSmoke : public ::testing::TestWithParam<std::string> {};

bool finite(const sim::Observation& o) {
  bool ok = o.robot.q.allFinite() && o.robot.dq.allFinite() && o.robot.X_BT.p.allFinite() &&
            std::isfinite(o.robot.gripper_width_m);
  for (int i = 0; i < o.num_objects; ++i) ok = ok && o.X_BO[i].p.allFinite() && o.X_BO[i].q.coeffs().allFinite();
  for (int i = 0; i < o.num_scalars; ++i) ok = ok && std::isfinite(o.scalars[i]);
  return ok;
}

TEST_P(TaskSmoke, ResetsAndStepsWithFiniteObservations) {
  const sim::DomainConfig domain = sim::load_domain("sim");
  auto scene = compile_task(GetParam(), domain);
  auto env = make_env(scene, domain);
  Rng rng(1);
  for (int episode = 0; episode < 3; ++episode) {
    const sim::Observation& o = env->reset(episode);
    ASSERT_TRUE(finite(o));
    EXPECT_EQ(o.num_objects, static_cast<int>(env->task_info().object_names.size()));
    for (int t = 0; t < 40; ++t) {
      sim::Action a;
      a.p_BT = env->observation().robot.X_BT.p + Vec3(rng.uniform(-0.03, 0.03), rng.uniform(-0.03, 0.03), rng.uniform(-0.03, 0.03));
      a.q_BT = env->observation().robot.X_BT.q;
      a.gripper_width_m = rng.uniform(0, 0.08);
      const sim::StepResult r = env->step(a);
      ASSERT_TRUE(finite(env->observation())) << "step " << t;
      ASSERT_GE(r.reward, 0.0);
      ASSERT_LE(r.reward, 1.0);
      if (r.terminated || r.truncated) break;
    }
    sim::testing::expect_no_mujoco_warnings(env->data());
  }
}

TEST_P(TaskSmoke, ScriptedExpertSolvesTheTask) {
  eval::RolloutConfig cfg;
  cfg.task = GetParam();
  cfg.domain = "sim";
  cfg.episodes = 10;
  cfg.seed = 1234;
  cfg.threads = 2;
  int warnings = 0, success_steps = 0, success_steps_paid_1 = 0;
  const auto stats = eval::run_episodes(
      cfg, [](const sim::Env& env) { return make_task(env.task_info().name)->make_expert(); },
      [&](int, const sim::Env& env, const sim::Action&, const sim::StepResult& r) {
        if (r.terminated || r.truncated) warnings += sim::warning_count(env.data());
        success_steps += r.success;
        success_steps_paid_1 += r.success && r.reward == 1.0;
      });
  const eval::Summary s = eval::summarize(stats);
  EXPECT_GE(s.successes, 9) << GetParam() << ": expert solved " << s.successes << "/10";
  EXPECT_EQ(warnings, 0);
  // A solved task pays the maximal reward (never less than lingering short of success would).
  EXPECT_EQ(success_steps_paid_1, success_steps);
}

INSTANTIATE_TEST_SUITE_P(AllTasks, TaskSmoke, ::testing::ValuesIn(task_names()),
                         [](const auto& info) { return info.param; });

TEST(TaskRegistry, UnknownTaskNamesTheValueAndListsKnownTasks) {
  try {
    make_task("juggle");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("juggle"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("lift"), std::string::npos);
  }
}

}  // namespace
}  // namespace ocres::tasks
