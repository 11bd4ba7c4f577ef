#include "policy/bc_features.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/action_codec.h"

namespace ocres::policy {
namespace {

TEST(BcFeatures, TargetEncodingRoundTripsThroughDecoding) {
  const Pose now{Vec3(0.5, -0.1, 0.3), quat_from_euler_xyz(Vec3(3.1, 0.05, 0.4))};
  std::vector<Action> future(kBcChunk);
  for (int k = 0; k < kBcChunk; ++k) {
    future[k].p_BT = now.p + Vec3(0.01 * k, -0.002 * k, -0.01 * k);
    future[k].q_BT = (quat_from_yaw(0.02 * k) * now.q).normalized();
    future[k].gripper_width_m = 0.08 - 0.004 * k;
  }
  std::vector<float> encoded(kBcOutputDim);
  encode_bc_target(now, future, encoded.data());
  std::vector<Action> decoded(kBcChunk);
  decode_bc_chunk(now, encoded.data(), decoded);
  for (int k = 0; k < kBcChunk; ++k) {
    EXPECT_LT((decoded[k].p_BT - future[k].p_BT).norm(), 1e-6);
    EXPECT_LT(angle_between(decoded[k].q_BT, future[k].q_BT), 1e-5);
    EXPECT_NEAR(decoded[k].gripper_width_m, future[k].gripper_width_m, 1e-7);
  }
}

TEST(BcFeatures, InputLayoutHasDocumentedSize) {
  RobotState robot;
  robot.X_BT.p = Vec3(0.4, 0.1, 0.3);
  std::vector<Pose> objects(2);
  objects[1].p = Vec3(0.5, -0.1, 0.02);
  std::vector<double> scalars{0.1};
  std::vector<float> in(bc_input_dim(2, 1), -1.0f);
  float robot_vec[10];
  encode_robot(robot, robot_vec);
  build_bc_input(robot_vec, objects, scalars, 0.25, in.data());
  EXPECT_EQ(bc_input_dim(2, 1), 10 + 14 + 1 + 1 + 6);
  EXPECT_FLOAT_EQ(in[24], 0.1f);
  EXPECT_FLOAT_EQ(in[25], 0.25f);
  // Object 1 relative to the TCP.
  EXPECT_FLOAT_EQ(in[29], 0.1f);
  EXPECT_FLOAT_EQ(in[30], -0.2f);
  EXPECT_FLOAT_EQ(in[31], -0.28f);
}

}  // namespace
}  // namespace ocres::policy
