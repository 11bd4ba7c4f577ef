#include "learn/demos.h"

#include <gtest/gtest.h>

#include "sim/domain.h"
#include "tasks/registry.h"

namespace ocres::learn {
namespace {

DemoCollectionResult collect(const std::string& task, const std::string& domain, int count, uint64_t seed) {
  DemoCollectionConfig cfg;
  cfg.task = task;
  cfg.domain = domain;
  cfg.count = count;
  cfg.seed = seed;
  return collect_demos(cfg);
}

TEST(Demos, CollectionKeepsOnlySuccessesAndIsThreadCountIndependent) {
  DemoCollectionConfig cfg;
  cfg.task = "lift";
  cfg.domain = "lab";
  cfg.count = 4;
  cfg.seed = 9;
  cfg.threads = 1;
  const auto one = collect_demos(cfg);
  cfg.threads = 2;
  const auto two = collect_demos(cfg);
  ASSERT_EQ(one.demos.size(), 4u);
  ASSERT_EQ(two.demos.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_TRUE(one.demos[i].success);
    EXPECT_EQ(one.demos[i].seed, two.demos[i].seed);
    EXPECT_EQ(one.demos[i].actions, two.demos[i].actions);
    const int T = one.demos[i].length;
    EXPECT_EQ(static_cast<int>(one.demos[i].actions.size()), T * 8);
    EXPECT_EQ(static_cast<int>(one.demos[i].obs.at("object_poses").size()), T * 7);
    EXPECT_EQ(one.demos[i].dones.back(), 1.0f);
  }
}

TEST(Demos, ReplayingASimDemoInSimReproducesItsObjectTrajectoryExactly) {
  const auto demos = collect("lift", "sim", 2, 3);
  ASSERT_EQ(demos.demos.size(), 2u);
  const sim::DomainConfig domain = sim::load_domain("sim");
  auto env = tasks::make_env(tasks::compile_task("lift", domain), domain);
  for (const EpisodeRecord& demo : demos.demos) {
    const EpisodeRecord replay = replay_episode(*env, demo);
    EXPECT_EQ(replay.length, demo.length);
    EXPECT_EQ(replay.obs.at("object_poses"), demo.obs.at("object_poses"));
    EXPECT_EQ(replay.actions, demo.actions);
    EXPECT_TRUE(replay.success);
  }
}

TEST(Demos, ReplayInAnotherDomainKeepsTheActionsAndChangesTheObservations) {
  const auto demos = collect("lift", "lab", 1, 5);
  ASSERT_EQ(demos.demos.size(), 1u);
  const sim::DomainConfig sim_domain = sim::load_domain("sim");
  auto env = tasks::make_env(tasks::compile_task("lift", sim_domain), sim_domain);
  const EpisodeRecord paired = replay_episode(*env, demos.demos[0]);
  EXPECT_EQ(paired.actions, std::vector<float>(demos.demos[0].actions.begin(),
                                               demos.demos[0].actions.begin() + paired.actions.size()));
  // Same start state (the start draws do not depend on the domain) ...
  const auto& a = paired.obs.at("object_poses");
  const auto& b = demos.demos[0].obs.at("object_poses");
  for (int k = 0; k < 7; ++k) EXPECT_FLOAT_EQ(a[k], b[k]);
  // ... then different physics.
  EXPECT_NE(paired.obs.at("robot"), demos.demos[0].obs.at("robot"));
}

TEST(Demos, GraspTaskDemosEndAtTheSuccessInstant) {
  EXPECT_EQ(steps_after_success("lift"), 0);
  const auto demos = collect("lift", "sim", 1, 2);
  ASSERT_EQ(demos.demos.size(), 1u);
  // Only the last step is a success (the success test terminates the recording).
  const EpisodeRecord& d = demos.demos[0];
  const auto& r = d.rewards;
  EXPECT_TRUE(d.success);
  EXPECT_GT(r.back(), r[r.size() - 2]);
}

TEST(Demos, DrawerDemosRecordThePushEndAndTheWithdrawalAndReplayInFull) {
  const int after = steps_after_success("drawer");
  ASSERT_GT(after, 0);
  const auto demos = collect("drawer", "lab", 2, 4);
  ASSERT_EQ(demos.demos.size(), 2u);
  const sim::DomainConfig sim_domain = sim::load_domain("sim");
  auto env = tasks::make_env(tasks::compile_task("drawer", sim_domain), sim_domain);
  for (const EpisodeRecord& d : demos.demos) {
    EXPECT_TRUE(d.success);
    // The opening (task scalar 0) went below the 1 cm success line `after` steps before the end ...
    const auto& opening = d.obs.at("task_scalars");
    int first_closed = -1;
    for (int t = 0; t < d.length && first_closed < 0; ++t)
      if (opening[t] < 0.01) first_closed = t;
    ASSERT_GE(first_closed, 0);
    EXPECT_EQ(d.length - first_closed, after);
    // ... and the hand withdrew from the handle by then (TCP x in the robot frame: back towards the robot).
    const auto& robot = d.obs.at("robot");
    const float x_at_close = robot[first_closed * 10], x_end = robot[(d.length - 1) * 10];
    EXPECT_LT(x_end, x_at_close - 0.03f);
    EXPECT_EQ(d.dones.back(), 1.0f);
    // The sim replay executes every recorded action (it does not stop at the sim's success instant).
    const EpisodeRecord paired = replay_episode(*env, d);
    EXPECT_EQ(paired.length, d.length);
    EXPECT_EQ(paired.actions, d.actions);
  }
}

}  // namespace
}  // namespace ocres::learn
