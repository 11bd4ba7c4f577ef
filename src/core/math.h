#pragma once
// Rigid-body math used across ocres. Conventions (docs/frames.md):
//  * Quaternions are Eigen::Quaterniond; when flattened into arrays (observations, datasets, wire
//    formats) the order is ALWAYS (w, x, y, z), as in MuJoCo.
//  * Names carry frames: X_AB is the pose of frame B expressed in frame A; p_AB_A is the position of B
//    relative to A expressed in A.
//  * "XYZ Euler" (the residual's rotation parameterisation) means R = Rx(rx) * Ry(ry) * Rz(rz)
//    (intrinsic x, then y', then z'').
#include <Eigen/Core>
#include <Eigen/Geometry>
#include <array>

namespace ocres {

using Vec3 = Eigen::Vector3d;
using Quat = Eigen::Quaterniond;
using Mat3 = Eigen::Matrix3d;

// A rigid transform: position and unit quaternion.
struct Pose {
  Vec3 p = Vec3::Zero();
  Quat q = Quat::Identity();

  // X_AC = X_AB * X_BC
  Pose operator*(const Pose& other) const { return {p + q * other.p, (q * other.q).normalized()}; }
  Vec3 operator*(const Vec3& v) const { return p + q * v; }
  Pose inverse() const {
    const Quat qi = q.conjugate();
    return {-(qi * p), qi};
  }
};

// Flattened (w, x, y, z) conversions.
inline Quat quat_wxyz(const double* wxyz) { return Quat(wxyz[0], wxyz[1], wxyz[2], wxyz[3]); }
inline Quat quat_wxyz(double w, double x, double y, double z) { return Quat(w, x, y, z); }
inline void to_wxyz(const Quat& q, double* out) {
  out[0] = q.w();
  out[1] = q.x();
  out[2] = q.y();
  out[3] = q.z();
}
inline std::array<double, 4> to_wxyz(const Quat& q) { return {q.w(), q.x(), q.y(), q.z()}; }

// Canonical sign (w >= 0) so a rotation has one representation in observations.
Quat canonical(const Quat& q);

// R = Rx(e.x) * Ry(e.y) * Rz(e.z).
Quat quat_from_euler_xyz(const Vec3& e);
// Inverse of quat_from_euler_xyz (for |e.y| < pi/2).
Vec3 euler_xyz_from_quat(const Quat& q);

// Rotation vector (axis * angle, angle in [0, pi]) <-> quaternion.
Vec3 quat_log(const Quat& q);
Quat quat_exp(const Vec3& rotvec);

// Geodesic angle between two orientations, in [0, pi].
double angle_between(const Quat& a, const Quat& b);

// Rotation about world z by yaw (rad).
inline Quat quat_from_yaw(double yaw_rad) { return Quat(Eigen::AngleAxisd(yaw_rad, Vec3::UnitZ())); }

// Yaw of the body x-axis projected on the horizontal plane (rad).
double yaw_of(const Quat& q);

// Modified-DH (Craig) link transform: Rot_x(alpha) * Trans_x(a) * Rot_z(theta) * Trans_z(d).
Eigen::Isometry3d mdh_transform(double a, double d, double alpha, double theta);

// Shortest signed angle difference a - b wrapped to (-pi, pi].
double wrap_angle(double a);

}  // namespace ocres
