#include "perception/pose_corruption.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace ocres::perception {
namespace {

TEST(PoseCorruption, NoiseIsHierarchicalUniformWithinBounds) {
  PoseCorruptionConfig c;
  c.dropout = false;
  Rng rng(1);
  const int n = 100000;
  double sum_abs = 0, max_abs = 0, sum_rot = 0;
  for (int i = 0; i < n; ++i) {
    Pose X{Vec3(0.5, 0.1, 0.02), quat_from_yaw(0.3)};
    std::array<Pose, 1> poses{X};
    ASSERT_TRUE(corrupt_poses(c, rng, poses));
    const Vec3 d = poses[0].p - X.p;
    for (int k = 0; k < 3; ++k) {
      sum_abs += std::abs(d[k]);
      max_abs = std::max(max_abs, std::abs(d[k]));
    }
    sum_rot += angle_between(poses[0].q, X.q);
  }
  // sigma ~ U(0, s), noise ~ U(-sigma, sigma): E|noise| = E[sigma] / 2 = s / 4.
  EXPECT_NEAR(sum_abs / (3.0 * n), 0.005 / 4, 0.00005);
  EXPECT_LE(max_abs, 0.005);
  EXPECT_GT(max_abs, 0.0049);
  // Rotation angle is bounded by sqrt(3) * 0.1 and averages well below it.
  EXPECT_LT(sum_rot / n, 0.1);
  EXPECT_GT(sum_rot / n, 0.02);
}

TEST(PoseCorruption, DropoutRateMatchesProbability) {
  PoseCorruptionConfig c;
  c.noise = false;
  Rng rng(2);
  int dropped = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    std::array<Pose, 2> poses{};
    const Pose before = poses[0];
    dropped += !corrupt_poses(c, rng, poses);
    ASSERT_EQ(poses[0].p, before.p);  // noise off: untouched
  }
  EXPECT_NEAR(static_cast<double>(dropped) / n, 0.1, 0.005);
}

TEST(PoseCorruption, AblationsTurnEachPartOff) {
  PoseCorruptionConfig c;
  c.noise = false;
  c.dropout = false;
  Rng rng(3);
  for (int i = 0; i < 1000; ++i) {
    std::array<Pose, 1> poses{Pose{Vec3(1, 2, 3), Quat::Identity()}};
    ASSERT_TRUE(corrupt_poses(c, rng, poses));
    ASSERT_EQ(poses[0].p, Vec3(1, 2, 3));
  }
}

TEST(PoseCorruption, RngStreamDoesNotDependOnSwitches) {
  // Ablations must consume the same random numbers so other draws stay aligned across conditions.
  PoseCorruptionConfig on, off;
  off.noise = false;
  off.dropout = false;
  Rng a(4), b(4);
  std::array<Pose, 2> p1{}, p2{};
  corrupt_poses(on, a, p1);
  corrupt_poses(off, b, p2);
  EXPECT_EQ(a.next_u64(), b.next_u64());
}

TEST(VlaLocalization, BiasIsConstantPerEpisodeAndNoiseVariesPerStep) {
  VlaLocalization loc;
  Rng rng(5);
  loc.reset(rng, 1);
  const Pose truth{Vec3(0.5, 0, 0.02), Quat::Identity()};
  Vec3 mean = Vec3::Zero();
  const int n = 2000;
  std::vector<Vec3> samples;
  for (int i = 0; i < n; ++i) {
    samples.push_back(loc.observe(0, truth, rng).p - truth.p);
    mean += samples.back() / n;
  }
  double var = 0;
  for (const Vec3& s : samples) var += (s - mean).head<2>().squaredNorm() / (2.0 * n);
  EXPECT_NEAR(std::sqrt(var), 0.003, 0.0003);  // per-step noise
  EXPECT_GT(mean.head<2>().norm(), 0.0005);     // a bias, not zero-mean noise
  EXPECT_NEAR(mean.z(), 0.0, 1e-12);
}

TEST(VlaLocalization, ScalarBiasIsConstantPerEpisodeAndNeverBelowTheMinimum) {
  VlaLocalizationConfig c;
  c.bias_scalar_std = 0.012;
  c.noise_scalar_std = 0.003;
  VlaLocalization loc(c);
  Rng rng(8);
  // Over many episodes the per-episode bias has the configured spread; within one it is constant.
  const int episodes = 4000;
  double sum = 0, sum_sq = 0;
  for (int e = 0; e < episodes; ++e) {
    loc.reset(rng, 1, 1);
    double within = 0;
    const int steps = 50;
    for (int t = 0; t < steps; ++t) within += (loc.observe_scalar(0, 0.10, rng) - 0.10) / steps;
    sum += within;
    sum_sq += within * within;
    // A drawer is never seen more than closed.
    EXPECT_GE(loc.observe_scalar(0, 0.0, rng), 0.0);
  }
  const double mean = sum / episodes, std = std::sqrt(sum_sq / episodes - mean * mean);
  EXPECT_NEAR(mean, 0.0, 0.001);
  EXPECT_NEAR(std, std::hypot(0.012, 0.003 / std::sqrt(50.0)), 0.001);
}

TEST(VlaLocalization, ScalarErrorOffDrawsNothingSoObjectPosesKeepTheirStream) {
  // Tasks without a scalar error (every task but Close Drawer) must see the same object errors
  // whether or not the caller passes its scalars.
  VlaLocalization with, without;
  Rng a(9), b(9);
  with.reset(a, 2, 1);
  without.reset(b, 2);
  const Pose X{Vec3(0.5, 0.0, 0.02), Quat::Identity()};
  EXPECT_DOUBLE_EQ(with.observe_scalar(0, 0.05, a), 0.05);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(with.observe(i, X, a).p, without.observe(i, X, b).p);
  EXPECT_EQ(a.next_u64(), b.next_u64());
}

TEST(VlaLocalization, PerTaskModelsDifferOnlyWhereDocumented) {
  const VlaLocalizationConfig d;
  const VlaLocalizationConfig lift = vla_localization_for_task("lift");
  EXPECT_EQ(lift.bias_position_std_m, d.bias_position_std_m);
  EXPECT_EQ(lift.bias_scalar_std, 0.0);
  for (const char* t : {"pick_place", "cup", "unknown"}) {
    const VlaLocalizationConfig c = vla_localization_for_task(t);
    EXPECT_EQ(c.bias_position_std_m, d.bias_position_std_m) << t;
    EXPECT_EQ(c.bias_yaw_std_rad, d.bias_yaw_std_rad) << t;
    EXPECT_EQ(c.bias_scalar_std, 0.0) << t;
  }
  // Stack: a smaller position bias, the rest as elsewhere.
  const VlaLocalizationConfig stack = vla_localization_for_task("stack");
  EXPECT_LT(stack.bias_position_std_m, d.bias_position_std_m);
  EXPECT_EQ(stack.bias_yaw_std_rad, d.bias_yaw_std_rad);
  EXPECT_EQ(stack.noise_position_std_m, d.noise_position_std_m);
  // Close Drawer: the slide position is localised too, as imprecisely as a position.
  const VlaLocalizationConfig drawer = vla_localization_for_task("drawer");
  EXPECT_EQ(drawer.bias_position_std_m, d.bias_position_std_m);
  EXPECT_EQ(drawer.bias_scalar_std, d.bias_position_std_m);
}

}  // namespace
}  // namespace ocres::perception
