#pragma once
// The FR3 arm + Franka Hand as MJCF, built from primitives and the DH table in core/franka.h.
//
// Actuation (why it looks the way it does): Debian's MuJoCo 2.2.2 has neither `implicitfast` nor
// position-actuator `kv`. Each joint servo is a <general biastype="affine"> actuator with gain kp and
// bias (0, -kp, 0), force-limited to the FR3's torque limits, and its damping kv = kp/10 is a *joint*
// damping, which the default Euler integrator treats implicitly (an explicit kv on the light wrist
// links is unstable at a 2 ms step; the `implicit` integrator would fix that at half the speed).
// A real servo clamps the SUM kp*e - kv*qdot; with kv outside the actuator, a saturated wrist
// (12 N m) would crawl at 12/200 = 0.06 rad/s. Env::step therefore adds, only while an actuator
// saturates, the torque that makes the total equal clamp(kp*e - kv*qdot) (see Env::servo_correction).
// Gravity (and Coriolis) are compensated by the controller, as the real FR3's controller does (Env
// writes qfrc_applied).
// The fingers are coupled by an equality constraint and driven through a tendon by one actuator whose
// force limit is the gripper's grasp force; grasps hold by friction only.
#include <array>
#include <string>

#include "sim/scene.h"

namespace ocres::sim {

struct RobotModelOptions {
  double gripper_force_N = 70.0;  // continuous grasp force per finger (Franka Hand: 70 N)
  double joint_armature = 0.1;    // reflected rotor inertia (kg m^2), as in MuJoCo Menagerie's Panda
  double joint_damping_Nms = 1.0;  // physical viscous joint friction, added to the servo's kv
};

// Adds bodies `link1`..`link7`, `hand`, `left_finger`, `right_finger`, site `tcp`, joints `joint1`..`joint7`,
// `finger_left`, `finger_right`, actuators `act1`..`act7` and `gripper`, tendon `gripper_split`.
void add_robot(SceneBuilder& scene, const RobotModelOptions& options);

// Names used by the builder (for id lookups).
inline constexpr std::array<const char*, 7> kArmJoints = {"joint1", "joint2", "joint3", "joint4",
                                                          "joint5", "joint6", "joint7"};
inline constexpr std::array<const char*, 7> kArmActuators = {"act1", "act2", "act3", "act4",
                                                             "act5", "act6", "act7"};
inline constexpr const char* kGripperActuator = "gripper";
inline constexpr const char* kTcpSite = "tcp";

}  // namespace ocres::sim
