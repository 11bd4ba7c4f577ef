#include "perception/estimator_model.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace ocres::perception {

EstimatorModelConfig parse_estimator_model(YamlFields f) {
  EstimatorModelConfig c;
  f.get_in_range("bias_position_std_m", c.bias_position_std_m, 0, 0.1);
  f.get_in_range("bias_rotation_std_rad", c.bias_rotation_std_rad, 0, 1);
  f.get_in_range("noise_position_min_m", c.noise_position_min_m, 0, 0.1);
  f.get_in_range("noise_position_max_m", c.noise_position_max_m, c.noise_position_min_m, 0.1);
  f.get_in_range("noise_rotation_std_rad", c.noise_rotation_std_rad, 0, 1);
  f.get_in_range("drift_position_std_m", c.drift_position_std_m, 0, 0.1);
  f.get_in_range("drift_time_constant_s", c.drift_time_constant_s, 0.01, 100);
  f.get_in_range("burst_start_probability", c.burst_start_probability, 0, 1);
  f.get_in_range("burst_mean_steps", c.burst_mean_steps, 1, 1000);
  f.get_in_range("burst_confidence_max", c.burst_confidence_max, 0, 1);
  f.get_in_range("confidence_min", c.confidence_min, 0, 1);
  f.get_in_range("confidence_max", c.confidence_max, c.confidence_min, 1);
  f.get_in_range("outlier_probability", c.outlier_probability, 0, 1);
  f.get_in_range("outlier_offset_min_m", c.outlier_offset_min_m, 0, 1);
  f.get_in_range("outlier_offset_max_m", c.outlier_offset_max_m, c.outlier_offset_min_m, 1);
  f.get_in_range("update_period_steps", c.update_period_steps, 1, 100);
  f.get_in_range("latency_steps", c.latency_steps, 0, 100);
  f.get_in_range("control_period_s", c.control_period_s, 1e-4, 1);
  f.finish();
  return c;
}

void EstimatorModel::reset(Rng& rng, int num_objects) {
  OCRES_CHECK(num_objects <= kMaxObjects, "too many objects for the estimator model");
  n_ = num_objects;
  step_ = 0;
  for (int i = 0; i < n_; ++i) {
    bias_p_[i] = Vec3(rng.normal(), rng.normal(), rng.normal()) * config_.bias_position_std_m;
    bias_r_[i] = Vec3(rng.normal(), rng.normal(), rng.normal()) * config_.bias_rotation_std_rad;
    drift_p_[i] = Vec3(rng.normal(), rng.normal(), rng.normal()) * config_.drift_position_std_m;
  }
  noise_p_ = rng.uniform(config_.noise_position_min_m, config_.noise_position_max_m);
  burst_left_ = 0;
  history_.clear();
  history_t_.clear();
  history_scalars_.clear();
  num_scalars_ = 0;
  latest_ = {};
}

const std::array<PoseEstimate, EstimatorModel::kMaxObjects>& EstimatorModel::update(double t_s, std::span<const Pose> truth,
                                                                                      Rng& rng,
                                                                                      std::span<const double> true_scalars) {
  OCRES_CHECK(static_cast<int>(truth.size()) >= n_, "missing true poses");
  OCRES_CHECK(true_scalars.size() <= static_cast<size_t>(kMaxTaskScalars), "too many task scalars");
  std::array<Pose, kMaxObjects> now{};
  for (int i = 0; i < n_; ++i) now[i] = truth[i];
  std::array<double, kMaxTaskScalars> now_scalars{};
  std::copy(true_scalars.begin(), true_scalars.end(), now_scalars.begin());
  num_scalars_ = static_cast<int>(true_scalars.size());
  history_.push_back(now);
  history_t_.push_back(t_s);
  history_scalars_.push_back(now_scalars);
  while (static_cast<int>(history_.size()) > config_.latency_steps + 1) {
    history_.pop_front();
    history_t_.pop_front();
    history_scalars_.pop_front();
  }
  // Drift evolves every step; the other draws happen every step too, so the stream is independent of
  // the update period.
  const double a = std::exp(-config_.control_period_s / config_.drift_time_constant_s);
  const double b = std::sqrt(1 - a * a);
  for (int i = 0; i < n_; ++i)
    drift_p_[i] = a * drift_p_[i] + b * config_.drift_position_std_m * Vec3(rng.normal(), rng.normal(), rng.normal());
  if (burst_left_ > 0) {
    --burst_left_;
  } else if (rng.bernoulli(config_.burst_start_probability)) {
    // Geometric length with the configured mean.
    burst_left_ = 1 + static_cast<int>(std::floor(std::log(std::max(1e-12, rng.uniform())) /
                                                  std::log(1.0 - 1.0 / config_.burst_mean_steps)));
  }
  const bool outlier = rng.bernoulli(config_.outlier_probability);
  const bool refresh = step_ % config_.update_period_steps == 0;
  ++step_;
  if (!refresh || static_cast<int>(history_.size()) <= config_.latency_steps) {
    // No new estimate this step (the first `latency_steps` steps have none at all).
    for (int i = 0; i < n_; ++i) (void)rng.normal();
    return latest_;
  }
  const std::array<Pose, kMaxObjects>& seen = history_.front();
  const double seen_t = history_t_.front();
  for (int i = 0; i < n_; ++i) {
    PoseEstimate e;
    e.stamp_s = seen_t;
    const Vec3 noise = Vec3(rng.normal(), rng.normal(), rng.normal()) * noise_p_;
    const Vec3 rot_noise = Vec3(rng.normal(), rng.normal(), rng.normal()) * config_.noise_rotation_std_rad;
    e.X_BO.p = seen[i].p + bias_p_[i] + drift_p_[i] + noise;
    e.X_BO.q = (quat_exp(bias_r_[i] + rot_noise) * seen[i].q).normalized();
    e.confidence = burst_left_ > 0 ? rng.uniform(0.05, config_.burst_confidence_max)
                                   : rng.uniform(config_.confidence_min, config_.confidence_max);
    if (outlier && i == 0) {
      // Locked onto something else: a wrong but confident pose.
      const double r = rng.uniform(config_.outlier_offset_min_m, config_.outlier_offset_max_m);
      const double ang = rng.uniform(-M_PI, M_PI);
      e.X_BO.p += Vec3(r * std::cos(ang), r * std::sin(ang), 0);
      e.X_BO.q = (quat_from_yaw(rng.uniform(-M_PI, M_PI)) * e.X_BO.q).normalized();
      e.confidence = rng.uniform(config_.confidence_min, config_.confidence_max);
    }
    if (i == 0) {
      e.num_scalars = num_scalars_;
      for (int k = 0; k < num_scalars_; ++k) e.scalars[k] = history_scalars_.front()[k] + noise_p_ * rng.normal();
    }
    latest_[i] = e;
  }
  return latest_;
}

}  // namespace ocres::perception
