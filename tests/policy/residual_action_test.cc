#include "policy/residual_action.h"

#include <gtest/gtest.h>

#include "core/rng.h"

namespace ocres::policy {
namespace {

Action some_base() {
  Action a;
  a.p_BT = Vec3(0.5, -0.1, 0.2);
  a.q_BT = quat_from_euler_xyz(Vec3(3.0, 0.1, -0.4));
  a.gripper_width_m = 0.05;
  return a;
}

TEST(Compose, ZeroResidualReproducesTheBaseAction) {
  const Action base = some_base();
  const float zero[kResidualDim] = {0, 0, 0, 0, 0, 0, 0};
  const Action a = compose(base, zero, {});
  EXPECT_EQ(a.p_BT, base.p_BT);
  EXPECT_LT(angle_between(a.q_BT, base.q_BT), 1e-12);
  EXPECT_EQ(a.gripper_width_m, base.gripper_width_m);
}

TEST(Compose, ScalesAndFramesMatchTheSpec) {
  const Action base = some_base();
  const float d[kResidualDim] = {1, -0.5, 0.25, 0, 0, 1, -1};
  const Action a = compose(base, d, {});
  EXPECT_TRUE(a.p_BT.isApprox(base.p_BT + Vec3(0.02, -0.01, 0.005), 1e-12));
  // Rotation right-multiplied: 0.05 rad about the base action's own z axis.
  const Quat expected = base.q_BT * Quat(Eigen::AngleAxisd(0.05, Vec3::UnitZ()));
  EXPECT_LT(angle_between(a.q_BT, expected), 1e-12);
  EXPECT_NEAR(angle_between(a.q_BT, base.q_BT), 0.05, 1e-12);
  EXPECT_NEAR(a.gripper_width_m, 0.03, 1e-12);
}

TEST(Compose, GripperAndDeltaAreClamped) {
  Action base = some_base();
  base.gripper_width_m = 0.079;
  const float d[kResidualDim] = {5, 0, 0, 0, 0, 0, 1};
  const Action a = compose(base, d, {});
  EXPECT_NEAR(a.p_BT.x(), base.p_BT.x() + 0.02, 1e-12);  // delta clamped to 1
  EXPECT_DOUBLE_EQ(a.gripper_width_m, 0.08);
}

TEST(SafetyClamp, LimitsTranslationRotationAndWorkspace) {
  const Action prev = some_base();
  Action cmd = prev;
  cmd.p_BT += Vec3(0.3, 0, 0);
  cmd.q_BT = prev.q_BT * Quat(Eigen::AngleAxisd(1.0, Vec3::UnitX()));
  SafetyLimits limits;
  const Action out = safety_clamp(cmd, prev, limits);
  EXPECT_NEAR((out.p_BT - prev.p_BT).norm(), limits.max_translation_per_step_m, 1e-12);
  EXPECT_NEAR(angle_between(out.q_BT, prev.q_BT), limits.max_rotation_per_step_rad, 1e-9);
  Action far = prev;
  far.p_BT = Vec3(0.86, 0.0, -0.5);
  Action prev_far = far;
  const Action boxed = safety_clamp(far, prev_far, limits);
  EXPECT_DOUBLE_EQ(boxed.p_BT.x(), 0.85);
  EXPECT_DOUBLE_EQ(boxed.p_BT.z(), -0.01);
}

TEST(ResidualObs, LayoutMatchesDocumentedIndices) {
  ResidualObsLayout layout{2, 1};
  EXPECT_EQ(layout.dim(), 10 + 14 + 1 + 8);
  EXPECT_EQ(static_cast<int>(layout.names().size()), layout.dim());
  EXPECT_EQ(layout.names()[layout.object_offset()], "obj0.px");
  EXPECT_EQ(layout.names()[layout.base_offset()], "base.px");
  RobotState robot;
  robot.X_BT = Pose{Vec3(0.4, 0.1, 0.3), Quat(0, 1, 0, 0)};
  robot.gripper_width_m = 0.06;
  robot.finger_m = {0.03, 0.03};
  std::array<Pose, 2> objects{Pose{Vec3(1, 2, 3), Quat(-1, 0, 0, 0)}, Pose{Vec3(4, 5, 6), Quat::Identity()}};
  std::array<double, 1> scalars{0.13};
  std::vector<float> out(layout.dim());
  build_residual_obs(layout, robot, objects, scalars, true, some_base(), out.data());
  EXPECT_FLOAT_EQ(out[0], 0.4f);
  EXPECT_FLOAT_EQ(out[7], 0.06f);
  EXPECT_FLOAT_EQ(out[10], 1.0f);
  EXPECT_FLOAT_EQ(out[13], 1.0f);  // canonical sign: (-1,0,0,0) -> (1,0,0,0)
  EXPECT_FLOAT_EQ(out[24], 0.13f);
  EXPECT_FLOAT_EQ(out[layout.base_offset() + 7], 0.05f);
  // Dropped poses: the whole object block is zero, the rest unchanged.
  std::vector<float> dropped(layout.dim());
  build_residual_obs(layout, robot, objects, scalars, false, some_base(), dropped.data());
  for (int i = 0; i < layout.object_dim(); ++i) EXPECT_EQ(dropped[layout.object_offset() + i], 0.0f);
  for (int i = 0; i < layout.object_offset(); ++i) EXPECT_EQ(dropped[i], out[i]);
  for (int i = layout.base_offset(); i < layout.dim(); ++i) EXPECT_EQ(dropped[i], out[i]);
}

}  // namespace
}  // namespace ocres::policy
