// Pick-and-Place (paper Table 4): a red block 8 x 4 x 4 cm (50 g) and a white bowl (a dish: r 9.5 cm,
// h 1 cm, 10 g). The block starts at a random position and yaw; the bowl 20-46 cm away from it.
// Success: the block rests in the bowl (centre within the bowl's inner radius, supported by the bowl,
// nearly still) and is released (no pad touches it).
//
// The bowl is a free body built from primitives: a thin base disc and a ring of 16 small boxes as the
// rim on its edge, so that a block can rest IN it. Its frame: origin at the centre of the base's
// underside.
#include "tasks/pick_place/pick_place.h"

#include <algorithm>
#include <cmath>

#include "sim/mujoco_handles.h"
#include "tasks/common.h"

namespace ocres::tasks {
namespace {

constexpr double kHalfX = 0.04, kHalfY = 0.02, kHalfZ = 0.02;  // block half sizes (m)
constexpr double kBlockMass = 0.05;
constexpr double kBowlRadius = 0.095, kBowlHeight = 0.01, kBowlMass = 0.01;
constexpr double kBaseHalfZ = 0.002;  // base disc half thickness
constexpr int kRimSegments = 16;
// The rim stands ON the base disc (not on the table), so resting on the table costs only the disc's
// contacts; base + rim = the bowl's 1 cm height.
constexpr double kRimHalfZ = (kBowlHeight - 2 * kBaseHalfZ) / 2;

class PickPlaceExpert : public sim::StepPolicy {
 public:
  void reset(Rng& rng) override {
    phase_ = 0;
    follower_ = {};
    grasp_depth_m_ = rng.uniform(-0.003, 0.003);
  }
  Action act(const Observation& obs) override {
    const Pose& block = obs.X_BO[0];
    const Pose& bowl = obs.X_BO[1];
    if (phase_ <= 2) {
      grasp_yaw_ = nearest_equivalent_yaw(yaw_of(block.q), kHomeGraspYaw, M_PI);
      grasp_p_ = block.p + Vec3(0, 0, grasp_depth_m_);
    }
    const Quat q = top_down_quat(grasp_yaw_);
    const Vec3 above_bowl = bowl.p + Vec3(0, 0, 0.12);
    const Vec3 place = bowl.p + Vec3(0, 0, 2 * kBaseHalfZ + kHalfZ + 0.01);
    Waypoint wp;
    switch (phase_) {
      case 0: wp = {grasp_p_ + Vec3(0, 0, 0.10), q, 0.08, 0.015, 0, 80}; break;
      case 1: wp = {grasp_p_, q, 0.08, 0.006, 0, 40, 0.012}; break;
      case 2: wp = {grasp_p_, q, 0.0, 1.0, 12, 12}; break;                       // close
      case 3: wp = {grasp_p_ + Vec3(0, 0, 0.12), q, 0.0, 0.02, 0, 60, 0.015}; break;  // lift
      case 4: wp = {above_bowl, q, 0.0, 0.01, 0, 100, 0.015}; break;                 // carry
      case 5: wp = {place, q, 0.0, 0.006, 0, 60, 0.01}; break;                       // lower
      case 6: wp = {place, q, 0.08, 1.0, 12, 12}; break;                             // release
      default: wp = {place + Vec3(0, 0, 0.12), q, 0.08, 0.01, 0, 1000, 0.015}; break;
    }
    const Action a = follower_.track(obs, wp);
    if (follower_.done() && phase_ < 7) {
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

class PickPlaceTask : public sim::Task {
 public:
  PickPlaceTask() {
    info_.name = "pick_place";
    info_.title = "Pick-and-Place";
    info_.horizon = 500;
    info_.object_names = {"block", "bowl"};
  }
  const sim::TaskInfo& info() const override { return info_; }

  void build(sim::SceneBuilder& scene) const override {
    char buf[512];
    std::snprintf(buf, sizeof(buf),
                  "<body name=\"block\" pos=\"0.45 -0.1 %.6g\"><freejoint name=\"block\"/>"
                  "<geom class=\"object\" type=\"box\" size=\"%.6g %.6g %.6g\" mass=\"%.6g\" rgba=\"0.8 0.1 0.1 1\"/></body>\n",
                  kHalfZ, kHalfX, kHalfY, kHalfZ, kBlockMass);
    scene.worldbody += buf;
    // Bowl: base disc + rim ring. Masses split so the total is 10 g.
    std::string bowl = "<body name=\"bowl\" pos=\"0.45 0.15 0\"><freejoint name=\"bowl\"/>";
    std::snprintf(buf, sizeof(buf),
                  "<geom class=\"object\" type=\"cylinder\" size=\"%.6g %.6g\" pos=\"0 0 %.6g\" mass=\"%.6g\" rgba=\"0.95 0.95 0.95 1\"/>",
                  kBowlRadius, kBaseHalfZ, kBaseHalfZ, kBowlMass * 0.5);
    bowl += buf;
    const double seg_half = M_PI * kBowlRadius / kRimSegments;
    for (int i = 0; i < kRimSegments; ++i) {
      const double a = 2 * M_PI * i / kRimSegments;
      std::snprintf(buf, sizeof(buf),
                    "<geom class=\"object\" type=\"box\" size=\"0.003 %.6g %.6g\" pos=\"%.6g %.6g %.6g\" euler=\"0 0 %.6g\" "
                    "mass=\"%.6g\" rgba=\"0.95 0.95 0.95 1\"/>",
                    seg_half, kRimHalfZ, (kBowlRadius - 0.003) * std::cos(a), (kBowlRadius - 0.003) * std::sin(a),
                    2 * kBaseHalfZ + kRimHalfZ, a, kBowlMass * 0.5 / kRimSegments);
      bowl += buf;
    }
    bowl += "</body>\n";
    scene.worldbody += bowl;
  }

  void bind(const mjModel* m) override {
    block_.bind(m, "block");
    bowl_.bind(m, "bowl");
    pads_.bind(m);
  }

  void reset(const mjModel* m, mjData* d, Rng& rng) override {
    // Block and bowl in the reachable area in front of the robot; bowl 20-46 cm from the block.
    Vec3 p_block, p_bowl;
    for (int attempt = 0; attempt < 1000; ++attempt) {
      p_block = Vec3(rng.uniform(0.35, 0.6), rng.uniform(-0.25, 0.25), kHalfZ);
      p_bowl = sample_at_distance(rng, p_block, 0.20, 0.46);
      p_bowl.z() = 0;
      if (p_bowl.x() > 0.35 && p_bowl.x() < 0.65 && std::abs(p_bowl.y()) < 0.3) break;
    }
    block_.set_pose(d, Pose{p_block, quat_from_yaw(rng.uniform(-M_PI / 2, M_PI / 2))});
    bowl_.set_pose(d, Pose{p_bowl, Quat::Identity()});
  }

  void observe(const mjModel* m, const mjData* d, Observation& obs) const override {
    obs.X_BO[0] = block_.pose(d);
    obs.X_BO[1] = bowl_.pose(d);
  }

  sim::TaskEval evaluate(const mjModel* m, const mjData* d, const Observation& obs) override {
    const Pose block = obs.X_BO[0], bowl = obs.X_BO[1];
    const bool g = grasped(m, d, pads_, block_.body);
    const bool released = !geom_touches_body(m, d, pads_.left, block_.body) && !geom_touches_body(m, d, pads_.right, block_.body);
    const double horiz = (block.p - bowl.p).head<2>().norm();
    const bool inside = horiz < kBowlRadius - 0.03 && bodies_in_contact(m, d, block_.body, bowl_.body) &&
                        block.p.z() < bowl.p.z() + 2 * kBaseHalfZ + kHalfZ + 0.015;
    const bool still = block_.linear_velocity(d).norm() < 0.05;
    sim::TaskEval e;
    e.success = inside && released && still;
    e.failed = block.p.z() < -0.1 || bowl.p.z() < -0.1;
    e.grasped = g;
    const double lifted = std::clamp((block.p.z() - kHalfZ) / 0.05, 0.0, 1.0);
    const double place_progress = 1.0 - std::tanh(horiz / 0.1);
    e.progress = inside ? 1.0 : 0.5 * (g ? lifted : 0.0) + 0.4 * place_progress * (g ? 1.0 : 0.0);
    // Letting go inside the bowl pays more than holding the block there (0.3 > 0.2 grasp + 0.1 lift):
    // with the grasp term alone, releasing would cost reward until the block settles and the task
    // counts as solved (then the env pays 1), and a residual learner would learn never to let go.
    e.reward = 0.1 * reach_term((obs.robot.X_BT.p - block.p).norm()) + 0.2 * g + 0.1 * g * lifted +
               0.3 * place_progress * (g || inside ? 1.0 : 0.0) + 0.1 * inside + 0.3 * (inside && released);
    return e;
  }

  std::unique_ptr<sim::StepPolicy> make_expert() const override { return std::make_unique<PickPlaceExpert>(); }

 private:
  sim::TaskInfo info_;
  FreeBody block_, bowl_;
  PadIds pads_;
};

}  // namespace

std::unique_ptr<sim::Task> make_pick_place_task() { return std::make_unique<PickPlaceTask>(); }

}  // namespace ocres::tasks
