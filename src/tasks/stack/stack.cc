// Stack Cube (paper Table 4): a white and a green 4 cm cube (25 g each) at random poses and yaws,
// 16-50 cm apart. Success: white on top of green (centred within 2 cm, resting on it, in contact),
// released (no pad touches white), and stable (both nearly still) for 5 consecutive steps.
#include "tasks/stack/stack.h"

#include <algorithm>
#include <cmath>

#include "sim/mujoco_handles.h"
#include "tasks/common.h"

namespace ocres::tasks {
namespace {

constexpr double kHalf = 0.02;  // cube half size (m)
constexpr double kMass = 0.025;
constexpr int kStableSteps = 5;

// Picks the white cube and sets it on the green one the way a careful operator does: the last 3 cm down
// to the grasp and the last 1.5 cm above the green cube are slow. Besides being how people stack 4 cm
// cubes, it matters for imitation: a base policy executes 16-step chunks open-loop, and when the
// placement happens inside the chunk that also carried the cube across (the earlier, faster
// script), its error is that of a prediction 10-20 cm ahead; with a slow final approach a fresh
// chunk starts right above the green cube and only has to predict a short move.
class StackExpert : public sim::StepPolicy {
 public:
  void reset(Rng& rng) override {
    phase_ = 0;
    follower_ = {};
    grasp_depth_m_ = rng.uniform(-0.003, 0.003);
  }
  Action act(const Observation& obs) override {
    const Pose& white = obs.X_BO[0];
    const Pose& green = obs.X_BO[1];
    if (phase_ <= 3) {
      grasp_yaw_ = nearest_equivalent_yaw(yaw_of(white.q), kHomeGraspYaw, M_PI / 2);  // a cube: period pi/2
      grasp_p_ = white.p + Vec3(0, 0, grasp_depth_m_);
    }
    // Carry with the grasp yaw turned to the green cube's yaw (mod pi/2), so the faces line up.
    const double place_yaw = nearest_equivalent_yaw(yaw_of(green.q), grasp_yaw_, M_PI / 2);
    const Quat q_grasp = top_down_quat(grasp_yaw_), q_place = top_down_quat(place_yaw);
    const Vec3 place = green.p + Vec3(0, 0, 2 * kHalf + 0.004);
    Waypoint wp;
    switch (phase_) {
      case 0: wp = {grasp_p_ + Vec3(0, 0, 0.10), q_grasp, 0.08, 0.015, 0, 80}; break;
      case 1: wp = {grasp_p_ + Vec3(0, 0, 0.03), q_grasp, 0.08, 0.006, 0, 40, 0.012}; break;
      case 2: wp = {grasp_p_, q_grasp, 0.08, 0.004, 0, 40, 0.003}; break;  // slow final descent
      case 3: wp = {grasp_p_, q_grasp, 0.0, 1.0, 12, 12}; break;
      case 4: wp = {grasp_p_ + Vec3(0, 0, 0.10), q_grasp, 0.0, 0.02, 0, 60, 0.015}; break;
      case 5: wp = {place + Vec3(0, 0, 0.05), q_place, 0.0, 0.01, 0, 100, 0.015}; break;
      case 6: wp = {place + Vec3(0, 0, 0.015), q_place, 0.0, 0.003, 0, 60, 0.002}; break;  // align, slowly
      case 7: wp = {place, q_place, 0.0, 0.003, 4, 40, 0.002}; break;                      // lower, settle
      case 8: wp = {place, q_place, 0.08, 1.0, 12, 12}; break;                             // release
      default: wp = {place + Vec3(0, 0, 0.10), q_place, 0.08, 0.01, 0, 1000, 0.01}; break;
    }
    const Action a = follower_.track(obs, wp);
    if (follower_.done() && phase_ < 9) {
      ++phase_;
      follower_.next_phase();
    }
    return a;
  }

 private:
  int phase_ = 0;
  double grasp_depth_m_ = 0, grasp_yaw_ = 0;
  Vec3 grasp_p_ = Vec3::Zero();
  WaypointFollower follower_;
};

class StackTask : public sim::Task {
 public:
  StackTask() {
    info_.name = "stack";
    info_.title = "Stack Cube";
    info_.horizon = 500;
    info_.object_names = {"white_cube", "green_cube"};
  }
  const sim::TaskInfo& info() const override { return info_; }

  void build(sim::SceneBuilder& scene) const override {
    const char* names[2] = {"white_cube", "green_cube"};
    const char* colors[2] = {"0.95 0.95 0.95 1", "0.1 0.7 0.2 1"};
    for (int i = 0; i < 2; ++i) {
      char buf[512];
      std::snprintf(buf, sizeof(buf),
                    "<body name=\"%s\" pos=\"0.45 %.6g %.6g\"><freejoint name=\"%s\"/>"
                    "<geom class=\"object\" type=\"box\" size=\"%.6g %.6g %.6g\" mass=\"%.6g\" rgba=\"%s\"/></body>\n",
                    names[i], i == 0 ? -0.1 : 0.1, kHalf, names[i], kHalf, kHalf, kHalf, kMass, colors[i]);
      scene.worldbody += buf;
    }
  }

  void bind(const mjModel* m) override {
    white_.bind(m, "white_cube");
    green_.bind(m, "green_cube");
    pads_.bind(m);
  }

  void reset(const mjModel* m, mjData* d, Rng& rng) override {
    Vec3 pw, pg;
    for (int attempt = 0; attempt < 1000; ++attempt) {
      pw = Vec3(rng.uniform(0.35, 0.62), rng.uniform(-0.25, 0.25), kHalf);
      pg = sample_at_distance(rng, pw, 0.16, 0.50);
      pg.z() = kHalf;
      if (pg.x() > 0.35 && pg.x() < 0.65 && std::abs(pg.y()) < 0.3) break;
    }
    // Yaws within one quarter turn: a cube looks the same after a quarter turn, so these are all the
    // distinct starts (as Lift and Pick-and-Place draw their blocks' yaw within one half turn), and a
    // start has one pose, not four equivalent quaternions far apart.
    white_.set_pose(d, Pose{pw, quat_from_yaw(rng.uniform(-M_PI / 4, M_PI / 4))});
    green_.set_pose(d, Pose{pg, quat_from_yaw(rng.uniform(-M_PI / 4, M_PI / 4))});
    stable_steps_ = 0;
  }

  void observe(const mjModel* m, const mjData* d, Observation& obs) const override {
    obs.X_BO[0] = white_.pose(d);
    obs.X_BO[1] = green_.pose(d);
  }

  sim::TaskEval evaluate(const mjModel* m, const mjData* d, const Observation& obs) override {
    const Pose w = obs.X_BO[0], g = obs.X_BO[1];
    const bool held = grasped(m, d, pads_, white_.body);
    const bool released = !geom_touches_body(m, d, pads_.left, white_.body) && !geom_touches_body(m, d, pads_.right, white_.body);
    const double horiz = (w.p - g.p).head<2>().norm();
    const double dz = w.p.z() - g.p.z();
    const bool on_top = horiz < 0.02 && std::abs(dz - 2 * kHalf) < 0.008 && bodies_in_contact(m, d, white_.body, green_.body);
    const bool still = white_.linear_velocity(d).norm() < 0.03 && green_.linear_velocity(d).norm() < 0.03;
    stable_steps_ = (on_top && released && still) ? stable_steps_ + 1 : 0;
    sim::TaskEval e;
    e.success = stable_steps_ >= kStableSteps;
    e.failed = w.p.z() < -0.1 || g.p.z() < -0.1;
    e.grasped = held;
    const double align = 1.0 - std::tanh(horiz / 0.05);
    const double lifted = std::clamp((w.p.z() - kHalf) / (2 * kHalf + 0.01), 0.0, 1.0);
    e.progress = on_top ? 1.0 : 0.5 * held * lifted + 0.4 * held * align;
    // Released on top pays more than holding the cube there (0.4 > 0.2 grasp + 0.15 lift), as in
    // Pick-and-Place: otherwise letting go costs reward for the steps until the stack counts as stable.
    e.reward = 0.1 * reach_term((obs.robot.X_BT.p - w.p).norm()) + 0.2 * held + 0.15 * held * lifted +
               0.25 * align * (held || on_top ? 1.0 : 0.0) + 0.1 * on_top + 0.4 * (on_top && released);
    return e;
  }

  std::unique_ptr<sim::StepPolicy> make_expert() const override { return std::make_unique<StackExpert>(); }

 private:
  sim::TaskInfo info_;
  FreeBody white_, green_;
  PadIds pads_;
  int stable_steps_ = 0;
};

}  // namespace

std::unique_ptr<sim::Task> make_stack_task() { return std::make_unique<StackTask>(); }

}  // namespace ocres::tasks
