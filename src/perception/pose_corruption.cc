#include "perception/pose_corruption.h"

#include <algorithm>

#include "core/error.h"

namespace ocres::perception {

PoseCorruptionConfig parse_pose_corruption(YamlFields f) {
  PoseCorruptionConfig c;
  f.get("noise", c.noise);
  f.get_in_range("position_sigma_max_m", c.position_sigma_max_m, 0.0, 0.1);
  f.get_in_range("rotation_sigma_max_rad", c.rotation_sigma_max_rad, 0.0, 1.0);
  f.get("dropout", c.dropout);
  f.get_in_range("dropout_probability", c.dropout_probability, 0.0, 1.0);
  f.finish();
  return c;
}

bool corrupt_poses(const PoseCorruptionConfig& c, Rng& rng, std::span<Pose> poses) {
  const double sigma_p = rng.uniform(0.0, c.position_sigma_max_m);
  const double sigma_r = rng.uniform(0.0, c.rotation_sigma_max_rad);
  for (Pose& X : poses) {
    const Vec3 dp(rng.uniform(-sigma_p, sigma_p), rng.uniform(-sigma_p, sigma_p), rng.uniform(-sigma_p, sigma_p));
    const Vec3 dr(rng.uniform(-sigma_r, sigma_r), rng.uniform(-sigma_r, sigma_r), rng.uniform(-sigma_r, sigma_r));
    if (c.noise) {
      X.p += dp;
      X.q = (quat_exp(dr) * X.q).normalized();
    }
  }
  const bool drop = rng.bernoulli(c.dropout_probability);
  return !(c.dropout && drop);
}

VlaLocalizationConfig vla_localization_for_task(std::string_view task) {
  VlaLocalizationConfig c;
  if (task == "stack") {
    // Both cubes are 4 cm and success needs the top one within 2 cm of the bottom one's centre. With
    // the default 1.2 cm per axis on each cube, the scripted expert itself, acting on these poses,
    // stacks only 55 of 100 episodes, and a base trained on them (a fresh bias per training sample)
    // learns to under-reach towards the demos' mean cube position (median reach error 5 cm against
    // 1.2 cm when trained without the bias): 3-5% success. The paper's Stack base is its most precise
    // one (50% sim, 35% real). 4 mm per axis (yaw bias and per-step noise unchanged) gives 20-21%.
    c.bias_position_std_m = 0.004;
  } else if (task == "drawer") {
    // The slide position (task scalar 0, m) as a VLA judges it from its camera: a per-episode bias as
    // large as a position's. Where a base ends its push depends on it, so it sometimes stops short of
    // the 1 cm success line (46-48% success, nearly all failures "stopped short").
    c.bias_scalar_std = 0.012;
    c.noise_scalar_std = 0.003;
  }
  return c;
}

void VlaLocalization::reset(Rng& rng, int num_objects, int num_scalars) {
  OCRES_CHECK(num_objects <= kMax && num_scalars <= kMax, "too many objects or scalars");
  for (int i = 0; i < num_objects; ++i) {
    bias_p_[i] = Vec3(rng.normal(0, config_.bias_position_std_m), rng.normal(0, config_.bias_position_std_m), 0);
    bias_yaw_[i] = rng.normal(0, config_.bias_yaw_std_rad);
  }
  // Only when the scalar error is on, so that tasks without it keep their random stream.
  for (int j = 0; j < num_scalars; ++j) bias_scalar_[j] = config_.bias_scalar_std > 0 ? rng.normal(0, config_.bias_scalar_std) : 0.0;
}

double VlaLocalization::observe_scalar(int j, double value, Rng& rng, double min_value) const {
  if (config_.bias_scalar_std <= 0 && config_.noise_scalar_std <= 0) return value;
  return std::max(min_value, value + bias_scalar_[j] + rng.normal(0, config_.noise_scalar_std));
}

Pose VlaLocalization::observe(int i, const Pose& X_BO, Rng& rng) const {
  Pose X = X_BO;
  X.p += bias_p_[i] + Vec3(rng.normal(0, config_.noise_position_std_m), rng.normal(0, config_.noise_position_std_m), 0);
  const double yaw = bias_yaw_[i] + rng.normal(0, config_.noise_yaw_std_rad);
  X.q = (quat_from_yaw(yaw) * X.q).normalized();
  return X;
}

}  // namespace ocres::perception
