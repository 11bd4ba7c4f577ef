#include "sim/robot_model.h"

#include <cmath>
#include <cstdio>

#include "core/franka.h"

namespace ocres::sim {

namespace {

// Approximate FR3 link masses (kg) from Franka's published inertial parameters.
constexpr std::array<double, 7> kLinkMass = {2.74, 2.74, 2.38, 2.38, 2.74, 1.55, 0.54};
constexpr std::array<double, 7> kLinkRadius = {0.06, 0.06, 0.055, 0.055, 0.05, 0.045, 0.04};

std::string body_open(const std::string& name, const Vec3& pos, const Quat& q) {
  return "<body name=\"" + name + "\" pos=\"" + fmt3(pos.x(), pos.y(), pos.z()) + "\" quat=\"" +
         fmt4(q.w(), q.x(), q.y(), q.z()) + "\">\n";
}

}  // namespace

void add_robot(SceneBuilder& scene, const RobotModelOptions& o) {
  using namespace franka;
  std::string& w = scene.worldbody;
  // Base (link0): visual only; it sits on the table.
  w += "<body name=\"link0\">\n";
  w += "<geom class=\"visual\" type=\"cylinder\" size=\"0.08 0.07\" pos=\"-0.03 0 0.07\" rgba=\"0.92 0.92 0.95 1\"/>\n";
  int depth = 1;
  // Child frame i relative to parent (MDH): Rot_x(alpha) Trans_x(a) Trans_z(d); the joint rotates about
  // the child's z axis at its origin.
  auto child_offset = [](int i) -> std::pair<Vec3, Quat> {
    const DhRow& r = kDh[i];
    const Quat q(Eigen::AngleAxisd(r.alpha_rad, Vec3::UnitX()));
    return {q * Vec3(r.a_m, 0, r.d_m), q};
  };
  for (int i = 0; i < kNumJoints; ++i) {
    auto [pos, q] = child_offset(i);
    w += body_open("link" + std::to_string(i + 1), pos, q);
    char buf[512];
    std::snprintf(buf, sizeof(buf),
                  "<inertial pos=\"0 0 0\" mass=\"%.6g\" diaginertia=\"%.6g %.6g %.6g\"/>\n"
                  "<joint name=\"joint%d\" axis=\"0 0 1\" range=\"%.6g %.6g\" damping=\"%.6g\" armature=\"%.6g\"/>\n",
                  kLinkMass[i], 0.02, 0.02, 0.01, i + 1, kQMin[i], kQMax[i], kKp[i] / 10.0 + o.joint_damping_Nms,
                  o.joint_armature);
    w += buf;
    // Link geometry: a capsule from this joint to the next frame's origin (expressed in this frame).
    Vec3 next = (i + 1 < kNumJoints) ? child_offset(i + 1).first : Vec3(0, 0, kFlangeD_m);
    if (next.norm() > 1e-6) {
      w += "<geom class=\"arm\" type=\"capsule\" size=\"" + std::to_string(kLinkRadius[i]) + "\" fromto=\"0 0 0 " +
           fmt3(next.x(), next.y(), next.z()) + "\"/>\n";
    } else {
      w += "<geom class=\"arm\" type=\"sphere\" size=\"" + std::to_string(kLinkRadius[i]) + "\"/>\n";
    }
    ++depth;
  }
  // Hand: at the flange, rotated -pi/4 about z. Frame: fingers slide along +-y, z points out of the hand.
  w += body_open("hand", Vec3(0, 0, kFlangeD_m), Quat(Eigen::AngleAxisd(kHandYaw_rad, Vec3::UnitZ())));
  w += "<inertial pos=\"0 0 0.03\" mass=\"0.73\" diaginertia=\"0.001 0.0025 0.0017\"/>\n";
  w += "<geom class=\"arm\" type=\"box\" size=\"0.025 0.095 0.025\" pos=\"0 0 0.035\"/>\n";
  w += "<geom class=\"arm\" type=\"cylinder\" size=\"0.035 0.01\" pos=\"0 0 0.005\"/>\n";
  w += "<site name=\"tcp\" pos=\"0 0 " + std::to_string(kTcpOffset_m) + "\" size=\"0.005\" rgba=\"1 0 0 0.5\" group=\"3\"/>\n";
  // Fingers: joint value = opening of that finger (0 closed .. 0.04). The pad's inner face is at
  // y = +-joint, so the gap between pads equals the gripper width. Pads span the TCP height.
  const double finger_base_z = 0.0584;
  const double pad_center_z = kTcpOffset_m - finger_base_z;  // pad centred on the TCP
  for (int side = 0; side < 2; ++side) {
    const double s = side == 0 ? 1.0 : -1.0;
    const std::string name = side == 0 ? "left" : "right";
    w += "<body name=\"" + name + "_finger\" pos=\"0 0 " + std::to_string(finger_base_z) + "\">\n";
    w += "<inertial pos=\"0 " + std::to_string(s * 0.01) + " 0.03\" mass=\"0.015\" diaginertia=\"2e-6 2e-6 1e-6\"/>\n";
    w += "<joint name=\"finger_" + name + "\" type=\"slide\" axis=\"0 " + std::to_string(s) +
         " 0\" range=\"0 0.04\" damping=\"10\" armature=\"0.02\"/>\n";
    // Finger body (outer) and the pad (inner, frictional).
    w += "<geom class=\"finger\" type=\"box\" size=\"0.011 0.007 0.022\" pos=\"" +
         fmt3(0, s * 0.015, 0.022) + "\" rgba=\"0.92 0.92 0.95 1\"/>\n";
    w += "<geom name=\"" + name + "_pad\" class=\"finger\" type=\"box\" size=\"0.0095 0.004 0.0185\" pos=\"" +
         fmt3(0, s * 0.004, pad_center_z) + "\"/>\n";
    w += "</body>\n";
  }
  w += "</body>\n";  // hand
  for (int i = 0; i < depth; ++i) w += "</body>\n";

  scene.tendons +=
      "<fixed name=\"gripper_split\"><joint joint=\"finger_left\" coef=\"0.5\"/><joint joint=\"finger_right\" "
      "coef=\"0.5\"/></fixed>\n";
  scene.equalities +=
      "<joint joint1=\"finger_left\" joint2=\"finger_right\" polycoef=\"0 1 0 0 0\" solref=\"0.005 1\"/>\n";
  for (int i = 0; i < kNumJoints; ++i) {
    char buf[384];
    std::snprintf(buf, sizeof(buf),
                  "<general name=\"act%d\" joint=\"joint%d\" ctrlrange=\"%.6g %.6g\" forcerange=\"%.6g %.6g\" "
                  "gainprm=\"%.6g\" biastype=\"affine\" biasprm=\"0 %.6g 0\"/>\n",
                  i + 1, i + 1, kQMin[i], kQMax[i], -kTauMax[i], kTauMax[i], kKp[i], -kKp[i]);
    scene.actuators += buf;
  }
  // Gripper: ctrl = target per-finger opening (m) = width / 2. Stiff enough to saturate at the force
  // limit within a few millimetres of squeeze; the tendon force splits equally onto the two fingers.
  {
    const double kp = 2.0 * o.gripper_force_N / 0.004;
    char buf[384];
    std::snprintf(buf, sizeof(buf),
                  "<general name=\"gripper\" tendon=\"gripper_split\" ctrlrange=\"0 0.04\" forcerange=\"%.6g %.6g\" "
                  "gainprm=\"%.6g\" biastype=\"affine\" biasprm=\"0 %.6g 0\"/>\n",
                  -2.0 * o.gripper_force_N, 2.0 * o.gripper_force_N, kp, -kp);
    scene.actuators += buf;
  }
}

}  // namespace ocres::sim
