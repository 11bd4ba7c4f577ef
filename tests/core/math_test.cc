#include "core/math.h"

#include <gtest/gtest.h>

#include "core/rng.h"

namespace ocres {
namespace {

Quat random_quat(Rng& rng) {
  return quat_exp(Vec3(rng.uniform(-2, 2), rng.uniform(-2, 2), rng.uniform(-2, 2)));
}

TEST(Math, EulerXyzMatchesProductOfAxisRotations) {
  const Vec3 e(0.3, -0.2, 1.1);
  const Mat3 Rx = Eigen::AngleAxisd(e.x(), Vec3::UnitX()).toRotationMatrix();
  const Mat3 Ry = Eigen::AngleAxisd(e.y(), Vec3::UnitY()).toRotationMatrix();
  const Mat3 Rz = Eigen::AngleAxisd(e.z(), Vec3::UnitZ()).toRotationMatrix();
  EXPECT_TRUE(quat_from_euler_xyz(e).toRotationMatrix().isApprox(Rx * Ry * Rz, 1e-12));
}

TEST(Math, EulerXyzRoundTrips) {
  Rng rng(1);
  for (int i = 0; i < 200; ++i) {
    const Vec3 e(rng.uniform(-3, 3), rng.uniform(-1.5, 1.5), rng.uniform(-3, 3));
    EXPECT_TRUE(euler_xyz_from_quat(quat_from_euler_xyz(e)).isApprox(e, 1e-9));
  }
}

TEST(Math, LogIsInverseOfExp) {
  Rng rng(2);
  for (int i = 0; i < 200; ++i) {
    const Quat q = random_quat(rng);
    EXPECT_LT(angle_between(quat_exp(quat_log(q)), q), 1e-9);
    EXPECT_LE(quat_log(q).norm(), M_PI + 1e-12);
  }
  EXPECT_NEAR(quat_log(quat_from_yaw(0.7)).z(), 0.7, 1e-12);
}

TEST(Math, PoseInverseComposesToIdentity) {
  Rng rng(3);
  const Pose X{Vec3(0.1, -0.4, 0.9), random_quat(rng)};
  const Pose I = X * X.inverse();
  EXPECT_LT(I.p.norm(), 1e-12);
  EXPECT_LT(angle_between(I.q, Quat::Identity()), 1e-7);
  const Vec3 v(1, 2, 3);
  EXPECT_TRUE((X.inverse() * (X * v)).isApprox(v, 1e-12));
}

TEST(Math, AngleBetweenIgnoresQuaternionSign) {
  const Quat q = quat_from_yaw(0.4);
  Quat neg = q;
  neg.coeffs() *= -1;
  EXPECT_NEAR(angle_between(q, neg), 0.0, 1e-7);
  EXPECT_NEAR(angle_between(q, Quat::Identity()), 0.4, 1e-12);
  EXPECT_GE(canonical(neg).w(), 0.0);
}

TEST(Math, WrapAngleStaysInHalfOpenInterval) {
  EXPECT_NEAR(wrap_angle(3 * M_PI), M_PI, 1e-12);
  EXPECT_NEAR(wrap_angle(-0.5), -0.5, 1e-12);
  EXPECT_NEAR(wrap_angle(2 * M_PI + 0.25), 0.25, 1e-12);
  EXPECT_NEAR(yaw_of(quat_from_yaw(-2.0)), -2.0, 1e-12);
}

}  // namespace
}  // namespace ocres
