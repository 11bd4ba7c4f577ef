#pragma once
// Training-time robustness (SPEC §5): object poses seen by the residual during TRAINING rollouts are
// corrupted by hierarchical-uniform noise (per step sigma ~ U(0, sigma_max), then noise ~ U(-sigma,
// sigma) per coordinate; orientation as a small random rotation with rotation-vector components drawn
// the same way) and then, with probability p, the whole object-pose vector is dropped (zeroed by the
// observation builder). Evaluation and deployment never call this.
#include <span>
#include <string_view>

#include "core/config.h"
#include "core/math.h"
#include "core/rng.h"

namespace ocres::perception {

struct PoseCorruptionConfig {
  bool noise = true;                 // ablation switch "without noise"
  double position_sigma_max_m = 0.005;
  double rotation_sigma_max_rad = 0.1;
  bool dropout = true;               // ablation switch "without dropout"
  double dropout_probability = 0.1;
};

PoseCorruptionConfig parse_pose_corruption(YamlFields fields);

// Corrupts `poses` in place. Returns false if the pose vector is dropped this step (the caller then
// zeroes it); the noise draws happen either way so the RNG stream does not depend on the outcome.
bool corrupt_poses(const PoseCorruptionConfig& config, Rng& rng, std::span<Pose> poses);

// A VLA-like imprecise localisation, the only way the behaviour-cloned base policy sees objects:
// a per-episode bias (horizontal position and yaw) plus small per-step noise. Never the precise pose.
// Object-state scalars (a drawer's slide position) are part of what a VLA localises from its images,
// so they get a per-episode bias and per-step noise of their own.
struct VlaLocalizationConfig {
  double bias_position_std_m = 0.012;  // per horizontal axis, per episode (order 1-2 cm)
  double bias_yaw_std_rad = 0.17;      // ~10 degrees, per episode
  double noise_position_std_m = 0.003; // per step
  double noise_yaw_std_rad = 0.03;     // per step
  double bias_scalar_std = 0.0;        // per task scalar, per episode, in the scalar's unit
  double noise_scalar_std = 0.0;       // per task scalar, per step
};

// The error model for a task's base policy (the BC trainer's BcTrainConfig::localization, stored with
// the weights). The defaults above for most tasks; per task (reasons and measurements at the
// definition, pose_corruption.cc):
//   stack:  a smaller position bias (the defaults make stacking a 4 cm cube on a 4 cm cube nearly
//           impossible even for the scripted expert: 2 cm tolerance against two 1.2 cm biases);
//   drawer: the slide position is localised with a bias like a position's.
VlaLocalizationConfig vla_localization_for_task(std::string_view task);

class VlaLocalization {
 public:
  explicit VlaLocalization(const VlaLocalizationConfig& config = {}) : config_(config) {}
  // Draws this episode's bias for `num_objects` objects and `num_scalars` task scalars. The scalar
  // draws come after the object draws, so the objects' biases do not depend on `num_scalars`.
  void reset(Rng& rng, int num_objects, int num_scalars = 0);
  // The imprecise pose of object i (bias + noise; tilt is kept, yaw and position are perturbed).
  Pose observe(int i, const Pose& X_BO, Rng& rng) const;
  // The imprecise value of task scalar j (bias + noise, clamped to be >= min_value: a drawer is never
  // seen more than closed). Draws nothing when the scalar error is off.
  double observe_scalar(int j, double value, Rng& rng, double min_value = 0.0) const;
  const VlaLocalizationConfig& config() const { return config_; }

 private:
  VlaLocalizationConfig config_;
  static constexpr int kMax = 8;
  Vec3 bias_p_[kMax];
  double bias_yaw_[kMax] = {};
  double bias_scalar_[kMax] = {};
};

}  // namespace ocres::perception
