#include "perception/pose_corruption.h"

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

void VlaLocalization::reset(Rng& rng, int num_objects) {
  OCRES_CHECK(num_objects <= kMax, "too many objects");
  for (int i = 0; i < num_objects; ++i) {
    bias_p_[i] = Vec3(rng.normal(0, config_.bias_position_std_m), rng.normal(0, config_.bias_position_std_m), 0);
    bias_yaw_[i] = rng.normal(0, config_.bias_yaw_std_rad);
  }
}

Pose VlaLocalization::observe(int i, const Pose& X_BO, Rng& rng) const {
  Pose X = X_BO;
  X.p += bias_p_[i] + Vec3(rng.normal(0, config_.noise_position_std_m), rng.normal(0, config_.noise_position_std_m), 0);
  const double yaw = bias_yaw_[i] + rng.normal(0, config_.noise_yaw_std_rad);
  X.q = (quat_from_yaw(yaw) * X.q).normalized();
  return X;
}

}  // namespace ocres::perception
