#pragma once
// Cartesian controller: absolute TCP target (base frame) -> joint position command, by damped
// least-squares IK on the analytic FR3 kinematics (core/franka.h). No MuJoCo here; the Env feeds the
// command to the joint servos.
//
// Joint-limit handling: (1) iterates are clamped into the limits shrunk by a margin; (2) a null-space
// term pulls towards the preferred posture (home), which keeps the elbow and wrist away from their
// limits; (3) the joint step per control period is bounded by the FR3 velocity limits.
#include "core/franka.h"
#include "core/math.h"

namespace ocres::sim {

struct CartesianControllerConfig {
  int max_iterations = 10;            // DLS iterations per control step (warm-started: the previous command)
  double damping = 0.05;              // lambda in J^T (J J^T + lambda^2 I)^-1
  double tolerance_m = 1e-5;          // stop when position error is below this ...
  double tolerance_rad = 1e-4;        // ... and orientation error below this
  double orientation_weight_m = 0.2;  // rotation errors are scaled by this length (m/rad) in the task error
  double nullspace_gain = 0.05;       // pull towards the preferred posture
  double limit_margin_rad = 0.02;     // keep joints this far inside their limits
  double control_period_s = 0.05;     // 20 Hz: bounds the joint step by velocity limit x period
  double velocity_scale = 0.8;        // fraction of the FR3 velocity limits used
};

struct IkResult {
  franka::JointVec q;  // joint command
  double position_error_m = 0;
  double orientation_error_rad = 0;
  bool converged = false;  // target reached within tolerance (before the per-step velocity bound)
};

class CartesianController {
 public:
  explicit CartesianController(const CartesianControllerConfig& config = {});

  // Joint command reaching towards X_BT_target, starting from q_seed (the previous command).
  IkResult solve(const franka::JointVec& q_seed, const Pose& X_BT_target) const;

  const CartesianControllerConfig& config() const { return config_; }

 private:
  CartesianControllerConfig config_;
  franka::JointVec q_lo_, q_hi_, q_pref_;
};

}  // namespace ocres::sim
