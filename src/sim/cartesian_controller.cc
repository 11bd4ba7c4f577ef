#include "sim/cartesian_controller.h"

#include <algorithm>

namespace ocres::sim {

using franka::JointVec;

CartesianController::CartesianController(const CartesianControllerConfig& config) : config_(config) {
  for (int i = 0; i < 7; ++i) {
    q_lo_[i] = franka::kQMin[i] + config_.limit_margin_rad;
    q_hi_[i] = franka::kQMax[i] - config_.limit_margin_rad;
  }
  q_pref_ = franka::to_vec(franka::kHomeQ);
}

IkResult CartesianController::solve(const JointVec& q_seed, const Pose& X_BT_target) const {
  const double w = config_.orientation_weight_m;
  JointVec q = q_seed.cwiseMax(q_lo_).cwiseMin(q_hi_);
  IkResult result;
  for (int it = 0; it < config_.max_iterations; ++it) {
    const Pose X = franka::tcp_pose(q);
    const Vec3 e_p = X_BT_target.p - X.p;
    const Vec3 e_r = quat_log(X_BT_target.q * X.q.conjugate());  // base-frame rotation error
    result.position_error_m = e_p.norm();
    result.orientation_error_rad = e_r.norm();
    if (result.position_error_m < config_.tolerance_m && result.orientation_error_rad < config_.tolerance_rad) {
      result.converged = true;
      break;
    }
    franka::Jacobian J = franka::tcp_jacobian(q);
    J.bottomRows<3>() *= w;
    Eigen::Matrix<double, 6, 1> e;
    e << e_p, w * e_r;
    // Joint-limit handling by an active set: a joint at its limit whose step would push it further out
    // is locked (its Jacobian column zeroed) and the step re-solved, so the other joints take over
    // instead of the clamp silently discarding part of the motion.
    JointVec dq = JointVec::Zero();
    for (int pass = 0; pass < 3; ++pass) {
      const Eigen::Matrix<double, 6, 6> A =
          J * J.transpose() + config_.damping * config_.damping * Eigen::Matrix<double, 6, 6>::Identity();
      const Eigen::Matrix<double, 7, 6> J_pinv = J.transpose() * A.ldlt().solve(Eigen::Matrix<double, 6, 6>::Identity());
      dq = J_pinv * e;
      // Null-space posture term, on the first iteration only: the damped pseudo-inverse makes N an
      // inexact projector, so applying it every iteration would leave a residual task error.
      if (it == 0) {
        const Eigen::Matrix<double, 7, 7> N = Eigen::Matrix<double, 7, 7>::Identity() - J_pinv * J;
        dq += N * (config_.nullspace_gain * (q_pref_ - q));
      }
      bool locked_any = false;
      for (int i = 0; i < 7; ++i) {
        const bool at_lo = q[i] <= q_lo_[i] + 1e-9 && dq[i] < 0;
        const bool at_hi = q[i] >= q_hi_[i] - 1e-9 && dq[i] > 0;
        if ((at_lo || at_hi) && !J.col(i).isZero()) {
          J.col(i).setZero();
          locked_any = true;
        }
      }
      if (!locked_any) break;
    }
    // Limit the size of one Newton step for robustness far from the solution.
    const double max_step = 0.3;
    const double n = dq.cwiseAbs().maxCoeff();
    if (n > max_step) dq *= max_step / n;
    q = (q + dq).cwiseMax(q_lo_).cwiseMin(q_hi_);
  }
  if (!result.converged) {
    const Pose X = franka::tcp_pose(q);
    result.position_error_m = (X_BT_target.p - X.p).norm();
    result.orientation_error_rad = angle_between(X_BT_target.q, X.q);
    result.converged = result.position_error_m < 1e-3 && result.orientation_error_rad < 1e-2;
  }
  // Velocity bound per control period, relative to the seed (previous command).
  for (int i = 0; i < 7; ++i) {
    const double lim = franka::kDqMax[i] * config_.velocity_scale * config_.control_period_s;
    q[i] = std::clamp(q[i], q_seed[i] - lim, q_seed[i] + lim);
  }
  result.q = q;
  return result;
}

}  // namespace ocres::sim
