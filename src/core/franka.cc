#include "core/franka.h"

namespace ocres::franka {

std::array<Eigen::Isometry3d, 9> frame_poses(const JointVec& q) {
  std::array<Eigen::Isometry3d, 9> out;
  Eigen::Isometry3d T = Eigen::Isometry3d::Identity();
  for (int i = 0; i < kNumJoints; ++i) {
    T = T * mdh_transform(kDh[i].a_m, kDh[i].d_m, kDh[i].alpha_rad, q[i]);
    out[i] = T;
  }
  T = T * mdh_transform(0, kFlangeD_m, 0, 0);
  out[7] = T;
  Eigen::Isometry3d hand = Eigen::Isometry3d::Identity();
  hand.rotate(Eigen::AngleAxisd(kHandYaw_rad, Vec3::UnitZ()));
  hand.translate(Vec3(0, 0, kTcpOffset_m));
  out[8] = T * hand;
  return out;
}

Pose tcp_pose(const JointVec& q) {
  const Eigen::Isometry3d T = frame_poses(q)[8];
  return {T.translation(), Quat(T.linear()).normalized()};
}

Jacobian tcp_jacobian(const JointVec& q) {
  const auto F = frame_poses(q);
  const Vec3 p_tcp = F[8].translation();
  Jacobian J;
  for (int i = 0; i < kNumJoints; ++i) {
    const Vec3 z = F[i].linear().col(2);  // joint i rotates about z of frame i
    J.block<3, 1>(0, i) = z.cross(p_tcp - F[i].translation());
    J.block<3, 1>(3, i) = z;
  }
  return J;
}

}  // namespace ocres::franka
