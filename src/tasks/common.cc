#include "tasks/common.h"

#include <cmath>

#include "sim/mujoco_handles.h"

namespace ocres::tasks {

void FreeBody::bind(const mjModel* m, const char* body_name) {
  body = sim::body_id(m, body_name);
  const int j = m->body_jntadr[body];
  qpos = m->jnt_qposadr[j];
  dof = m->jnt_dofadr[j];
}

Pose FreeBody::pose(const mjData* d) const {
  const double* q = d->qpos + qpos;
  return {Vec3(q[0], q[1], q[2]), quat_wxyz(q + 3).normalized()};
}

void FreeBody::set_pose(mjData* d, const Pose& X) const {
  double* q = d->qpos + qpos;
  q[0] = X.p.x();
  q[1] = X.p.y();
  q[2] = X.p.z();
  to_wxyz(X.q.normalized(), q + 3);
  for (int k = 0; k < 6; ++k) d->qvel[dof + k] = 0;
}

Vec3 FreeBody::linear_velocity(const mjData* d) const { return Vec3(d->qvel[dof], d->qvel[dof + 1], d->qvel[dof + 2]); }
Vec3 FreeBody::angular_velocity(const mjData* d) const {
  return Vec3(d->qvel[dof + 3], d->qvel[dof + 4], d->qvel[dof + 5]);
}

bool bodies_in_contact(const mjModel* m, const mjData* d, int a, int b) {
  for (int i = 0; i < d->ncon; ++i) {
    const int b1 = m->geom_bodyid[d->contact[i].geom1], b2 = m->geom_bodyid[d->contact[i].geom2];
    if ((b1 == a && b2 == b) || (b1 == b && b2 == a)) return true;
  }
  return false;
}

bool geom_touches_body(const mjModel* m, const mjData* d, int geom, int body) {
  for (int i = 0; i < d->ncon; ++i) {
    const mjContact& c = d->contact[i];
    if ((c.geom1 == geom && m->geom_bodyid[c.geom2] == body) || (c.geom2 == geom && m->geom_bodyid[c.geom1] == body))
      return true;
  }
  return false;
}

void PadIds::bind(const mjModel* m) {
  left = sim::geom_id(m, "left_pad");
  right = sim::geom_id(m, "right_pad");
}

bool grasped(const mjModel* m, const mjData* d, const PadIds& pads, int body) {
  return geom_touches_body(m, d, pads.left, body) && geom_touches_body(m, d, pads.right, body);
}

Quat top_down_quat(double yaw_rad) {
  return (Eigen::AngleAxisd(yaw_rad, Vec3::UnitZ()) * Eigen::AngleAxisd(M_PI, Vec3::UnitX())).normalized();
}

double nearest_equivalent_yaw(double yaw, double reference, double period) {
  const double k = std::round((reference - yaw) / period);
  return yaw + k * period;
}

Vec3 sample_at_distance(Rng& rng, const Vec3& center, double r_lo, double r_hi) {
  const double r = rng.uniform(r_lo, r_hi);
  const double a = rng.uniform(-M_PI, M_PI);
  return center + Vec3(r * std::cos(a), r * std::sin(a), 0);
}

Vec3 step_towards(const Vec3& from, const Vec3& to, double max_step_m) {
  const Vec3 d = to - from;
  const double n = d.norm();
  return n <= max_step_m ? to : Vec3(from + d * (max_step_m / n));
}

Quat step_towards(const Quat& from, const Quat& to, double max_step_rad) {
  const double a = angle_between(from, to);
  if (a <= max_step_rad) return to;
  return from.slerp(max_step_rad / a, to).normalized();
}

void WaypointFollower::reset(const Observation& obs) {
  p_cmd_ = obs.robot.X_BT.p;
  q_cmd_ = obs.robot.X_BT.q;
  steps_ = 0;
  done_ = false;
  initialised_ = true;
}

Action WaypointFollower::track(const Observation& obs, const Waypoint& wp) {
  if (!initialised_) reset(obs);
  p_cmd_ = step_towards(p_cmd_, wp.p_BT, wp.speed_m_per_step);
  q_cmd_ = step_towards(q_cmd_, wp.q_BT, 0.15);
  ++steps_;
  const bool reached = (obs.robot.X_BT.p - wp.p_BT).norm() < wp.tol_m;
  done_ = (reached && steps_ >= wp.min_steps) || steps_ >= wp.max_steps;
  Action a;
  a.p_BT = p_cmd_;
  a.q_BT = q_cmd_;
  a.gripper_width_m = wp.gripper_width_m;
  return a;
}

}  // namespace ocres::tasks
