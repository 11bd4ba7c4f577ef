// Cube Lift (paper Table 4): a 12 x 4 x 4 cm wooden block (75 g) lies flat on the table at a random
// position (x -12..+16 cm, y +-20 cm around (0.45, -0.05) m) and yaw. Success: grasped and raised >= 4 cm.
#include "tasks/lift/lift.h"

#include <algorithm>

#include "sim/mujoco_handles.h"
#include "tasks/common.h"

namespace ocres::tasks {
namespace {

constexpr double kHalfX = 0.06, kHalfY = 0.02, kHalfZ = 0.02;  // block half sizes (m)
constexpr double kMass = 0.075;                                // kg
constexpr double kLiftSuccess_m = 0.04;

class LiftExpert : public sim::StepPolicy {
 public:
  void reset(Rng& rng) override {
    phase_ = 0;
    follower_ = {};
    grasp_depth_m_ = rng.uniform(-0.004, 0.004);
  }
  Action act(const Observation& obs) override {
    const Pose& X_BO = obs.X_BO[0];
    const double yaw = nearest_equivalent_yaw(yaw_of(X_BO.q), kHomeGraspYaw, M_PI);
    const Quat q = top_down_quat(yaw);
    const Vec3 above = X_BO.p + Vec3(0, 0, 0.10);
    const Vec3 grasp = X_BO.p + Vec3(0, 0, grasp_depth_m_);
    Waypoint wp;
    switch (phase_) {
      case 0: wp = {above, q, 0.08, 0.015, 0, 80}; break;
      case 1: wp = {grasp, q, 0.08, 0.006, 0, 40, 0.012}; break;
      case 2: wp = {grasp, q, 0.0, 1.0, 12, 12}; break;  // close (about 0.4 s) and let the grip settle
      default: wp = {grasp + Vec3(0, 0, 0.15), q, 0.0, 0.01, 0, 1000, 0.015}; break;
    }
    const Action a = follower_.track(obs, wp);
    if (follower_.done() && phase_ < 3) {
      ++phase_;
      follower_.next_phase();
    }
    return a;
  }

 private:
  int phase_ = 0;
  double grasp_depth_m_ = 0;
  WaypointFollower follower_;
};

class LiftTask : public sim::Task {
 public:
  LiftTask() {
    info_.name = "lift";
    info_.title = "Cube Lift";
    info_.horizon = 300;
    info_.object_names = {"block"};
  }
  const sim::TaskInfo& info() const override { return info_; }

  void build(sim::SceneBuilder& scene) const override {
    char buf[512];
    std::snprintf(buf, sizeof(buf),
                  "<body name=\"block\" pos=\"0.45 -0.05 %.6g\"><freejoint name=\"block\"/>"
                  "<geom class=\"object\" type=\"box\" size=\"%.6g %.6g %.6g\" mass=\"%.6g\" rgba=\"0.76 0.6 0.42 1\"/></body>\n",
                  kHalfZ, kHalfX, kHalfY, kHalfZ, kMass);
    scene.worldbody += buf;
  }

  void bind(const mjModel* m) override {
    block_.bind(m, "block");
    pads_.bind(m);
    hand_body_ = sim::body_id(m, "hand");
  }

  void reset(const mjModel* m, mjData* d, Rng& rng) override {
    const Vec3 p(0.45 + rng.uniform(-0.12, 0.16), -0.05 + rng.uniform(-0.20, 0.20), kHalfZ);
    block_.set_pose(d, Pose{p, quat_from_yaw(rng.uniform(-M_PI / 2, M_PI / 2))});
    z0_ = kHalfZ;
  }

  void observe(const mjModel* m, const mjData* d, Observation& obs) const override { obs.X_BO[0] = block_.pose(d); }

  sim::TaskEval evaluate(const mjModel* m, const mjData* d, const Observation& obs) override {
    const Pose X = obs.X_BO[0];
    const bool g = grasped(m, d, pads_, block_.body);
    const double dz = X.p.z() - z0_;
    sim::TaskEval e;
    e.success = g && dz >= kLiftSuccess_m;
    e.failed = X.p.z() < -0.1;  // fell off the table
    e.grasped = g;
    e.progress = std::clamp(dz / kLiftSuccess_m, 0.0, 1.0);
    e.reward = 0.1 * reach_term((obs.robot.X_BT.p - X.p).norm()) + 0.2 * g + 0.5 * g * std::tanh(std::max(dz, 0.0) / 0.1);
    return e;
  }

  std::unique_ptr<sim::StepPolicy> make_expert() const override { return std::make_unique<LiftExpert>(); }

 private:
  sim::TaskInfo info_;
  FreeBody block_;
  PadIds pads_;
  int hand_body_ = -1;
  double z0_ = kHalfZ;
};

}  // namespace

std::unique_ptr<sim::Task> make_lift_task() { return std::make_unique<LiftTask>(); }

}  // namespace ocres::tasks
