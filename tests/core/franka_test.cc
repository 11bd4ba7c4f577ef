#include "core/franka.h"

#include <gtest/gtest.h>

#include "core/rng.h"

namespace ocres::franka {
namespace {

JointVec random_q(Rng& rng) {
  JointVec q;
  for (int i = 0; i < 7; ++i) q[i] = rng.uniform(kQMin[i], kQMax[i]);
  return q;
}

TEST(Franka, HomePoseTcpPointsDownInFrontOfTheRobot) {
  const Pose X = tcp_pose(to_vec(kHomeQ));
  // Hand-computed from the DH table: with q4 = -pi/2 link 5 (0.384 m) is horizontal and the flange
  // and hand hang down: x = a4 + d5 + a7, z = d1 + d3 + a4 - d_flange - tcp.
  EXPECT_NEAR(X.p.x(), 0.0825 + 0.384 + 0.088, 1e-9);
  EXPECT_NEAR(X.p.y(), 0.0, 1e-9);
  EXPECT_NEAR(X.p.z(), 0.333 + 0.316 + 0.0825 - 0.107 - 0.1034, 1e-9);
  // Gripper z axis points down.
  EXPECT_NEAR((X.q * Vec3::UnitZ()).z(), -1.0, 1e-9);
}

TEST(Franka, JacobianMatchesFiniteDifferences) {
  Rng rng(5);
  for (int trial = 0; trial < 20; ++trial) {
    const JointVec q = random_q(rng);
    const Jacobian J = tcp_jacobian(q);
    const Pose X0 = tcp_pose(q);
    const double h = 1e-6;
    for (int i = 0; i < 7; ++i) {
      JointVec qp = q;
      qp[i] += h;
      const Pose X1 = tcp_pose(qp);
      const Vec3 v = (X1.p - X0.p) / h;
      const Vec3 w = quat_log(X1.q * X0.q.conjugate()) / h;
      EXPECT_LT((v - J.block<3, 1>(0, i)).norm(), 1e-5);
      EXPECT_LT((w - J.block<3, 1>(3, i)).norm(), 1e-5);
    }
  }
}

}  // namespace
}  // namespace ocres::franka
