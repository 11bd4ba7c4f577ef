#include "policy/residual_action.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace ocres::policy {

Action compose(const Action& base, std::span<const float> delta, const ResidualScales& s) {
  OCRES_CHECK(delta.size() == kResidualDim, "residual must have 7 components");
  double d[kResidualDim];
  for (int i = 0; i < kResidualDim; ++i) d[i] = std::clamp(static_cast<double>(delta[i]), -1.0, 1.0);
  Action a;
  const bool position_on = base.gripper_width_m >= s.position_off_below_base_grip_m;
  a.p_BT = position_on ? Vec3(base.p_BT + s.position_m * Vec3(d[0], d[1], d[2])) : base.p_BT;
  // Right-multiplied: the rotation acts in the base action's own (TCP) frame.
  a.q_BT = (base.q_BT * quat_from_euler_xyz(s.rotation_rad * Vec3(d[3], d[4], d[5]))).normalized();
  a.gripper_width_m = std::clamp(base.gripper_width_m + s.gripper_m * d[6], 0.0, franka::kGripperMaxWidth_m);
  return a;
}

Action safety_clamp(const Action& c, const Action& prev, const SafetyLimits& l) {
  Action out = c;
  const Vec3 step = c.p_BT - prev.p_BT;
  const double n = step.norm();
  if (n > l.max_translation_per_step_m) out.p_BT = prev.p_BT + step * (l.max_translation_per_step_m / n);
  out.p_BT = out.p_BT.cwiseMax(l.workspace_lo_m).cwiseMin(l.workspace_hi_m);
  const double angle = angle_between(prev.q_BT, c.q_BT);
  if (angle > l.max_rotation_per_step_rad) {
    Quat target = c.q_BT;
    if (prev.q_BT.dot(target) < 0) target.coeffs() *= -1;  // shortest way
    out.q_BT = prev.q_BT.slerp(l.max_rotation_per_step_rad / angle, target).normalized();
  }
  out.gripper_width_m = std::clamp(c.gripper_width_m, 0.0, franka::kGripperMaxWidth_m);
  return out;
}

std::vector<std::string> ResidualObsLayout::names() const {
  std::vector<std::string> n = {"tcp.px", "tcp.py", "tcp.pz", "tcp.qw", "tcp.qx", "tcp.qy", "tcp.qz",
                                "grip.width", "grip.left", "grip.right"};
  const char* pose[7] = {"px", "py", "pz", "qw", "qx", "qy", "qz"};
  for (int i = 0; i < num_objects; ++i)
    for (const char* c : pose) n.push_back("obj" + std::to_string(i) + "." + c);
  for (int i = 0; i < num_scalars; ++i) n.push_back("scalar" + std::to_string(i));
  for (const char* c : {"base.px", "base.py", "base.pz", "base.qw", "base.qx", "base.qy", "base.qz", "base.grip"})
    n.push_back(c);
  n.push_back("valid");
  for (int i = 0; i < num_objects; ++i) {
    const std::string o = "obj" + std::to_string(i);
    for (const char* c : {"-tcp.x", "-tcp.y", "-tcp.z", "-base.x", "-base.y", "-base.z"}) n.push_back(o + c);
  }
  return n;
}

namespace {
float* put_pose(float* o, const Vec3& p, const Quat& q_in) {
  const Quat q = canonical(q_in);
  *o++ = static_cast<float>(p.x());
  *o++ = static_cast<float>(p.y());
  *o++ = static_cast<float>(p.z());
  *o++ = static_cast<float>(q.w());
  *o++ = static_cast<float>(q.x());
  *o++ = static_cast<float>(q.y());
  *o++ = static_cast<float>(q.z());
  return o;
}
}  // namespace

void build_residual_obs(const ResidualObsLayout& layout, const RobotState& robot, std::span<const Pose> X_BO,
                        std::span<const double> scalars, bool object_valid, const Action& base, float* out) {
  OCRES_CHECK(static_cast<int>(X_BO.size()) >= layout.num_objects, "missing object poses");
  OCRES_CHECK(static_cast<int>(scalars.size()) >= layout.num_scalars, "missing task scalars");
  float* o = put_pose(out, robot.X_BT.p, robot.X_BT.q);
  *o++ = static_cast<float>(robot.gripper_width_m);
  *o++ = static_cast<float>(robot.finger_m[0]);
  *o++ = static_cast<float>(robot.finger_m[1]);
  if (object_valid) {
    for (int i = 0; i < layout.num_objects; ++i) o = put_pose(o, X_BO[i].p, X_BO[i].q);
    for (int i = 0; i < layout.num_scalars; ++i) *o++ = static_cast<float>(scalars[i]);
  } else {
    std::fill(o, o + layout.object_dim(), 0.0f);
    o += layout.object_dim();
  }
  o = put_pose(o, base.p_BT, base.q_BT);
  *o++ = static_cast<float>(base.gripper_width_m);
  *o++ = object_valid ? 1.0f : 0.0f;
  for (int i = 0; i < layout.num_objects; ++i) {
    const Vec3 to_tcp = object_valid ? Vec3(X_BO[i].p - robot.X_BT.p) : Vec3::Zero();
    const Vec3 to_base = object_valid ? Vec3(X_BO[i].p - base.p_BT) : Vec3::Zero();
    for (int k = 0; k < 3; ++k) *o++ = static_cast<float>(to_tcp[k]);
    for (int k = 0; k < 3; ++k) *o++ = static_cast<float>(to_base[k]);
  }
}

namespace {
// Indices whose value depends on the object pose: the object block and the relative features.
bool object_dependent(const ResidualObsLayout& l, int i) {
  return (i >= l.object_offset() && i < l.object_offset() + l.object_dim()) || i >= l.relative_offset();
}
}  // namespace

void normalize_residual_obs(const ResidualObsLayout& l, std::span<const float> mean, std::span<const float> inv_std,
                            const float* in, float* out) {
  const int n = l.dim();
  OCRES_CHECK(static_cast<int>(mean.size()) == n && static_cast<int>(inv_std.size()) == n, "normaliser size does not match the layout");
  const bool valid = in[l.valid_index()] > 0.5f;
  for (int i = 0; i < n; ++i) out[i] = (!valid && object_dependent(l, i)) ? 0.0f : (in[i] - mean[i]) * inv_std[i];
}

void fit_residual_normalizer(const ResidualObsLayout& l, const std::vector<float>& rows, double min_std,
                             std::vector<float>& mean, std::vector<float>& inv_std) {
  const int n = l.dim();
  OCRES_CHECK(rows.size() % n == 0, "rows are not a multiple of the observation size");
  std::vector<double> sum(n, 0.0), sum2(n, 0.0), count(n, 0.0);
  for (size_t r = 0; r < rows.size(); r += n) {
    const bool valid = rows[r + l.valid_index()] > 0.5f;
    for (int i = 0; i < n; ++i) {
      if (!valid && object_dependent(l, i)) continue;
      const double x = rows[r + i];
      sum[i] += x;
      sum2[i] += x * x;
      count[i] += 1;
    }
  }
  mean.assign(n, 0.0f);
  inv_std.assign(n, 1.0f);
  for (int i = 0; i < n; ++i) {
    if (count[i] == 0) continue;
    const double m = sum[i] / count[i];
    const double var = std::max(0.0, sum2[i] / count[i] - m * m);
    mean[i] = static_cast<float>(m);
    inv_std[i] = static_cast<float>(1.0 / std::max(std::sqrt(var), min_std));
  }
}

}  // namespace ocres::policy
