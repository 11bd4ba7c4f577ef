#pragma once
// Everything a deployed episode needs for re-training later (SPEC §6 step 5, §1 stage 4), recorded
// into buffers sized at episode start (recording never allocates) and saved as robomimic-layout HDF5
// (io/dataset.h; demos use the same layout, so `train-base --from` reads it). Per step t:
//   actions                float32 [T, 8]  executed command: TCP position (m), quaternion (w x y z), gripper (m)
//   rewards / dones        float32 [T] / uint8 [T]  (reward only from a simulator; dones: 1 at the last step)
//   obs/robot_q            [T, 7]   joint positions (rad)
//   obs/robot              [T, 10]  TCP position, quaternion, gripper width, fingers (core/action_codec.h)
//   obs/object_poses       [T, 7n]  the poses the residual saw (gated estimates; zeros when gated out)
//   obs/scene_object_poses [T, 7n]  ground truth, only when the robot is a simulator
//   obs/base_action        [T, 8]   the base policy's chunk element
//   obs/residual           [T, 7]   residual after bounds, normalised units in [-1, 1]
//   obs/pose_valid         [T, 1]   1 if the pose passed the gate
//   obs/gate_status        [T, 1]   perception::GateStatus as a number (0 ok, 1 none, 2 low confidence,
//                                   3 stale, 4 non-finite, 5 jump)
//   obs/held               [T, 1]   1 if no chunk was ready and the last command was repeated
//   obs/timing_us          [T, 6]   tick total, state read, base wait, compute, command send, start jitter
// The file is written atomically (DatasetWriter builds <path>.partial and renames it on close).
#include <string>
#include <vector>

#include "core/observation.h"

namespace ocres::deploy {

struct StepRecord {
  const RobotState* robot = nullptr;
  const Pose* object_poses = nullptr;  // num_objects poses as seen by the residual
  const Pose* scene_poses = nullptr;   // nullptr when the robot gave no ground truth
  Action base, command;
  const float* residual = nullptr;     // 7
  bool pose_valid = false, held = false;
  int gate_status = 0;
  double reward = 0;
  float timing_us[6] = {};
};

class EpisodeLog {
 public:
  // Sizes every buffer for `max_ticks` steps.
  void begin(int num_objects, int max_ticks, uint64_t seed);
  // Appends one step; a no-op beyond max_ticks (cannot happen in the loop, which stops there).
  void record(const StepRecord& r);
  void set_success(bool success) { success_ = success; }
  int length() const { return length_; }
  bool has_scene() const { return has_scene_; }
  // Per step: tick total, state read, base wait, compute, command send, start jitter (µs).
  const std::vector<float>& timing_us() const { return timing_; }

  // Writes `path` atomically. env_args_json goes to /data attrs (task, seeds, config, stop reason).
  void save(const std::string& path, const std::string& env_args_json) const;

 private:
  int n_ = 0, max_ticks_ = 0, length_ = 0;
  uint64_t seed_ = 0;
  bool success_ = false, has_scene_ = false;
  std::vector<float> actions_, rewards_, robot_q_, robot_, objects_, scene_, base_, residual_, valid_, gate_, held_, timing_;
  std::vector<uint8_t> dones_;
};

}  // namespace ocres::deploy
