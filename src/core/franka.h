#pragma once
// Franka Research 3 + Franka Hand: published constants and kinematics (no MuJoCo).
// Kinematics follow the modified-DH (Craig) table of the FR3 datasheet; the same table builds the
// MuJoCo model (sim/robot_model.cc), and a test checks the two agree.
#include <Eigen/Core>
#include <array>

#include "core/math.h"

namespace ocres::franka {

constexpr int kNumJoints = 7;
using JointVec = Eigen::Matrix<double, 7, 1>;
using Jacobian = Eigen::Matrix<double, 6, 7>;  // rows: linear (3), angular (3), base frame

struct DhRow {
  double a_m, d_m, alpha_rad;
};
// Rows for joints 1..7 (transform from frame i-1 to frame i, before the joint angle).
constexpr std::array<DhRow, 7> kDh = {{{0.0, 0.333, 0.0},
                                       {0.0, 0.0, -M_PI / 2},
                                       {0.0, 0.316, M_PI / 2},
                                       {0.0825, 0.0, M_PI / 2},
                                       {-0.0825, 0.384, -M_PI / 2},
                                       {0.0, 0.0, M_PI / 2},
                                       {0.088, 0.0, M_PI / 2}}};
constexpr double kFlangeD_m = 0.107;
constexpr double kHandYaw_rad = -M_PI / 4;  // hand mounted at -pi/4 about flange z
constexpr double kTcpOffset_m = 0.1034;     // TCP along hand z
constexpr double kFingerMax_m = 0.04;       // each finger; 80 mm opening
constexpr double kGripperMaxWidth_m = 2 * kFingerMax_m;

constexpr std::array<double, 7> kQMin = {-2.7437, -1.7837, -2.9007, -3.0421, -2.8065, 0.5445, -3.0159};
constexpr std::array<double, 7> kQMax = {2.7437, 1.7837, 2.9007, -0.1518, 2.8065, 4.5169, 3.0159};
constexpr std::array<double, 7> kDqMax = {2.62, 2.62, 2.62, 2.62, 5.26, 4.18, 5.26};
constexpr std::array<double, 7> kTauMax = {87, 87, 87, 87, 12, 12, 12};
constexpr std::array<double, 7> kHomeQ = {0, 0, 0, -M_PI / 2, 0, M_PI / 2, -M_PI / 4};
// Position-servo gains as in MuJoCo Menagerie's Panda (kv = kp / 10).
constexpr std::array<double, 7> kKp = {4500, 4500, 3500, 3500, 2000, 2000, 2000};

inline JointVec to_vec(const std::array<double, 7>& a) { return Eigen::Map<const JointVec>(a.data()); }

// Pose of the TCP in the robot base frame.
Pose tcp_pose(const JointVec& q);
// Poses of frames 1..7, then the flange (index 7) and the TCP (index 8), in the base frame.
std::array<Eigen::Isometry3d, 9> frame_poses(const JointVec& q);
// Geometric Jacobian of the TCP (linear velocity of the TCP point; angular velocity), base frame.
Jacobian tcp_jacobian(const JointVec& q);

}  // namespace ocres::franka
