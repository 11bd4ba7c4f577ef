#pragma once
// Training-time robustness (SPEC §5): object poses seen by the residual during TRAINING rollouts are
// corrupted by hierarchical-uniform noise (per step sigma ~ U(0, sigma_max), then noise ~ U(-sigma,
// sigma) per coordinate; orientation as a small random rotation with rotation-vector components drawn
// the same way) and then, with probability p, the whole object-pose vector is dropped (zeroed by the
// observation builder). Evaluation and deployment never call this.
#include <span>

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
struct VlaLocalizationConfig {
  double bias_position_std_m = 0.012;  // per horizontal axis, per episode (order 1-2 cm)
  double bias_yaw_std_rad = 0.17;      // ~10 degrees, per episode
  double noise_position_std_m = 0.003; // per step
  double noise_yaw_std_rad = 0.03;     // per step
};

class VlaLocalization {
 public:
  explicit VlaLocalization(const VlaLocalizationConfig& config = {}) : config_(config) {}
  // Draws this episode's bias for `num_objects` objects.
  void reset(Rng& rng, int num_objects);
  // The imprecise pose of object i (bias + noise; tilt is kept, yaw and position are perturbed).
  Pose observe(int i, const Pose& X_BO, Rng& rng) const;
  const VlaLocalizationConfig& config() const { return config_; }

 private:
  VlaLocalizationConfig config_;
  static constexpr int kMax = 8;
  Vec3 bias_p_[kMax];
  double bias_yaw_[kMax] = {};
};

}  // namespace ocres::perception
