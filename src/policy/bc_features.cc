#include "policy/bc_features.h"

#include <algorithm>

#include "core/action_codec.h"
#include "core/error.h"

namespace ocres::policy {

void build_bc_input(const float* robot, std::span<const Pose> objects, std::span<const double> scalars,
                    double progress, float* out) {
  std::copy(robot, robot + kRobotDim, out);
  float* o = out + kRobotDim;
  for (const Pose& X : objects) {
    encode_pose(X, o);
    o += kPoseDim;
  }
  for (double s : scalars) *o++ = static_cast<float>(s);
  *o++ = static_cast<float>(progress);
  for (const Pose& X : objects)
    for (int k = 0; k < 3; ++k) *o++ = static_cast<float>(X.p[k]) - robot[k];
}

void encode_bc_target(const Pose& X_now, std::span<const Action> future, float* out) {
  OCRES_CHECK(static_cast<int>(future.size()) == kBcChunk, "a BC target needs one chunk of actions");
  for (int k = 0; k < kBcChunk; ++k) {
    const Action& a = future[k];
    float* o = out + k * kBcStepDim;
    const Vec3 dp = a.p_BT - X_now.p;
    const Vec3 dr = quat_log(a.q_BT * X_now.q.conjugate());
    for (int i = 0; i < 3; ++i) {
      o[i] = static_cast<float>(dp[i]);
      o[3 + i] = static_cast<float>(dr[i]);
    }
    o[6] = static_cast<float>(a.gripper_width_m);
    o[7] = 0.0f;
  }
}

void decode_bc_chunk(const Pose& X_now, const float* pred, std::span<Action> chunk) {
  for (int k = 0; k < std::min<int>(kBcChunk, static_cast<int>(chunk.size())); ++k) {
    const float* p = pred + k * kBcStepDim;
    chunk[k].p_BT = X_now.p + Vec3(p[0], p[1], p[2]);
    chunk[k].q_BT = (quat_exp(Vec3(p[3], p[4], p[5])) * X_now.q).normalized();
    chunk[k].gripper_width_m = std::clamp(static_cast<double>(p[6]), 0.0, franka::kGripperMaxWidth_m);
  }
}

}  // namespace ocres::policy
