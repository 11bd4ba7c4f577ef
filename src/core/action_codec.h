#pragma once
// Flat encodings of actions and robot state used by datasets, base-policy networks and wire formats.
//   action (8):  target position (3, m, base frame), quaternion (4, w x y z, canonical), gripper width (1, m)
//   robot  (10): TCP position (3), TCP quaternion (4, canonical), gripper width (1), fingers (2)
//   pose   (7):  position (3), quaternion (4, canonical)
#include "core/observation.h"

namespace ocres {

inline constexpr int kActionDim = 8;
inline constexpr int kRobotDim = 10;
inline constexpr int kPoseDim = 7;

template <class T>
void encode_pose(const Pose& X, T* out) {
  const Quat q = canonical(X.q);
  out[0] = static_cast<T>(X.p.x());
  out[1] = static_cast<T>(X.p.y());
  out[2] = static_cast<T>(X.p.z());
  out[3] = static_cast<T>(q.w());
  out[4] = static_cast<T>(q.x());
  out[5] = static_cast<T>(q.y());
  out[6] = static_cast<T>(q.z());
}

template <class T>
Pose decode_pose(const T* in) {
  Quat q(in[3], in[4], in[5], in[6]);
  if (q.norm() < 1e-9) q = Quat::Identity();
  return {Vec3(in[0], in[1], in[2]), q.normalized()};
}

template <class T>
void encode_action(const Action& a, T* out) {
  encode_pose(Pose{a.p_BT, a.q_BT}, out);
  out[7] = static_cast<T>(a.gripper_width_m);
}

template <class T>
Action decode_action(const T* in) {
  const Pose X = decode_pose(in);
  return {X.p, X.q, static_cast<double>(in[7])};
}

template <class T>
void encode_robot(const RobotState& r, T* out) {
  encode_pose(r.X_BT, out);
  out[7] = static_cast<T>(r.gripper_width_m);
  out[8] = static_cast<T>(r.finger_m[0]);
  out[9] = static_cast<T>(r.finger_m[1]);
}

}  // namespace ocres
