#include "learn/teleop.h"

#include <cmath>

namespace ocres::learn {

TeleopConfig parse_teleop(YamlFields f) {
  TeleopConfig c;
  f.get_in_range("drift_position_std_m", c.drift_position_std_m, 0.0, 0.05);
  f.get_in_range("drift_yaw_std_rad", c.drift_yaw_std_rad, 0.0, 0.5);
  f.get_in_range("drift_time_constant_s", c.drift_time_constant_s, 0.05, 10.0);
  f.get_in_range("hesitation_probability", c.hesitation_probability, 0.0, 0.5);
  f.get_in_range("hesitation_max_steps", c.hesitation_max_steps, 0, 100);
  f.get_in_range("speed_min", c.speed_min, 0.1, 1.0);
  f.get_in_range("speed_max", c.speed_max, c.speed_min, 1.0);
  f.finish();
  return c;
}

TeleopEmulator::TeleopEmulator(std::unique_ptr<StepPolicy> expert, const TeleopConfig& config)
    : expert_(std::move(expert)), config_(config) {}

void TeleopEmulator::reset(Rng& rng) {
  rng_.reseed(rng.next_u64());
  expert_->reset(rng);
  offset_p_ = Vec3(rng_.normal(), rng_.normal(), 0.3 * rng_.normal()) * config_.drift_position_std_m;
  offset_yaw_ = rng_.normal() * config_.drift_yaw_std_rad;
  hesitate_ = 0;
  speed_ = rng_.uniform(config_.speed_min, config_.speed_max);
  has_last_ = false;
}

Action TeleopEmulator::act(const Observation& obs) {
  const Action intent = expert_->act(obs);
  // OU update with dt = 1 control step (0.05 s): x <- a x + sqrt(1 - a^2) std N(0, 1).
  const double a = std::exp(-0.05 / config_.drift_time_constant_s);
  const double b = std::sqrt(1 - a * a);
  offset_p_ = a * offset_p_ + b * config_.drift_position_std_m * Vec3(rng_.normal(), rng_.normal(), 0.3 * rng_.normal());
  offset_yaw_ = a * offset_yaw_ + b * config_.drift_yaw_std_rad * rng_.normal();
  // Humans aim carefully when the gripper is closing or closed: damp the drift then.
  const double care = intent.gripper_width_m < 0.06 ? 0.25 : 1.0;
  Action out = intent;
  out.p_BT += care * offset_p_;
  out.q_BT = (quat_from_yaw(care * offset_yaw_) * intent.q_BT).normalized();
  if (!has_last_) {
    last_ = obs.robot.X_BT.p.allFinite() ? Action{obs.robot.X_BT.p, obs.robot.X_BT.q, intent.gripper_width_m} : out;
    has_last_ = true;
  }
  if (hesitate_ > 0) {
    --hesitate_;
    out = last_;
    out.gripper_width_m = intent.gripper_width_m;
  } else {
    if (rng_.bernoulli(config_.hesitation_probability)) hesitate_ = 1 + static_cast<int>(rng_.uniform_int(config_.hesitation_max_steps));
    // Operator speed: move part of the way from the last command towards the perturbed intent.
    out.p_BT = last_.p_BT + speed_ * (out.p_BT - last_.p_BT);
    out.q_BT = last_.q_BT.slerp(speed_, out.q_BT).normalized();
  }
  last_ = out;
  return out;
}

}  // namespace ocres::learn
