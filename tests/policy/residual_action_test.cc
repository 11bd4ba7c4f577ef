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

// The grasp gate: the position correction applies while the base commands the gripper at least
// position_off_below_base_grip_m open, and not once it closes; rotation and gripper corrections stay.
TEST(Compose, PositionCorrectionEndsWhenTheBaseClosesTheGripper) {
  ResidualScales gated;
  gated.position_off_below_base_grip_m = 0.04;
  const float d[kResidualDim] = {1, -1, 0.5, 0, 0, 1, -0.5};
  Action open = some_base();
  open.gripper_width_m = 0.04;  // at the threshold: still open
  EXPECT_TRUE(compose(open, d, gated).p_BT.isApprox(compose(open, d, {}).p_BT, 1e-12));
  EXPECT_GT((compose(open, d, gated).p_BT - open.p_BT).norm(), 0.02);
  Action closed = some_base();
  closed.gripper_width_m = 0.039;
  const Action a = compose(closed, d, gated);
  EXPECT_EQ(a.p_BT, closed.p_BT);
  EXPECT_NEAR(angle_between(a.q_BT, closed.q_BT), 0.05, 1e-12);
  EXPECT_NEAR(a.gripper_width_m, 0.039 - 0.01, 1e-12);
  // 0 (the default) never gates.
  EXPECT_FALSE(compose(closed, d, {}).p_BT.isApprox(closed.p_BT, 1e-9));
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
  EXPECT_EQ(layout.dim(), 10 + 14 + 1 + 8 + 1 + 12);
  EXPECT_EQ(static_cast<int>(layout.names().size()), layout.dim());
  EXPECT_EQ(layout.names()[layout.object_offset()], "obj0.px");
  EXPECT_EQ(layout.names()[layout.base_offset()], "base.px");
  EXPECT_EQ(layout.names()[layout.valid_index()], "valid");
  EXPECT_EQ(layout.names()[layout.relative_offset() + 6], "obj1-tcp.x");
  EXPECT_EQ(layout.names()[layout.object_position_index(1)], "obj1.px");
  EXPECT_EQ(layout.names()[layout.base_gripper_index()], "base.grip");
  EXPECT_EQ(layout.names()[layout.object_minus_base_index(1)], "obj1-base.x");
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
  EXPECT_FLOAT_EQ(out[layout.valid_index()], 1.0f);
  // Relative features: object minus TCP, object minus base action (object 1: (4,5,6)).
  EXPECT_FLOAT_EQ(out[layout.relative_offset() + 6], 4.0f - 0.4f);
  EXPECT_FLOAT_EQ(out[layout.relative_offset() + 7], 5.0f - 0.1f);
  EXPECT_FLOAT_EQ(out[layout.relative_offset() + 9], static_cast<float>(4.0 - some_base().p_BT.x()));
  // Dropped poses: the object block and the relative features are zero, the flag is 0, the rest unchanged.
  std::vector<float> dropped(layout.dim());
  build_residual_obs(layout, robot, objects, scalars, false, some_base(), dropped.data());
  for (int i = 0; i < layout.object_dim(); ++i) EXPECT_EQ(dropped[layout.object_offset() + i], 0.0f);
  for (int i = 0; i < layout.relative_dim(); ++i) EXPECT_EQ(dropped[layout.relative_offset() + i], 0.0f);
  EXPECT_EQ(dropped[layout.valid_index()], 0.0f);
  for (int i = 0; i < layout.object_offset(); ++i) EXPECT_EQ(dropped[i], out[i]);
  for (int i = layout.base_offset(); i < layout.valid_index(); ++i) EXPECT_EQ(dropped[i], out[i]);
}

TEST(ResidualObs, NormalisationKeepsDroppedPosesAtZeroAndIgnoresThemInTheFit) {
  ResidualObsLayout layout{1, 0};
  RobotState robot;
  robot.X_BT = Pose{Vec3(0.4, 0.1, 0.3), Quat(0, 1, 0, 0)};
  std::array<Pose, 1> objects{Pose{Vec3(0.5, 0.0, 0.02), Quat::Identity()}};
  std::vector<float> rows, row(layout.dim());
  for (int k = 0; k < 10; ++k) {
    objects[0].p.x() = 0.5 + 0.01 * k;
    build_residual_obs(layout, robot, objects, {}, /*valid=*/k % 3 != 0, some_base(), row.data());
    rows.insert(rows.end(), row.begin(), row.end());
  }
  std::vector<float> mean, inv_std;
  fit_residual_normalizer(layout, rows, 1e-3, mean, inv_std);
  // Valid rows have x in {0.51, 0.52, 0.54, 0.55, 0.57, 0.58}: the dropped zeros do not pull the mean.
  EXPECT_NEAR(mean[layout.object_offset()], (0.51 + 0.52 + 0.54 + 0.55 + 0.57 + 0.58) / 6, 1e-6);
  std::vector<float> n(layout.dim());
  normalize_residual_obs(layout, mean, inv_std, rows.data(), n.data());  // row 0 is dropped
  for (int i = 0; i < layout.object_dim(); ++i) EXPECT_EQ(n[layout.object_offset() + i], 0.0f);
  for (int i = 0; i < layout.relative_dim(); ++i) EXPECT_EQ(n[layout.relative_offset() + i], 0.0f);
  EXPECT_FLOAT_EQ(n[0], (rows[0] - mean[0]) * inv_std[0]);
  normalize_residual_obs(layout, mean, inv_std, rows.data() + layout.dim(), n.data());  // row 1 is valid
  EXPECT_FLOAT_EQ(n[layout.object_offset()], (0.51f - mean[layout.object_offset()]) * inv_std[layout.object_offset()]);
}

}  // namespace
}  // namespace ocres::policy
