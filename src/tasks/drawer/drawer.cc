// Close Drawer (paper Table 4): a cabinet 27 (wide, y) x 35 (deep, x) x 28.2 (high) cm, 4.9 kg, fixed
// on the table with its front towards the robot; 5 drawers (0.87 kg each) on prismatic slides with
// 13 cm travel, opening towards the robot (-x). One drawer starts fully open; success: that drawer
// closed to within 1 cm.
//
// Observation: X_BO[0] = the open drawer's handle (its position tells which drawer it is);
// scalars[0] = that drawer's opening (m). The cabinet is a fixture (static geoms); drawers do not
// collide with it (fixture bits), they slide on their joints with damping the domain can scale.
#include "tasks/drawer/drawer.h"

#include <algorithm>
#include <cmath>

#include "sim/mujoco_handles.h"
#include "tasks/common.h"

namespace ocres::tasks {
namespace {

constexpr int kDrawers = 5;
constexpr double kWidth = 0.27, kDepth = 0.35, kHeight = 0.282;
constexpr double kFrontX = 0.56;   // cabinet front face (closed drawer fronts), base frame
constexpr double kCenterY = 0.0;
constexpr double kTravel = 0.13;
constexpr double kWall = 0.01;
constexpr double kDrawerMass = 0.87;
constexpr double kSlot = (kHeight - 2 * kWall) / kDrawers;  // vertical pitch of the drawers

double drawer_center_z(int i) { return kWall + kSlot * (i + 0.5); }

class DrawerExpert : public sim::StepPolicy {
 public:
  void reset(Rng& rng) override {
    phase_ = 0;
    follower_ = {};
    y_offset_ = rng.uniform(-0.04, 0.04);
  }
  Action act(const Observation& obs) override {
    const Pose& handle = obs.X_BO[0];
    const double opening = obs.scalars[0];
    // Push with the closed fingertips on the drawer front beside the handle, the hand pointing
    // forward (TCP z = +x) with the fingers side by side (TCP y = +y): the palm's thin side is vertical,
    // so it passes between the drawers above and below. The fingertips reach ~2 cm beyond the TCP.
    const double front_x = handle.p.x() + 0.02;  // the handle sticks out 2 cm
    const Vec3 contact(front_x - 0.03, handle.p.y() + y_offset_, handle.p.z());
    const Quat q(Eigen::AngleAxisd(M_PI / 2, Vec3::UnitY()));
    Waypoint wp;
    switch (phase_) {
      case 0: wp = {contact + Vec3(-0.08, 0, 0.06), q, 0.0, 0.015, 0, 80}; break;
      case 1: wp = {contact + Vec3(-0.04, 0, 0), q, 0.0, 0.008, 0, 60}; break;
      case 2: wp = {Vec3(kFrontX - 0.012, contact.y(), contact.z()), q, 0.0, 0.004, 0, 160, 0.012}; break;
      default: wp = {Vec3(kFrontX - 0.12, contact.y(), contact.z()), q, 0.0, 0.01, 0, 1000}; break;
    }
    if (phase_ == 2 && opening < 0.004) {
      ++phase_;
      follower_.next_phase();
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
  double y_offset_ = 0;
  WaypointFollower follower_;
};

class DrawerTask : public sim::Task {
 public:
  DrawerTask() {
    info_.name = "drawer";
    info_.title = "Close Drawer";
    info_.horizon = 500;
    info_.object_names = {"drawer_handle"};
    info_.scalar_names = {"drawer_opening_m"};
    info_.requires_grasp = false;
  }
  const sim::TaskInfo& info() const override { return info_; }

  void build(sim::SceneBuilder& scene) const override {
    std::string& w = scene.worldbody;
    char buf[640];
    const double cx = kFrontX + kDepth / 2;
    auto box = [&](const char* name, double x, double y, double z, double hx, double hy, double hz, const char* rgba) {
      std::snprintf(buf, sizeof(buf),
                    "<geom name=\"%s\" class=\"fixture\" type=\"box\" pos=\"%.6g %.6g %.6g\" size=\"%.6g %.6g %.6g\" rgba=\"%s\"/>\n",
                    name, x, y, z, hx, hy, hz, rgba);
      w += buf;
    };
    const char* wood = "0.55 0.4 0.3 1";
    w += "<body name=\"cabinet\">\n";
    box("cab_top", cx, kCenterY, kHeight - kWall / 2, kDepth / 2, kWidth / 2, kWall / 2, wood);
    box("cab_bottom", cx, kCenterY, kWall / 2, kDepth / 2, kWidth / 2, kWall / 2, wood);
    box("cab_left", cx, kCenterY + kWidth / 2 - kWall / 2, kHeight / 2, kDepth / 2, kWall / 2, kHeight / 2, wood);
    box("cab_right", cx, kCenterY - kWidth / 2 + kWall / 2, kHeight / 2, kDepth / 2, kWall / 2, kHeight / 2, wood);
    box("cab_back", kFrontX + kDepth - kWall / 2, kCenterY, kHeight / 2, kWall / 2, kWidth / 2, kHeight / 2, wood);
    w += "</body>\n";
    // Drawers: the body origin is the centre of the front plate when closed; the slide opens along -x.
    const double inner_w = kWidth - 2 * kWall - 0.004, front_h = kSlot - 0.004, box_d = kDepth - 0.03;
    for (int i = 0; i < kDrawers; ++i) {
      std::snprintf(buf, sizeof(buf),
                    "<body name=\"drawer%d\" pos=\"%.6g %.6g %.6g\">\n"
                    "<inertial pos=\"%.6g 0 0\" mass=\"%.6g\" diaginertia=\"0.01 0.01 0.01\"/>\n"
                    "<joint name=\"slide%d\" type=\"slide\" axis=\"-1 0 0\" range=\"0 %.6g\" damping=\"8\" frictionloss=\"1\"/>\n",
                    i, kFrontX + kWall / 2, kCenterY, drawer_center_z(i), box_d / 2, kDrawerMass, i, kTravel);
      w += buf;
      const std::string n = std::to_string(i);
      box(("front" + n).c_str(), 0, 0, 0, kWall / 2, inner_w / 2, front_h / 2, "0.75 0.6 0.45 1");
      box(("floor" + n).c_str(), box_d / 2, 0, -front_h / 2 + 0.004, box_d / 2, inner_w / 2, 0.003, wood);
      box(("side_l" + n).c_str(), box_d / 2, inner_w / 2 - 0.004, 0, box_d / 2, 0.004, front_h / 2 - 0.005, wood);
      box(("side_r" + n).c_str(), box_d / 2, -inner_w / 2 + 0.004, 0, box_d / 2, 0.004, front_h / 2 - 0.005, wood);
      // Handle: a bar 2 cm in front of the plate.
      std::snprintf(buf, sizeof(buf),
                    "<geom name=\"handle%d\" class=\"fixture\" type=\"box\" pos=\"%.6g 0 0\" size=\"0.006 0.05 0.006\" rgba=\"0.2 0.2 0.2 1\"/>\n"
                    "<site name=\"handle_site%d\" pos=\"%.6g 0 0\" size=\"0.005\"/>\n</body>\n",
                    i, -kWall / 2 - 0.014, i, -kWall / 2 - 0.02);
      w += buf;
    }
  }

  void bind(const mjModel* m) override {
    for (int i = 0; i < kDrawers; ++i) {
      const std::string n = std::to_string(i);
      slide_qpos_[i] = m->jnt_qposadr[sim::joint_id(m, ("slide" + n).c_str())];
    }
  }

  void reset(const mjModel* m, mjData* d, Rng& rng) override {
    // Any of the 5 drawers (bottom one included: its front is 3 cm above the table).
    open_ = static_cast<int>(rng.uniform_int(kDrawers));
    for (int i = 0; i < kDrawers; ++i) d->qpos[slide_qpos_[i]] = i == open_ ? kTravel : 0.0;
  }

  void observe(const mjModel* m, const mjData* d, Observation& obs) const override {
    // Handle position from the slide (the site's world pose lags the last substep's kinematics).
    const double opening = d->qpos[slide_qpos_[open_]];
    // Drawer origin at x = kFrontX + kWall/2 (plate centre); the handle site is kWall/2 + 2 cm in front.
    obs.X_BO[0] = Pose{Vec3(kFrontX - 0.02 - opening, kCenterY, drawer_center_z(open_)), Quat::Identity()};
    obs.scalars[0] = opening;
  }

  sim::TaskEval evaluate(const mjModel* m, const mjData* d, const Observation& obs) override {
    const double opening = obs.scalars[0];
    const Vec3 front = obs.X_BO[0].p + Vec3(0.02, 0, 0);
    sim::TaskEval e;
    e.success = opening < 0.01;
    e.progress = std::clamp(1.0 - opening / kTravel, 0.0, 1.0);
    e.reward = 0.3 * reach_term((obs.robot.X_BT.p - front).norm()) + 0.5 * e.progress + (e.success ? 0.2 : 0.0);
    return e;
  }

  std::unique_ptr<sim::StepPolicy> make_expert() const override { return std::make_unique<DrawerExpert>(); }

 private:
  sim::TaskInfo info_;
  int slide_qpos_[kDrawers] = {};
  int open_ = 0;
};

}  // namespace

std::unique_ptr<sim::Task> make_drawer_task() { return std::make_unique<DrawerTask>(); }

}  // namespace ocres::tasks
