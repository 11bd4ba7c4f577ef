#include "policy/bc_features.h"

#include <algorithm>

#include "core/action_codec.h"
#include "core/error.h"

namespace ocres::policy {

namespace {
// Orientations are predicted as a rotation vector from the top-down grasp orientation (TCP z axis
// pointing down), not relative to the current TCP: a relative orientation would integrate every
// correction the residual makes (the next chunk starts from the corrected TCP), so a constant 0.9 deg
// residual tilt accumulated chunk after chunk and broke grasps. Top-down is far from the rotation
// vector's singularity at pi for every posture the tasks use.
const Quat kTopDown(0.0, 1.0, 0.0, 0.0);
}  // namespace

void build_bc_input(const float* robot, std::span<const Pose> objects, std::span<const double> scalars,
                    double progress, float* out) {
  const BcInputLayout layout{static_cast<int>(objects.size()), static_cast<int>(scalars.size()), 0};
  build_bc_input(layout, robot, objects, scalars, progress, 0, out);
}

void build_bc_input(const BcInputLayout& layout, const float* robot, std::span<const Pose> objects,
                    std::span<const double> scalars, double progress, int task_index, float* out) {
  OCRES_CHECK(static_cast<int>(objects.size()) <= layout.object_slots && static_cast<int>(scalars.size()) <= layout.scalar_slots,
              "more objects or scalars than the BC input has slots");
  OCRES_CHECK(layout.num_tasks == 0 || (task_index >= 0 && task_index < layout.num_tasks), "BC task index out of range");
  const int n = static_cast<int>(objects.size()), m = static_cast<int>(scalars.size());
  std::copy(robot, robot + kRobotDim, out);
  float* o = out + kRobotDim;
  for (const Pose& X : objects) {
    encode_pose(X, o);
    o += kPoseDim;
  }
  o = std::fill_n(o, kPoseDim * (layout.object_slots - n), 0.0f);
  for (double s : scalars) *o++ = static_cast<float>(s);
  o = std::fill_n(o, layout.scalar_slots - m, 0.0f);
  *o++ = static_cast<float>(progress);
  for (const Pose& X : objects)
    for (int k = 0; k < 3; ++k) *o++ = static_cast<float>(X.p[k]) - robot[k];
  o = std::fill_n(o, 3 * (layout.object_slots - n), 0.0f);
  for (int k = 0; k < layout.num_tasks; ++k) *o++ = k == task_index ? 1.0f : 0.0f;
}

void encode_bc_target(const Pose& X_now, std::span<const Action> future, float* out) {
  OCRES_CHECK(static_cast<int>(future.size()) == kBcChunk, "a BC target needs one chunk of actions");
  for (int k = 0; k < kBcChunk; ++k) {
    const Action& a = future[k];
    float* o = out + k * kBcStepDim;
    const Vec3 dp = a.p_BT - X_now.p;
    const Vec3 dr = quat_log(kTopDown.conjugate() * a.q_BT);
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
    chunk[k].q_BT = (kTopDown * quat_exp(Vec3(p[3], p[4], p[5]))).normalized();
    chunk[k].gripper_width_m = std::clamp(static_cast<double>(p[6]), 0.0, franka::kGripperMaxWidth_m);
  }
}

}  // namespace ocres::policy
