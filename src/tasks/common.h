#pragma once
// Building blocks shared by the tasks: free-body pose access, contact queries, reward terms and a
// waypoint-following scripted expert for pick-style tasks. Each is small and tested once here, so the
// tasks do not copy them.
#include <mujoco/mujoco.h>

#include <string>

#include "core/math.h"
#include "core/rng.h"
#include "sim/observation.h"

namespace ocres::tasks {

using sim::Action;
using sim::Observation;

// A body with a free joint.
struct FreeBody {
  int body = -1, qpos = -1, dof = -1;
  void bind(const mjModel* m, const char* body_name);
  Pose pose(const mjData* d) const;  // world == robot base frame
  void set_pose(mjData* d, const Pose& X) const;
  Vec3 linear_velocity(const mjData* d) const;
  Vec3 angular_velocity(const mjData* d) const;
};

// True if any contact joins a geom of body_a and a geom of body_b.
bool bodies_in_contact(const mjModel* m, const mjData* d, int body_a, int body_b);
// True if any contact joins geom g and a geom of `body`.
bool geom_touches_body(const mjModel* m, const mjData* d, int geom, int body);
// Both finger pads touch the body: a two-sided (force-closure) grasp.
struct PadIds {
  int left = -1, right = -1;
  void bind(const mjModel* m);
};
bool grasped(const mjModel* m, const mjData* d, const PadIds& pads, int body);

// Reaching reward term in [0, 1]: 1 - tanh(distance / scale).
inline double reach_term(double distance_m, double scale_m = 0.1) { return 1.0 - std::tanh(distance_m / scale_m); }

// Top-down TCP orientation (TCP z pointing down) whose finger axis is at `yaw` (rad) about world z.
Quat top_down_quat(double yaw_rad);
// The grasp yaw equivalent to `yaw` modulo `period` (pi for a two-finger symmetric grasp of a box)
// closest to `reference` — the wrist then rotates as little as possible.
double nearest_equivalent_yaw(double yaw, double reference, double period);
// Yaw of the home TCP orientation (so experts start rotating from there).
inline constexpr double kHomeGraspYaw = M_PI / 2;

// Uniform position in an annulus sector around `center` at distance [r_lo, r_hi].
Vec3 sample_at_distance(Rng& rng, const Vec3& center, double r_lo, double r_hi);

// Moves a target towards a goal with bounded speed: returns the intermediate target one step ahead.
Vec3 step_towards(const Vec3& from, const Vec3& to, double max_step_m);
Quat step_towards(const Quat& from, const Quat& to, double max_step_rad);

// A scripted expert made of waypoints. Each phase commands a target (moving the commanded target
// towards it with bounded speed) and ends when the measured TCP is within tolerance, or after a
// timeout. Tasks build their experts from phases computed from the observation.
struct Waypoint {
  Vec3 p_BT;
  Quat q_BT;
  double gripper_width_m;
  double tol_m = 0.01;      // phase complete when TCP is within tol of the waypoint ...
  int min_steps = 0;        // ... and at least this many steps were spent in the phase
  int max_steps = 60;       // give up waiting after this many steps
  double speed_m_per_step = 0.02;  // 0.4 m/s at 20 Hz
};

class WaypointFollower {
 public:
  void reset(const Observation& obs);
  // Returns the action for this step towards `wp`; `done()` tells whether the phase completed.
  Action track(const Observation& obs, const Waypoint& wp);
  bool done() const { return done_; }
  int steps_in_phase() const { return steps_; }
  // Call when switching to the next phase.
  void next_phase() {
    steps_ = 0;
    done_ = false;
  }

 private:
  Vec3 p_cmd_ = Vec3::Zero();
  Quat q_cmd_ = Quat::Identity();
  int steps_ = 0;
  bool done_ = false;
  bool initialised_ = false;
};

}  // namespace ocres::tasks
