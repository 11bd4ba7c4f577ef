// Stand Cup Up (paper Table 4): a cup shaped as a truncated cone (top diameter 7.5 cm, bottom 5 cm,
// height 10 cm, 150 g) lies on its side at a random position and axis yaw. Success: upright (axis
// within 35 degrees of vertical, bottom down), still, on the table, released, for 5 consecutive steps.
//
// The cup is a convex mesh (the hull of two 20-point circles), so contact sees a real frustum.
// Cup frame: origin at the centre of the bottom disc, z along the axis from bottom to top.
#include "tasks/cup/cup.h"

#include <algorithm>
#include <cmath>

#include "sim/mujoco_handles.h"
#include "tasks/common.h"

namespace ocres::tasks {
namespace {

constexpr double kRBottom = 0.025, kRTop = 0.0375, kHeight = 0.10, kMass = 0.15;
constexpr int kRing = 20;
constexpr double kUprightAngle = 35.0 * M_PI / 180.0;
constexpr double kGraspHeight = 0.065;  // grasp point along the axis, from the bottom (m)
constexpr int kStableSteps = 5;

// Half-angle of the cone: the axis' tilt when the cup lies on its side.
double side_tilt() { return std::atan((kRTop - kRBottom) / kHeight); }

class CupExpert : public sim::StepPolicy {
 public:
  void reset(Rng& rng) override {
    phase_ = 0;
    follower_ = {};
    along_ = rng.uniform(-0.005, 0.005);
  }
  Action act(const Observation& obs) override {
    const Pose& cup = obs.X_BO[0];
    if (phase_ <= 2) {
      // Cup axis direction (bottom -> top) projected on the table.
      const Vec3 axis = cup.q * Vec3::UnitZ();
      psi_ = std::atan2(axis.y(), axis.x());
      const Vec3 grasp_point = cup.p + cup.q * Vec3(0, 0, kGraspHeight + along_);
      grasp_p_ = Vec3(grasp_point.x(), grasp_point.y(), std::max(grasp_point.z() - 0.004, 0.02));
      // Fingers across the cup: finger axis perpendicular to the cup axis.
      grasp_yaw_ = nearest_equivalent_yaw(psi_, kHomeGraspYaw, M_PI);
      // Turn (while lifted) so that the cup's top points away from the robot, within +-90 degrees of
      // the radial direction: the tilted hand then points outwards, where the FR3 reaches well.
      const double radial = std::atan2(grasp_p_.y(), grasp_p_.x());
      const double off = wrap_angle(psi_ - radial);
      delta_ = std::abs(off) <= M_PI / 2 ? 0.0 : (off > 0 ? M_PI / 2 - off : -M_PI / 2 - off);
    }
    const Quat q_grasp = top_down_quat(grasp_yaw_);
    const Quat q_turned = top_down_quat(grasp_yaw_ + delta_);
    const double psi2 = psi_ + delta_;
    const Vec3 u(std::cos(psi2), std::sin(psi2), 0);
    const Vec3 v = Vec3::UnitZ().cross(u);
    const Quat q_up = (Quat(Eigen::AngleAxisd(-M_PI / 2, v)) * q_turned).normalized();
    const Vec3 lifted = grasp_p_ + Vec3(0, 0, 0.12);
    // Upright, the grasp point is kGraspHeight above the bottom, and the bottom 5 mm above the table.
    const Vec3 place(lifted.x(), lifted.y(), kGraspHeight + 0.005);
    Waypoint wp;
    switch (phase_) {
      case 0: wp = {grasp_p_ + Vec3(0, 0, 0.10), q_grasp, 0.08, 0.015, 0, 80}; break;
      case 1: wp = {grasp_p_, q_grasp, 0.08, 0.006, 0, 40, 0.012}; break;
      case 2: wp = {grasp_p_, q_grasp, 0.0, 1.0, 14, 14}; break;
      case 3: wp = {lifted, q_grasp, 0.0, 0.02, 0, 60, 0.015}; break;
      case 4: wp = {lifted, q_turned, 0.0, 1.0, 20, 20}; break;   // turn about z
      case 5: wp = {lifted, q_up, 0.0, 1.0, 25, 25}; break;       // tilt the cup upright
      case 6: wp = {place, q_up, 0.0, 0.006, 4, 80, 0.008}; break;  // lower onto the table
      case 7: wp = {place, q_up, 0.08, 1.0, 12, 12}; break;       // release
      default: wp = {place - 0.10 * u + Vec3(0, 0, 0.08), q_up, 0.08, 0.01, 0, 1000, 0.01}; break;
    }
    const Action a = follower_.track(obs, wp);
    if (follower_.done() && phase_ < 8) {
      ++phase_;
      follower_.next_phase();
    }
    return a;
  }

 private:
  int phase_ = 0;
  double along_ = 0, psi_ = 0, grasp_yaw_ = 0, delta_ = 0;
  Vec3 grasp_p_ = Vec3::Zero();
  WaypointFollower follower_;
};

class CupTask : public sim::Task {
 public:
  CupTask() {
    info_.name = "cup";
    info_.title = "Stand Cup Up";
    info_.horizon = 500;
    info_.object_names = {"cup"};
    info_.grasp_point_O = Vec3(0, 0, kGraspHeight);
  }
  const sim::TaskInfo& info() const override { return info_; }

  void build(sim::SceneBuilder& scene) const override {
    std::string verts;
    char buf[128];
    for (int ring = 0; ring < 2; ++ring) {
      const double r = ring == 0 ? kRBottom : kRTop, z = ring == 0 ? 0.0 : kHeight;
      for (int i = 0; i < kRing; ++i) {
        const double a = 2 * M_PI * i / kRing;
        std::snprintf(buf, sizeof(buf), "%.6g %.6g %.6g ", r * std::cos(a), r * std::sin(a), z);
        verts += buf;
      }
    }
    scene.assets += "<mesh name=\"cup_frustum\" vertex=\"" + verts + "\"/>\n";
    std::snprintf(buf, sizeof(buf), "%.6g", kMass);
    scene.worldbody += std::string("<body name=\"cup\" pos=\"0.5 0 0.2\"><freejoint name=\"cup\"/>") +
                       "<geom class=\"object\" type=\"mesh\" mesh=\"cup_frustum\" mass=\"" + buf +
                       "\" rgba=\"0.3 0.5 0.85 1\"/></body>\n";
  }

  void bind(const mjModel* m) override {
    cup_.bind(m, "cup");
    pads_.bind(m);
  }

  void reset(const mjModel* m, mjData* d, Rng& rng) override {
    // On its side along a generatrix: the axis rises towards the wide top by the cone's half-angle.
    const double yaw = rng.uniform(-M_PI, M_PI), tilt = side_tilt();
    const Vec3 u(std::cos(yaw) * std::cos(tilt), std::sin(yaw) * std::cos(tilt), std::sin(tilt));
    // Rotation taking the cup's z to u, with its x pointing down-ish.
    const Quat q = Quat::FromTwoVectors(Vec3::UnitZ(), u);
    const double bottom_height = kRBottom * std::cos(tilt) + 0.001;
    const Vec3 center(rng.uniform(0.42, 0.58), rng.uniform(-0.18, 0.18), 0);
    const Vec3 p = center - 0.5 * kHeight * u + Vec3(0, 0, bottom_height + 0.5 * kHeight * std::sin(tilt));
    cup_.set_pose(d, Pose{p, q});
    stable_steps_ = 0;
  }

  void observe(const mjModel* m, const mjData* d, Observation& obs) const override { obs.X_BO[0] = cup_.pose(d); }

  sim::TaskEval evaluate(const mjModel* m, const mjData* d, const Observation& obs) override {
    const Pose X = obs.X_BO[0];
    const Vec3 axis = X.q * Vec3::UnitZ();
    const double angle = std::acos(std::clamp(axis.z(), -1.0, 1.0));  // 0 = upright
    const bool held = grasped(m, d, pads_, cup_.body);
    const bool released = !geom_touches_body(m, d, pads_.left, cup_.body) && !geom_touches_body(m, d, pads_.right, cup_.body);
    const bool on_table = X.p.z() < 0.01;  // bottom centre at table height when standing
    // Still: not moving, and upright for kStableSteps consecutive steps. (An angular-velocity test would
    // reject a standing cup that wobbles by a degree or two on its bottom rim after release.)
    const bool still = cup_.linear_velocity(d).norm() < 0.03;
    stable_steps_ = (angle < kUprightAngle && on_table && released && still) ? stable_steps_ + 1 : 0;
    sim::TaskEval e;
    e.success = stable_steps_ >= kStableSteps;
    e.failed = X.p.z() < -0.1;
    e.grasped = held;
    const double upright = 1.0 - angle / M_PI;  // 0.5 lying, 1 upright
    e.progress = std::clamp((upright - 0.5) * 2.0, 0.0, 1.0);
    const Vec3 middle = X.p + axis * (0.5 * kHeight);
    e.reward = 0.1 * reach_term((obs.robot.X_BT.p - middle).norm()) + 0.2 * held + 0.5 * e.progress * (held || released ? 1.0 : 0.0);
    return e;
  }

  std::unique_ptr<sim::StepPolicy> make_expert() const override { return std::make_unique<CupExpert>(); }

 private:
  sim::TaskInfo info_;
  FreeBody cup_;
  PadIds pads_;
  int stable_steps_ = 0;
};

}  // namespace

std::unique_ptr<sim::Task> make_cup_task() { return std::make_unique<CupTask>(); }

}  // namespace ocres::tasks
