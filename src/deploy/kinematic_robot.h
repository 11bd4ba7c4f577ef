#pragma once
// A robot that executes every target exactly, with a clock that advances one control period per
// command: the deploy loop without physics or a network, for dry runs, tick benchmarks and tests.
#include "deploy/interfaces.h"

namespace ocres::deploy {

class KinematicRobot : public RobotInterface {
 public:
  explicit KinematicRobot(double control_period_s = 0.05) : period_s_(control_period_s) {}
  LinkStatus start_episode(uint64_t, uint64_t, BridgeState& out) override {
    s_ = BridgeState{};
    s_.robot.X_BT = Pose{Vec3(0.45, 0, 0.3), Quat(0, 1, 0, 0)};  // top-down, above the table
    s_.robot.gripper_width_m = 0.08;
    out = s_;
    return LinkStatus::kOk;
  }
  LinkStatus read_state(BridgeState& out) override {
    out = s_;
    return LinkStatus::kOk;
  }
  LinkStatus send_target(uint64_t, const Action& a, BridgeState& out) override {
    s_.robot.X_BT = Pose{a.p_BT, a.q_BT};
    s_.robot.gripper_width_m = a.gripper_width_m;
    s_.stamp_s += period_s_;
    ++s_.seq;
    out = s_;
    return LinkStatus::kOk;
  }
  LinkStatus stop(const char*) override { return LinkStatus::kOk; }
  double stamp() const { return s_.stamp_s; }

 private:
  double period_s_;
  BridgeState s_;
};

}  // namespace ocres::deploy
