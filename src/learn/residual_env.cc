#include "learn/residual_env.h"

#include <cmath>

namespace ocres::learn {

ResidualEnv::ResidualEnv(std::unique_ptr<sim::Env> env, std::unique_ptr<BasePolicy> base, const ResidualEnvConfig& config)
    : env_(std::move(env)),
      base_(std::move(base)),
      executor_(*base_),
      config_(config),
      estimator_(config.estimator),
      gate_(config.gate) {
  layout_.num_objects = static_cast<int>(env_->task_info().object_names.size());
  layout_.num_scalars = static_cast<int>(env_->task_info().scalar_names.size());
}

void ResidualEnv::reset(uint64_t seed, float* obs) {
  env_->reset(seed);
  Rng policy_rng(seed, /*stream=*/103);  // the same stream eval::run_episodes gives a policy
  executor_.reset(policy_rng);
  rng_.reseed(seed, /*stream=*/104);
  dropout_rng_.reseed(seed, /*stream=*/105);
  estimator_.reset(rng_, layout_.num_objects);
  gate_.reset();
  const auto& o = env_->observation();
  last_command_ = Action{o.robot.X_BT.p, o.robot.X_BT.q, o.robot.gripper_width_m};
  advance_base();
  build_obs(obs);
}

void ResidualEnv::advance_base() { base_action_ = executor_.act(env_->observation()); }

void ResidualEnv::build_obs(float* out) {
  const Observation& o = env_->observation();
  std::array<Pose, kMaxObjects> poses = o.X_BO;
  std::array<double, kMaxTaskScalars> scalars = o.scalars;
  bool valid = true;
  gate_status_ = perception::GateStatus::kOk;
  if (config_.use_estimator) {
    // Poses AND task scalars (e.g. the drawer's opening) come from the estimator: never ground truth.
    const double now_s = o.t * env_->config().controller.control_period_s;
    const auto& est = estimator_.update(now_s, std::span<const Pose>(o.X_BO.data(), o.num_objects), rng_,
                                        std::span<const double>(o.scalars.data(), o.num_scalars));
    gate_status_ = gate_.check(now_s, std::span<const perception::PoseEstimate>(est.data(), o.num_objects),
                               std::span<Pose>(poses.data(), o.num_objects));
    valid = gate_status_ == perception::GateStatus::kOk;
    scalars = est[0].scalars;
  } else if (config_.corrupt_poses)
    valid = perception::corrupt_poses(config_.corruption, rng_, std::span<Pose>(poses.data(), o.num_objects));
  // Drawn every step (whatever `valid` is) so the sequence does not depend on the gate's outcomes.
  if (config_.extra_dropout_probability > 0 && dropout_rng_.bernoulli(config_.extra_dropout_probability)) valid = false;
  build_residual_obs(layout_, o.robot, std::span<const Pose>(poses.data(), o.num_objects),
                     std::span<const double>(scalars.data(), o.num_scalars), valid, base_action_, out);
}

sim::StepResult ResidualEnv::step(const float* delta, float* next_obs, float* executed_delta) {
  const Action composed = policy::compose(base_action_, std::span<const float>(delta, policy::kResidualDim), config_.scales);
  const Action command = policy::safety_clamp(composed, last_command_, config_.safety);
  // Executed residual in normalised units (what the replay stores): position and gripper invert
  // exactly; rotation by the XYZ Euler angles of base^-1 * command.
  const Vec3 dp = (command.p_BT - base_action_.p_BT) / config_.scales.position_m;
  const Vec3 dr = euler_xyz_from_quat(base_action_.q_BT.conjugate() * command.q_BT) / config_.scales.rotation_rad;
  const double dg = (command.gripper_width_m - base_action_.gripper_width_m) / config_.scales.gripper_m;
  for (int i = 0; i < 3; ++i) {
    executed_delta[i] = static_cast<float>(std::clamp(dp[i], -1.0, 1.0));
    executed_delta[3 + i] = static_cast<float>(std::clamp(dr[i], -1.0, 1.0));
  }
  executed_delta[6] = static_cast<float>(std::clamp(dg, -1.0, 1.0));
  last_command_ = command;
  const sim::StepResult r = env_->step(command);
  advance_base();
  build_obs(next_obs);
  return r;
}

}  // namespace ocres::learn
