#include "learn/demos.h"

#include <gtest/gtest.h>

#include "sim/domain.h"
#include "tasks/registry.h"

namespace ocres::learn {
namespace {

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
  DemoCollectionConfig cfg;
  cfg.task = "lift";
  cfg.domain = "sim";
  cfg.count = 2;
  cfg.seed = 3;
  const auto demos = collect_demos(cfg);
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
  DemoCollectionConfig cfg;
  cfg.task = "lift";
  cfg.domain = "lab";
  cfg.count = 1;
  cfg.seed = 5;
  const auto demos = collect_demos(cfg);
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

}  // namespace
}  // namespace ocres::learn
