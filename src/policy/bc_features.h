#pragma once
// Inputs and outputs of the behaviour-cloned "VLA" stand-in (SPEC §2).
//
// Input (bc_input_dim(n, m) floats), built by build_bc_input():
//   [0, 10)        robot: TCP pose (7), gripper width, finger openings (core/action_codec.h)
//   [10, 10+7n)    object poses as a VLA would localise them: imprecise (perception/VlaLocalization),
//                  never the precise pose
//   then m task scalars
//   then 1 value: episode progress t / horizon (a VLA knows roughly how far along it is from context)
//   then per object: localised object position minus TCP position (3, m, base frame) — the quantity the
//   output (a TCP offset) mostly depends on
// Output (kBcChunk * 8 floats): for each of the H = 16 chunk steps, the TCP target: position relative
// to the CURRENT TCP (3, m, base frame), orientation ABSOLUTE as a rotation vector from the top-down
// grasp orientation (3, rad; bc_features.cc says why), gripper width (1, m) and a pad (1) -> 8 per
// step. decode_bc_chunk() turns it into absolute targets. Relative positions generalise across start
// positions. (Measured on Lift: with 30 demos the stand-in still fails grossly in about half of the
// episodes even with perfect localisation -- 48% success, 69% with 100 demos.)
//
// Multi-task models (one network for several tasks, `ocres improve --multi-task`) use the same blocks
// with fixed SLOT counts N >= n and M >= m (the maximum over their tasks) and a task one-hot at the end:
//   [0, 10)            robot
//   [10, 10+7N)        object slots: the task's n objects in its order, then zeros
//   then M scalar slots: the task's m scalars, then zeros
//   then 1 value: progress t / (the task's horizon)
//   then 3N values: object minus TCP position per slot, zeros for empty slots
//   then K values: one-hot of the task among the model's K tasks
// Zero padding keeps every present feature at the same index whatever the task, and the one-hot tells
// the network which slots are real. A single-task model is the case N = n, M = m, K = 0: exactly the
// layout above, so bases trained before multi-task models existed load and act unchanged.
#include <span>

#include "core/observation.h"

namespace ocres::policy {

inline constexpr int kBcChunk = 16;
inline constexpr int kBcStepDim = 8;
inline constexpr int kBcOutputDim = kBcChunk * kBcStepDim;

inline int bc_input_dim(int num_objects, int num_scalars) { return 10 + 7 * num_objects + num_scalars + 1 + 3 * num_objects; }

// The input layout of a model: slot counts and the number of one-hot tasks (0: single-task model).
struct BcInputLayout {
  int object_slots = 1;
  int scalar_slots = 0;
  int num_tasks = 0;
  int dim() const { return bc_input_dim(object_slots, scalar_slots) + num_tasks; }
};

// `robot` is the 10-float robot encoding (core/action_codec.h: encode_robot).
void build_bc_input(const float* robot, std::span<const Pose> localized_objects, std::span<const double> scalars,
                    double progress, float* out);
// The general form: `localized_objects` and `scalars` fill the first slots (at most the slot counts),
// the rest is zero; with layout.num_tasks > 0, task_index (in [0, num_tasks)) selects the one-hot.
// Writes layout.dim() floats. With slots equal to the sizes and no tasks it equals build_bc_input().
void build_bc_input(const BcInputLayout& layout, const float* robot, std::span<const Pose> localized_objects,
                    std::span<const double> scalars, double progress, int task_index, float* out);

// Training target for the chunk starting at step t of a demo: actions[t .. t+H) (clamped at the end)
// relative to the TCP pose at step t.
void encode_bc_target(const Pose& X_BT_now, std::span<const Action> future, float* out);

void decode_bc_chunk(const Pose& X_BT_now, const float* prediction, std::span<Action> chunk);

}  // namespace ocres::policy
