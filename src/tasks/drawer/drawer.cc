// Close Drawer (paper Table 4): a cabinet 27 x 35 x 28.2 cm (width along its y, depth along its x,
// height along z), 4.9 kg, standing on the table with its front towards the robot; 5 drawers (0.87 kg
// each) stacked vertically, each on a prismatic slide with 13 cm travel that opens towards the robot.
// One drawer starts fully open; success: that drawer closed to within 1 cm.
//
// Frames. Cabinet frame C: origin on the table at the centre of the front face, x into the cabinet
// (the closing direction), y along the width, z up. Drawer frame D_i: origin at the centre of the
// front plate's outer face, axes parallel to C; its slide moves it along -x_C by the opening.
// Handle frame H_i: the centre of the handle bar's front face, axes parallel to C.
//
// Pose randomisation. A static body cannot move between episodes, so the cabinet is a mocap body:
// static for the dynamics (contacts never move it, like furniture fixed to the table; its 4.9 kg is in
// its inertial for completeness but has no effect), with its pose written by reset() into
// d->mocap_pos/mocap_quat. The drawers are its children, so their slides follow the cabinet's yaw.
//
// Collision: cabinet and drawers are class "fixture", so they collide with the arm and fingers but not
// with each other; a drawer is held by its joint (range 0..13 cm), not by contacts with the carcass.
// The slides have viscous damping (scaled per episode by the domain's fixture_damping_scale) and dry
// friction (frictionloss), as a ball-bearing drawer slide does.
//
// Observation layout (built in observe()):
//   X_BO[0]    "drawer"            the open drawer's handle frame H in the base frame: its height tells
//                                  which drawer is open, its x axis is the closing direction.
//   scalars[0] "drawer_opening_m"  the open drawer's slide position (0 closed .. 0.13 fully open).
#include "tasks/drawer/drawer.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>

#include "sim/mujoco_handles.h"
#include "tasks/common.h"

namespace ocres::tasks {
namespace {

// Cabinet carcass (m, kg).
constexpr double kWidth = 0.27, kDepth = 0.35, kHeight = 0.282;
constexpr double kCabinetMass = 4.9;
constexpr double kPanel = 0.010;  // top, bottom, sides, back
constexpr double kShelf = 0.006;  // the 4 shelves between the drawers
constexpr int kDrawers = 5;
// Clear height of one drawer slot, and the vertical pitch from one drawer to the next.
constexpr double kSlot = (kHeight - 2 * kPanel - (kDrawers - 1) * kShelf) / kDrawers;
constexpr double kPitch = kSlot + kShelf;
// Drawers.
constexpr double kDrawerMass = 0.87;
constexpr double kTravel = 0.13;
constexpr double kFrontThick = 0.015;                           // front plate thickness
constexpr double kFrontW = kWidth - 2 * kPanel - 0.004;         // inset between the sides, 2 mm gaps
constexpr double kFrontH = kSlot - 0.003;                       // inset between the shelves, 1.5 mm gaps
constexpr double kBoxL = kDepth - kPanel - kFrontThick - 0.01;  // drawer box length behind the front
constexpr double kBoxH = kSlot - 0.006;
constexpr double kHandleOut = 0.02;  // the handle bar's front face stands 2 cm proud of the front plate
// Slide dynamics: viscous damping (N s/m; the domain scales it) and dry friction (N).
constexpr double kSlideDamping = 8.0;
constexpr double kSlideFriction = 1.0;

// Nominal cabinet placement (base frame) and its per-episode randomisation. The centre is at 0.85 m, so
// the closed fronts are at ~0.675 m and a fully open drawer's handle at ~0.525 m. Nearer cabinets put
// the wrist, ~0.2 m behind the fingertips when pushing along the slide, close to the shoulder: the
// elbow (joint 4) folds onto its limit and the wrist passes its singularity (joint 6 near pi), where the
// IK's null space lets joints 5 and 7 wander off and the fingertips ride over the handle.
constexpr double kCenterX = 0.85, kCenterY = 0.0;
constexpr double kRandX = 0.03, kRandY = 0.08, kRandYaw = 10.0 * M_PI / 180.0;

constexpr double kSuccessOpening_m = 0.01;

// Height (C frame) of drawer i's centre; drawer 0 is the bottom one.
constexpr double drawer_center_z(int i) { return kPanel + i * kPitch + kSlot / 2; }

// Handle frame origin in the cabinet frame for drawer i at `opening_m`.
Vec3 handle_in_cabinet(int i, double opening_m) { return Vec3(-kHandleOut - opening_m, 0, drawer_center_z(i)); }

// Dense staged reward in [0, 1] short of success (sim::Env pays 1 on a success step): reach the handle
// with the fingertips, then closing progress. `tips_to_handle_m` is the distance from the fingertips to
// the handle's front centre.
double drawer_reward(double tips_to_handle_m, double progress) {
  const double r = 0.2 * reach_term(tips_to_handle_m) + 0.6 * progress;
  return std::clamp(r, 0.0, 1.0);
}

// The closed fingertips reach this far beyond the TCP along the TCP z axis (pad tip, robot_model.cc).
constexpr double kTipBeyondTcp_m = 0.0186;

// Pushes the drawer shut with the closed fingertips on the handle's front face. The hand points along
// the slide, pitched 65 deg downwards, with the fingers side by side horizontally: the wrist then sits
// above and behind the fingertips (a horizontal hand folds the elbow and wrist onto their limits). The
// fingers clear the handle of the drawer above by ~1 cm and the wide hand stays 6 cm behind the
// fingertips, so only the fingertips touch the cabinet. The hand is rolled by pi about its axis (TCP x
// up rather than down; the two fingers are symmetric), which keeps joint 7 mid-range instead of at its
// limit. Waypoints are in the handle frame, so they follow the cabinet's yaw.
//
// The push ends as a person's does: slower over the last 5 cm, stopping when the drawer looks shut
// (a few mm open, drawn per episode), then the hand lets go and withdraws. The earlier script rammed
// the drawer at full speed towards a point 8 mm beyond closed; a base imitating that never has a
// reason to stop, so it closed every drawer (100%) whatever it perceived. Now where the push ends
// depends on how closed the drawer looks, which is what an imprecise slide-position estimate can get
// wrong (perception/pose_corruption.h): the base then stops short, as VLAs do.
class DrawerExpert : public sim::StepPolicy {
 public:
  void reset(Rng& rng) override {
    phase_ = 0;
    follower_ = {};
    q_started_ = false;
    dy_m_ = rng.uniform(-0.03, 0.03);  // where along the 10 cm handle bar to push
    push_speed_m_per_step_ = rng.uniform(0.004, 0.006);
    stop_opening_m_ = rng.uniform(kStopOpeningMin_m, kStopOpeningMax_m);
  }
  Action act(const Observation& obs) override {
    const Pose& X_BH = obs.X_BO[0];
    const double opening = obs.scalars[0];
    const Quat q_goal = (X_BH.q * Quat(Eigen::AngleAxisd(M_PI / 2 + kTilt_rad, Vec3::UnitY())) *
                         Quat(Eigen::AngleAxisd(M_PI, Vec3::UnitZ())))
                            .normalized();
    // Turn the hand from its top-down home orientation slowly (0.8 rad/s): a fast turn while the arm
    // also travels makes the servos lag the target by 10-20 cm.
    if (!q_started_) {
      q_cmd_ = obs.robot.X_BT.q;
      q_started_ = true;
    }
    q_cmd_ = step_towards(q_cmd_, q_goal, 0.04);
    // TCP position that puts the fingertips at handle-frame point (x, dy, z); with `closed`, relative
    // to where the handle is when the drawer is shut.
    auto tcp_at = [&](double x, double z, bool closed) {
      const Pose X_BH_closed{X_BH.p + X_BH.q * Vec3(opening, 0, 0), X_BH.q};
      return Vec3((closed ? X_BH_closed : X_BH) * Vec3(x, dy_m_, z) - q_goal * Vec3(0, 0, kTipBeyondTcp_m));
    };
    Waypoint wp;
    switch (phase_) {
      case 0: wp = {tcp_at(-0.04, 0.06, false), q_cmd_, 0.0, 0.015, 0, 80}; break;   // in front, above
      case 1: wp = {tcp_at(-0.025, kAimZ_m, false), q_cmd_, 0.0, 0.006, 0, 60}; break;  // lined up
      // Push along the slide, slowing down for the last few cm as an operator does, until the drawer
      // looks shut (stop_opening_m_); the target lies beyond the closed position (the end stop takes
      // the excess) so that the push never ends on its own before that.
      case 2: {
        const double speed = opening > kSlowBelow_m ? push_speed_m_per_step_ : kSlowSpeed_m_per_step;
        wp = {tcp_at(0.008, kAimZ_m, true), q_cmd_, 0.0, 0.004, 0, 160, speed};
        break;
      }
      case 3: wp = {hold_p_, q_cmd_, 0.0, 1.0, 4, 4}; break;                          // stop, let go
      default: wp = {tcp_at(-0.10, 0.03, true), q_cmd_, 0.0, 0.01, 0, 1000}; break;  // back off
    }
    const Action a = follower_.track(obs, wp);
    if (phase_ < 4 && (follower_.done() || (phase_ == 2 && opening < stop_opening_m_))) {
      hold_p_ = obs.robot.X_BT.p;  // phase 3 holds the hand where it is, not where it was heading
      ++phase_;
      follower_.next_phase();
    }
    return a;
  }

 private:
  static constexpr double kTilt_rad = 65.0 * M_PI / 180.0;
  // The pitched fingertips touch the handle with their upper front edge, ~5 mm above the tip point:
  // aim 3 mm low so the contact is near the middle of the 12 mm bar.
  static constexpr double kAimZ_m = -0.003;
  // The last part of the push is slower (a human slows down before the end stop) ...
  static constexpr double kSlowBelow_m = 0.05, kSlowSpeed_m_per_step = 0.0015;
  // ... and ends when the drawer looks shut: at an opening drawn per episode (the drawer then coasts a
  // few mm further). The success test (within 1 cm) passes in every demo, but not by a wide margin.
  static constexpr double kStopOpeningMin_m = 0.004, kStopOpeningMax_m = 0.010;
  int phase_ = 0;
  double dy_m_ = 0, push_speed_m_per_step_ = 0.005, stop_opening_m_ = 0.005;
  Vec3 hold_p_ = Vec3::Zero();
  WaypointFollower follower_;
  Quat q_cmd_ = Quat::Identity();  // rate-limited orientation target
  bool q_started_ = false;
};

class DrawerTask : public sim::Task {
 public:
  DrawerTask() {
    info_.name = "drawer";
    info_.title = "Close Drawer";
    info_.horizon = 500;
    info_.object_names = {"drawer"};
    info_.scalar_names = {"drawer_opening_m"};
    info_.requires_grasp = false;
  }
  const sim::TaskInfo& info() const override { return info_; }

  void build(sim::SceneBuilder& scene) const override {
    std::string& w = scene.worldbody;
    char buf[512];
    auto box = [&](const std::string& name, double x, double y, double z, double hx, double hy, double hz,
                   const char* rgba) {
      std::snprintf(buf, sizeof(buf),
                    "<geom name=\"%s\" class=\"fixture\" type=\"box\" pos=\"%.6g %.6g %.6g\" size=\"%.6g %.6g %.6g\" "
                    "rgba=\"%s\"/>\n",
                    name.c_str(), x, y, z, hx, hy, hz, rgba);
      w += buf;
    };
    const char* wood = "0.55 0.4 0.3 1";
    const char* face = "0.75 0.6 0.45 1";
    const char* metal = "0.2 0.2 0.2 1";
    // Carcass in the C frame (x from the front face at 0 to the back at kDepth). The nominal pose here
    // is replaced per episode through the mocap pose.
    const double cx = kDepth / 2;
    const double Ixx = kCabinetMass / 12 * (kWidth * kWidth + kHeight * kHeight);
    const double Iyy = kCabinetMass / 12 * (kDepth * kDepth + kHeight * kHeight);
    const double Izz = kCabinetMass / 12 * (kDepth * kDepth + kWidth * kWidth);
    std::snprintf(buf, sizeof(buf),
                  "<body name=\"cabinet\" mocap=\"true\" pos=\"%.6g %.6g 0\">\n"
                  "<inertial pos=\"%.6g 0 %.6g\" mass=\"%.6g\" diaginertia=\"%.6g %.6g %.6g\"/>\n",
                  kCenterX - kDepth / 2, kCenterY, cx, kHeight / 2, kCabinetMass, Ixx, Iyy, Izz);
    w += buf;
    box("cab_top", cx, 0, kHeight - kPanel / 2, kDepth / 2, kWidth / 2, kPanel / 2, wood);
    box("cab_bottom", cx, 0, kPanel / 2, kDepth / 2, kWidth / 2, kPanel / 2, wood);
    box("cab_left", cx, kWidth / 2 - kPanel / 2, kHeight / 2, kDepth / 2, kPanel / 2, kHeight / 2, wood);
    box("cab_right", cx, -kWidth / 2 + kPanel / 2, kHeight / 2, kDepth / 2, kPanel / 2, kHeight / 2, wood);
    box("cab_back", kDepth - kPanel / 2, 0, kHeight / 2, kPanel / 2, kWidth / 2 - kPanel, kHeight / 2 - kPanel, wood);
    // Shelves between the drawers, flush with the front face.
    const double shelf_len = kDepth - kPanel;
    for (int i = 0; i + 1 < kDrawers; ++i)
      box("cab_shelf" + std::to_string(i), shelf_len / 2, 0, kPanel + (i + 1) * kPitch - kShelf / 2, shelf_len / 2,
          kWidth / 2 - kPanel, kShelf / 2, wood);
    // Drawers, each centred on its slot: a front plate, an open box behind it, and a handle.
    const double box_w = kFrontW - 0.006;
    const double Dxx = kDrawerMass / 12 * (box_w * box_w + kBoxH * kBoxH);
    const double Dyy = kDrawerMass / 12 * (kBoxL * kBoxL + kBoxH * kBoxH);
    const double Dzz = kDrawerMass / 12 * (kBoxL * kBoxL + box_w * box_w);
    const double bx = kFrontThick + kBoxL / 2;  // drawer box centre (D frame)
    for (int i = 0; i < kDrawers; ++i) {
      const std::string n = std::to_string(i);
      std::snprintf(buf, sizeof(buf),
                    "<body name=\"drawer%d\" pos=\"0 0 %.6g\">\n"
                    "<inertial pos=\"%.6g 0 0\" mass=\"%.6g\" diaginertia=\"%.6g %.6g %.6g\"/>\n"
                    "<joint name=\"slide%d\" type=\"slide\" axis=\"-1 0 0\" range=\"0 %.6g\" damping=\"%.6g\" "
                    "frictionloss=\"%.6g\"/>\n",
                    i, drawer_center_z(i), bx, kDrawerMass, Dxx, Dyy, Dzz, i, kTravel, kSlideDamping, kSlideFriction);
      w += buf;
      box("drawer_front" + n, kFrontThick / 2, 0, 0, kFrontThick / 2, kFrontW / 2, kFrontH / 2, face);
      box("drawer_floor" + n, bx, 0, -kBoxH / 2 + 0.003, kBoxL / 2, box_w / 2, 0.003, wood);
      box("drawer_left" + n, bx, box_w / 2 - 0.004, 0, kBoxL / 2, 0.004, kBoxH / 2, wood);
      box("drawer_right" + n, bx, -box_w / 2 + 0.004, 0, kBoxL / 2, 0.004, kBoxH / 2, wood);
      box("drawer_back" + n, kFrontThick + kBoxL - 0.004, 0, 0, 0.004, box_w / 2 - 0.008, kBoxH / 2, wood);
      // Handle: a 10 cm bar (1.2 cm square) on two posts; its front face is kHandleOut proud of the plate.
      box("handle" + n, -kHandleOut + 0.006, 0, 0, 0.006, 0.05, 0.006, metal);
      box("handle_post_l" + n, -0.004, 0.04, 0, 0.004, 0.004, 0.004, metal);
      box("handle_post_r" + n, -0.004, -0.04, 0, 0.004, 0.004, 0.004, metal);
      std::snprintf(buf, sizeof(buf),
                    "<site name=\"handle%d\" pos=\"%.6g 0 0\" size=\"0.005\" group=\"3\"/>\n</body>\n", i, -kHandleOut);
      w += buf;
    }
    w += "</body>\n";
  }

  void bind(const mjModel* m) override {
    mocap_ = m->body_mocapid[sim::body_id(m, "cabinet")];
    for (int i = 0; i < kDrawers; ++i) {
      const std::string n = "slide" + std::to_string(i);
      slide_qpos_[i] = m->jnt_qposadr[sim::joint_id(m, n.c_str())];
    }
  }

  void reset(const mjModel* m, mjData* d, Rng& rng) override {
    // Cabinet pose: centre x +-3 cm, y +-8 cm, yaw +-10 deg about its vertical centre line.
    const Vec3 center(kCenterX + rng.uniform(-kRandX, kRandX), kCenterY + rng.uniform(-kRandY, kRandY), 0);
    const Quat q = quat_from_yaw(rng.uniform(-kRandYaw, kRandYaw));
    X_BC_ = Pose{center - q * Vec3(kDepth / 2, 0, 0), q};
    for (int k = 0; k < 3; ++k) d->mocap_pos[3 * mocap_ + k] = X_BC_.p[k];
    to_wxyz(X_BC_.q, d->mocap_quat + 4 * mocap_);
    // Any of the 5 drawers: the bottom one (handle 3.4 cm above the table) and the top one (25 cm) are
    // both within reach.
    open_ = static_cast<int>(rng.uniform_int(kDrawers));
    for (int i = 0; i < kDrawers; ++i) d->qpos[slide_qpos_[i]] = i == open_ ? kTravel : 0.0;
  }

  void observe(const mjModel* m, const mjData* d, Observation& obs) const override {
    // From the slide position and the cabinet pose rather than the handle site, whose world pose is
    // from the kinematics before the last substep.
    const double opening = d->qpos[slide_qpos_[open_]];
    obs.X_BO[0] = Pose{X_BC_ * handle_in_cabinet(open_, opening), X_BC_.q};
    obs.scalars[0] = opening;
  }

  sim::TaskEval evaluate(const mjModel* m, const mjData* d, const Observation& obs) override {
    const double opening = obs.scalars[0];
    const Pose& X_BT = obs.robot.X_BT;
    const Vec3 tips = X_BT.p + X_BT.q * Vec3(0, 0, kTipBeyondTcp_m);
    sim::TaskEval e;
    e.success = opening < kSuccessOpening_m;
    e.progress = std::clamp(1.0 - opening / kTravel, 0.0, 1.0);
    e.reward = drawer_reward((tips - obs.X_BO[0].p).norm(), e.progress);
    return e;
  }

  std::unique_ptr<sim::StepPolicy> make_expert() const override { return std::make_unique<DrawerExpert>(); }

 private:
  sim::TaskInfo info_;
  int mocap_ = -1;
  std::array<int, kDrawers> slide_qpos_{};
  int open_ = 0;
  Pose X_BC_;  // cabinet frame C in the base frame, this episode
};

}  // namespace

std::unique_ptr<sim::Task> make_drawer_task() { return std::make_unique<DrawerTask>(); }

}  // namespace ocres::tasks
