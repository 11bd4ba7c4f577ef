#include "policy/scripted_residual.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace ocres::policy {
namespace {

// Two objects (e.g. Stack: the cube to grasp, the cube to place it on), the base's target at `target`
// with the gripper commanded to `grip_m`.
std::vector<float> obs_with(const Vec3& obj0, const Vec3& obj1, const Vec3& target, double grip_m, bool valid = true) {
  ResidualObsLayout layout{2, 0};
  RobotState robot;
  robot.X_BT.p = target + Vec3(0, 0, 0.05);
  const Pose X_BO[2] = {Pose{obj0, Quat::Identity()}, Pose{obj1, Quat::Identity()}};
  Action base;
  base.p_BT = target;
  base.gripper_width_m = grip_m;
  std::vector<float> obs(layout.dim());
  build_residual_obs(layout, robot, X_BO, {}, valid, base, obs.data());
  return obs;
}

std::vector<float> run(const std::vector<float>& obs) {
  std::vector<float> delta(kResidualDim, 9.0f);
  scripted_residual(ResidualObsLayout{2, 0}, obs, ResidualScales{}, ScriptedResidualConfig{}, delta);
  return delta;
}

TEST(ScriptedResidual, ApproachMovesTheTargetOntoTheObjectInXYOnly) {
  // The base aims 1 cm short in x and 0.5 cm to the side in y of the object it goes for: δ is that
  // offset in units of the 2 cm position scale, nothing else moves.
  const auto d = run(obs_with({0.50, 0.10, 0.02}, {0.7, -0.1, 0.02}, {0.49, 0.105, 0.08}, 0.08));
  EXPECT_NEAR(d[0], 0.5f, 1e-4);
  EXPECT_NEAR(d[1], -0.25f, 1e-4);
  for (int k = 2; k < kResidualDim; ++k) EXPECT_EQ(d[k], 0.0f) << k;
}

TEST(ScriptedResidual, SaturatesAtTheResidualsAuthority) {
  const auto d = run(obs_with({0.50, 0.10, 0.02}, {0.7, -0.1, 0.02}, {0.465, 0.13, 0.08}, 0.08));
  EXPECT_FLOAT_EQ(d[0], 1.0f);   // 3.5 cm away: clipped to +2 cm
  EXPECT_FLOAT_EQ(d[1], -1.0f);  // 3 cm the other way
}

TEST(ScriptedResidual, LeavesTheBaseAloneFarFromTheObjectOrWithoutAPose) {
  for (float v : run(obs_with({0.50, 0.10, 0.02}, {0.7, -0.1, 0.02}, {0.40, 0.10, 0.20}, 0.08))) EXPECT_EQ(v, 0.0f);
  for (float v : run(obs_with({0.50, 0.10, 0.02}, {0.7, -0.1, 0.02}, {0.49, 0.105, 0.08}, 0.08, /*valid=*/false)))
    EXPECT_EQ(v, 0.0f);
}

TEST(ScriptedResidual, CarryMovesTheHeldObjectOverThePlaceTarget) {
  // Gripper commanded closed, the base's target near object 1: correct by where the held object is
  // relative to object 1 (not by where the target is), so a grasp that is off-centre is compensated.
  const auto d = run(obs_with({0.695, -0.09, 0.08}, {0.70, -0.10, 0.02}, {0.68, -0.09, 0.10}, 0.0));
  EXPECT_NEAR(d[0], 0.25f, 1e-4);
  EXPECT_NEAR(d[1], -0.5f, 1e-4);
  // ... unless the place phase is switched off, or the task has no second object.
  std::vector<float> delta(kResidualDim);
  ScriptedResidualConfig grasp_only;
  grasp_only.correct_place = false;
  scripted_residual(ResidualObsLayout{2, 0}, obs_with({0.695, -0.09, 0.08}, {0.70, -0.10, 0.02}, {0.68, -0.09, 0.10}, 0.0),
                    ResidualScales{}, grasp_only, delta);
  for (float v : delta) EXPECT_EQ(v, 0.0f);
}

TEST(ScriptedResidual, AimsAtTheGraspPointOfAnObjectWhoseOriginIsElsewhere) {
  // A cup lying with its axis along +y, origin at its bottom, grasped 6.5 cm up the axis: the grasp
  // point is at y + 0.065. The base aims 1 cm short of it in y.
  ResidualObsLayout layout{1, 0};
  RobotState robot;
  const Pose X_BO[1] = {Pose{Vec3(0.5, 0.0, 0.03), Quat(Eigen::AngleAxisd(-M_PI / 2, Vec3::UnitX()))}};
  Action base;
  base.p_BT = Vec3(0.5, 0.055, 0.08);
  base.gripper_width_m = 0.08;
  robot.X_BT.p = base.p_BT;
  std::vector<float> obs(layout.dim()), delta(kResidualDim);
  build_residual_obs(layout, robot, X_BO, {}, true, base, obs.data());
  ScriptedResidualConfig cup;
  cup.grasp_point_O = Vec3(0, 0, 0.065);
  scripted_residual(layout, obs, ResidualScales{}, cup, delta);
  EXPECT_NEAR(delta[0], 0.0f, 1e-4);
  EXPECT_NEAR(delta[1], 0.5f, 1e-4);
  // Aimed at the origin instead, the base's target is 5.5 cm away: outside the capture radius.
  scripted_residual(layout, obs, ResidualScales{}, ScriptedResidualConfig{}, delta);
  for (float v : delta) EXPECT_EQ(v, 0.0f);
}

TEST(ScriptedResidualDeathTest, RejectsAnObservationOfAnotherLayout) {
  std::vector<float> delta(kResidualDim);
  EXPECT_DEATH(scripted_residual(ResidualObsLayout{1, 0}, std::vector<float>(5), ResidualScales{}, {}, delta), "wrong size");
}

}  // namespace
}  // namespace ocres::policy
