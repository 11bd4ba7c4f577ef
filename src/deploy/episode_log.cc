#include "deploy/episode_log.h"

#include "core/action_codec.h"
#include "io/dataset.h"

namespace ocres::deploy {

void EpisodeLog::begin(int num_objects, int max_ticks, uint64_t seed) {
  n_ = num_objects;
  max_ticks_ = max_ticks;
  length_ = 0;
  seed_ = seed;
  success_ = false;
  has_scene_ = false;
  auto prep = [&](std::vector<float>& v, int dim) {
    v.clear();
    v.reserve(static_cast<size_t>(max_ticks) * dim);
  };
  prep(actions_, kActionDim);
  prep(rewards_, 1);
  prep(robot_q_, 7);
  prep(robot_, kRobotDim);
  prep(objects_, kPoseDim * n_);
  prep(scene_, kPoseDim * n_);
  prep(base_, kActionDim);
  prep(residual_, 7);
  prep(valid_, 1);
  prep(gate_, 1);
  prep(held_, 1);
  prep(timing_, 6);
  dones_.clear();
  dones_.reserve(max_ticks);
}

void EpisodeLog::record(const StepRecord& r) {
  if (length_ >= max_ticks_) return;
  // Appends within the reserved capacity: never reallocates.
  auto put = [](std::vector<float>& v, int dim, auto&& fill) {
    const size_t at = v.size();
    v.resize(at + dim);
    fill(v.data() + at);
  };
  put(actions_, kActionDim, [&](float* p) { encode_action(r.command, p); });
  rewards_.push_back(static_cast<float>(r.reward));
  put(robot_q_, 7, [&](float* p) {
    for (int i = 0; i < 7; ++i) p[i] = static_cast<float>(r.robot->q[i]);
  });
  put(robot_, kRobotDim, [&](float* p) { encode_robot(*r.robot, p); });
  put(objects_, kPoseDim * n_, [&](float* p) {
    for (int i = 0; i < n_; ++i) {
      if (r.pose_valid) encode_pose(r.object_poses[i], p + kPoseDim * i);
      else std::fill(p + kPoseDim * i, p + kPoseDim * (i + 1), 0.0f);
    }
  });
  if (r.scene_poses) {
    has_scene_ = true;
    put(scene_, kPoseDim * n_, [&](float* p) {
      for (int i = 0; i < n_; ++i) encode_pose(r.scene_poses[i], p + kPoseDim * i);
    });
  }
  put(base_, kActionDim, [&](float* p) { encode_action(r.base, p); });
  put(residual_, 7, [&](float* p) { std::copy(r.residual, r.residual + 7, p); });
  valid_.push_back(r.pose_valid ? 1.0f : 0.0f);
  gate_.push_back(static_cast<float>(r.gate_status));
  held_.push_back(r.held ? 1.0f : 0.0f);
  put(timing_, 6, [&](float* p) { std::copy(r.timing_us, r.timing_us + 6, p); });
  dones_.push_back(0);
  ++length_;
}

void EpisodeLog::save(const std::string& path, const std::string& env_args_json) const {
  io::EpisodeData e;
  e.length = length_;
  e.action_dim = kActionDim;
  e.actions = actions_;
  e.rewards = rewards_;
  e.dones = dones_;
  if (!e.dones.empty()) e.dones.back() = 1;
  e.seed = seed_;
  e.success = success_;
  e.obs["robot_q"] = {7, robot_q_};
  e.obs["robot"] = {kRobotDim, robot_};
  e.obs["object_poses"] = {kPoseDim * n_, objects_};
  // Ground truth only if every step had it (a simulator gives it always or never).
  if (has_scene_ && scene_.size() == objects_.size()) e.obs["scene_object_poses"] = {kPoseDim * n_, scene_};
  e.obs["base_action"] = {kActionDim, base_};
  e.obs["residual"] = {7, residual_};
  e.obs["pose_valid"] = {1, valid_};
  e.obs["gate_status"] = {1, gate_};
  e.obs["held"] = {1, held_};
  e.obs["timing_us"] = {6, timing_};
  io::DatasetWriter w(path, env_args_json);
  const std::string name = w.add_episode(e);
  w.set_mask("train", {name});
  w.close();
}

}  // namespace ocres::deploy
