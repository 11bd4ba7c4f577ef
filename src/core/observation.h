#pragma once
// Plain data exchanged between environments and policies. Fixed capacity, no heap: built every
// control step on the hot path.
#include <array>

#include "core/franka.h"
#include "core/math.h"

namespace ocres {

inline constexpr int kMaxObjects = 4;
inline constexpr int kMaxTaskScalars = 4;

// What a VLA outputs and our Cartesian controller executes: an absolute TCP target in the robot base
// frame and a gripper width.
struct Action {
  Vec3 p_BT = Vec3::Zero();           // TCP target position (m), base frame
  Quat q_BT = Quat::Identity();       // TCP target orientation, base frame
  double gripper_width_m = 0.08;      // 0 (closed) .. 0.08 (open)
};

struct RobotState {
  franka::JointVec q = franka::JointVec::Zero();   // joint positions (rad)
  franka::JointVec dq = franka::JointVec::Zero();  // joint velocities (rad/s)
  Pose X_BT;                                       // measured TCP pose, base frame
  double gripper_width_m = 0;                      // distance between the finger pads (m)
  std::array<double, 2> finger_m{0, 0};            // left, right finger openings (m)
};

struct Observation {
  int t = 0;  // control step within the episode
  RobotState robot;
  // Task-relevant objects, TRUE poses in the base frame, in the order of TaskInfo::object_names.
  std::array<Pose, kMaxObjects> X_BO;
  int num_objects = 0;
  // Task-specific scalars in the order of TaskInfo::scalar_names (e.g. drawer slide opening, m).
  std::array<double, kMaxTaskScalars> scalars{};
  int num_scalars = 0;
};

}  // namespace ocres
