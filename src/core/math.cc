#include "core/math.h"

#include <cmath>

namespace ocres {

Quat canonical(const Quat& q) {
  Quat n = q.normalized();
  if (n.w() < 0) n.coeffs() *= -1.0;
  return n;
}

Quat quat_from_euler_xyz(const Vec3& e) {
  return (Eigen::AngleAxisd(e.x(), Vec3::UnitX()) * Eigen::AngleAxisd(e.y(), Vec3::UnitY()) *
          Eigen::AngleAxisd(e.z(), Vec3::UnitZ()))
      .normalized();
}

Vec3 euler_xyz_from_quat(const Quat& q) {
  // R = Rx Ry Rz: R(0,2) = sin(ry); R(1,2) = -sin(rx)cos(ry); R(2,2) = cos(rx)cos(ry);
  // R(0,1) = -cos(ry)sin(rz); R(0,0) = cos(ry)cos(rz).
  const Mat3 R = q.normalized().toRotationMatrix();
  const double ry = std::asin(std::clamp(R(0, 2), -1.0, 1.0));
  const double rx = std::atan2(-R(1, 2), R(2, 2));
  const double rz = std::atan2(-R(0, 1), R(0, 0));
  return {rx, ry, rz};
}

Vec3 quat_log(const Quat& q_in) {
  const Quat q = canonical(q_in);
  const Vec3 v = q.vec();
  const double s = v.norm();
  if (s < 1e-12) return 2.0 * v;  // first-order: angle ~ 2|v|
  const double angle = 2.0 * std::atan2(s, q.w());
  return v * (angle / s);
}

Quat quat_exp(const Vec3& rotvec) {
  const double angle = rotvec.norm();
  if (angle < 1e-12) return Quat(1.0, 0.5 * rotvec.x(), 0.5 * rotvec.y(), 0.5 * rotvec.z()).normalized();
  return Quat(Eigen::AngleAxisd(angle, rotvec / angle));
}

double angle_between(const Quat& a, const Quat& b) {
  // atan2 form: acos(|<a,b>|) loses half the digits for small angles.
  const Quat d = a.normalized().conjugate() * b.normalized();
  return 2.0 * std::atan2(d.vec().norm(), std::abs(d.w()));
}

double yaw_of(const Quat& q) {
  const Vec3 x = q * Vec3::UnitX();
  return std::atan2(x.y(), x.x());
}

Eigen::Isometry3d mdh_transform(double a, double d, double alpha, double theta) {
  Eigen::Isometry3d T = Eigen::Isometry3d::Identity();
  T.rotate(Eigen::AngleAxisd(alpha, Vec3::UnitX()));
  T.translate(Vec3(a, 0, 0));
  T.rotate(Eigen::AngleAxisd(theta, Vec3::UnitZ()));
  T.translate(Vec3(0, 0, d));
  return T;
}

double wrap_angle(double a) {
  a = std::fmod(a + M_PI, 2.0 * M_PI);
  if (a <= 0) a += 2.0 * M_PI;
  return a - M_PI;
}

}  // namespace ocres
