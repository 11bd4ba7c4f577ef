#pragma once
// A hand-written residual: the correction a learnt residual would have to find on the grasp-and-place
// tasks, written down from the residual's own observation (so it runs wherever a learnt one runs: in
// `sim` it sees true poses, in `lab` the pose estimator's through the gate). It is a diagnostic, not a
// product policy: it measures how much a small x/y correction of the base's target can buy with the
// residual's authority (±1 unit = ±2 cm), i.e. the gap the learner should close.
//
//   approach (the base commands the gripper open) and the base's target within `capture_radius_m` of
//   object 0's grasp point g = p_obj0 + R_obj0 · grasp_point_O in x/y:
//                      δ_xy = clip((g − p_base)_xy / scale, ±1)   — grasp where the object is;
//   carry (the base commands the gripper closed), a second object (bowl, lower cube), and the base's
//   target within `capture_radius_m` of it in x/y:   δ_xy = clip((p_obj1 − p_obj0)_xy / scale, ±1)
//   — move the held object over the place target.
// Everything else is zero, and so is everything when the pose is missing (valid = 0).
#include <span>

#include "policy/residual_action.h"

namespace ocres::policy {

struct ScriptedResidualConfig {
  double capture_radius_m = 0.05;  // x/y distance below which the base is taken to be "going for" it
  double open_width_m = 0.04;      // base gripper command above this = open (0 closed .. 0.08 open)
  bool correct_place = true;       // also the carry phase (tasks with a second object)
  Vec3 grasp_point_O = Vec3::Zero();  // where the hand grasps object 0, its frame (sim::TaskInfo)
};

// Writes kResidualDim values in [-1, 1] to `delta` from a raw (not normalised) residual observation.
void scripted_residual(const ResidualObsLayout& layout, std::span<const float> obs, const ResidualScales& scales,
                       const ScriptedResidualConfig& config, std::span<float> delta);

}  // namespace ocres::policy
