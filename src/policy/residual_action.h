#pragma once
// The residual policy's input and output, shared by training (sim) and deployment (robot):
//  * the observation layout s_t = [proprioception, object poses, base action] (SPEC §5);
//  * the composition a_t = a_base ⊕ δ (SPEC §3) and the safety clamp applied to every command.
// No simulator types here: the deployment runtime uses this file too.
#include <span>
#include <string>
#include <vector>

#include "core/observation.h"

namespace ocres::policy {

inline constexpr int kResidualDim = 7;  // [dx, dy, dz, rx, ry, rz, dgripper], each in [-1, 1]

// Scales turning the tanh output into physical corrections (SPEC §3: action_scale x ...).
struct ResidualScales {
  double position_m = 0.02;   // per unit of delta, added to the base position (base frame)
  double rotation_rad = 0.05; // per unit of delta, XYZ Euler, right-multiplied (base action's own frame)
  double gripper_m = 0.02;    // per unit of delta, added to the base gripper width, then clamped
  // > 0: no position correction while the BASE commands the gripper narrower than this (m), i.e. the
  // correction aims the grasp and ends with it. Stand Cup Up's x/y correction, left on while the cup is
  // held and turned up, made the hand lose it (docs/residual_learning.md). 0: always on.
  double position_off_below_base_grip_m = 0.0;
};

// a_base ⊕ δ. `delta` holds kResidualDim values in [-1, 1] (values outside are clamped); its position
// part is ignored while the base closes the gripper below scales.position_off_below_base_grip_m.
Action compose(const Action& base, std::span<const float> delta, const ResidualScales& scales);

struct SafetyLimits {
  Vec3 workspace_lo_m{0.1, -0.6, -0.01};  // TCP target box, base frame
  Vec3 workspace_hi_m{0.85, 0.6, 0.75};
  double max_translation_per_step_m = 0.05;  // vs the previous command (1 m/s at 20 Hz)
  double max_rotation_per_step_rad = 0.3;    // vs the previous command (6 rad/s at 20 Hz)
};

// Clamps `command` into the workspace and within per-step limits of `previous`.
Action safety_clamp(const Action& command, const Action& previous, const SafetyLimits& limits);

// Index layout of the residual observation vector, built in build_residual_obs():
//   [0, 3)    TCP position (m), base frame
//   [3, 7)    TCP orientation quaternion (w, x, y, z), canonical sign w >= 0
//   [7]       gripper width (m)
//   [8, 10)   finger openings left, right (m)
//   then per object i < num_objects: position (3, m) and quaternion (4, w x y z, canonical)
//   then num_scalars task scalars (e.g. drawer opening, m)
//   then the base action: position (3), quaternion (4, canonical), gripper width (1)
//   then derived features (SPEC §5 allows any function of the above; these make the residual's job —
//   a centimetre correction between object and commanded TCP — a near-linear one):
//     [valid_index()]  1 if the object block holds a pose, 0 if it was dropped or gated out
//     per object i: object position minus TCP position (3, m), object position minus base-action
//     position (3, m), both in the base frame
// The object block, scalars and the relative features are all zeros when the pose is dropped or gated
// out; normalize_residual_obs() keeps them at zero after normalisation.
struct ResidualObsLayout {
  int num_objects = 1;
  int num_scalars = 0;

  static constexpr int kPropDim = 10;
  static constexpr int kBaseDim = 8;
  int object_offset() const { return kPropDim; }
  int object_dim() const { return 7 * num_objects + num_scalars; }
  int base_offset() const { return kPropDim + object_dim(); }
  int valid_index() const { return base_offset() + kBaseDim; }
  int relative_offset() const { return valid_index() + 1; }
  int relative_dim() const { return 6 * num_objects; }
  int dim() const { return relative_offset() + relative_dim(); }
  // Single features by meaning, so that readers of the vector need not repeat the layout arithmetic.
  int object_position_index(int i) const { return object_offset() + 7 * i; }       // then y, z
  int base_gripper_index() const { return base_offset() + 7; }
  int object_minus_base_index(int i) const { return relative_offset() + 6 * i + 3; }  // then y, z
  // One name per index, e.g. "tcp.px", "obj0.qw", "scalar0", "base.grip", "valid", "obj0-tcp.x".
  std::vector<std::string> names() const;
};

// Writes the observation into out[0, layout.dim()). No allocation.
void build_residual_obs(const ResidualObsLayout& layout, const RobotState& robot, std::span<const Pose> X_BO,
                        std::span<const double> scalars, bool object_valid, const Action& base, float* out);

// Per-feature standardisation of a residual observation: (x - mean) * inv_std, except that the
// object-dependent features of an observation whose pose is missing stay exactly zero (a zeroed pose
// standardised would become a large, meaningless -mean/std). `mean`/`inv_std` have layout.dim()
// entries; `in` and `out` may alias. No allocation.
void normalize_residual_obs(const ResidualObsLayout& layout, std::span<const float> mean, std::span<const float> inv_std,
                            const float* in, float* out);
// Rows (of layout.dim()) to fit the standardisation on: object features only count where valid.
void fit_residual_normalizer(const ResidualObsLayout& layout, const std::vector<float>& rows, double min_std,
                             std::vector<float>& mean, std::vector<float>& inv_std);

}  // namespace ocres::policy
