#pragma once
// Teleoperator emulation: the scripted expert's intent with human-like imperfections, so that
// demonstrations look like teleoperation rather than a perfect script (SPEC §2, issue 3):
//  * a smooth, temporally correlated offset on the commanded position and yaw (an Ornstein-Uhlenbeck
//    process: a hand drifting and correcting), shrinking as the gripper closes on something (humans
//    slow down and aim when grasping);
//  * hesitations: now and then the operator holds the current target for a few steps;
//  * varied speed: per episode, the operator is a bit faster or slower (targets move towards the
//    expert's at a per-episode rate).
// The expert keeps closed-loop control of the intent, so perturbed episodes still mostly succeed;
// the demo recorder keeps only successful ones, as a curator would.
#include <memory>

#include "core/config.h"
#include "core/policy_interface.h"

namespace ocres::learn {

struct TeleopConfig {
  double drift_position_std_m = 0.006;  // stationary std of the position offset
  double drift_yaw_std_rad = 0.04;      // stationary std of the yaw offset
  double drift_time_constant_s = 0.8;   // correlation time of the offsets
  double hesitation_probability = 0.01; // per step
  int hesitation_max_steps = 8;
  double speed_min = 0.6, speed_max = 1.0;  // fraction of the expert's step taken per control step
};

TeleopConfig parse_teleop(YamlFields fields);

class TeleopEmulator : public StepPolicy {
 public:
  TeleopEmulator(std::unique_ptr<StepPolicy> expert, const TeleopConfig& config = {});
  void reset(Rng& rng) override;
  Action act(const Observation& obs) override;

 private:
  std::unique_ptr<StepPolicy> expert_;
  TeleopConfig config_;
  Rng rng_;
  Vec3 offset_p_ = Vec3::Zero();
  double offset_yaw_ = 0;
  int hesitate_ = 0;
  double speed_ = 1.0;
  bool has_last_ = false;
  Action last_;
};

}  // namespace ocres::learn
