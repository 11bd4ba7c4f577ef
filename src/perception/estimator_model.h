#pragma once
// A model of a real 6-DoF pose estimator (SAM2 + FoundationPose-like) for the `lab` domain: what the
// residual sees instead of ground truth there. Per object it produces timestamped estimates with a
// confidence, with
//   * a per-episode bias (calibration / model error),
//   * per-step noise whose level is drawn per episode in [noise_min, noise_max],
//   * temporally correlated drift (Ornstein-Uhlenbeck),
//   * occlusion bursts: runs of steps where confidence falls below the deployment gate's threshold,
//   * rare confident outliers (e.g. locking onto the wrong object): a wrong pose with high confidence,
//   * its own update period and latency (estimates describe the scene `latency_steps` ago).
// Task scalars (an articulated object's joint positions, e.g. the drawer's opening) travel with the FIRST
// object's estimate, as an articulation-aware tracker reports them: the same stamp and latency, plus
// per-step noise of the episode's position-noise level. An occluded or outlying estimate carries them
// too; the gate drops both together.
// Every draw comes from the Rng passed in (seeded from the episode seed).
#include <array>
#include <deque>
#include <span>

#include "core/config.h"
#include "core/math.h"
#include "core/observation.h"
#include "core/rng.h"

namespace ocres::perception {

struct EstimatorModelConfig {
  double bias_position_std_m = 0.003;
  double bias_rotation_std_rad = 0.03;
  double noise_position_min_m = 0.0025, noise_position_max_m = 0.005;  // per-step std, drawn per episode
  double noise_rotation_std_rad = 0.04;                                 // ~2.3 degrees
  double drift_position_std_m = 0.003, drift_time_constant_s = 1.0;
  double burst_start_probability = 0.01;  // per step
  double burst_mean_steps = 8;            // geometric length
  double burst_confidence_max = 0.45;     // confidence during bursts ~ U(0.05, this)
  double confidence_min = 0.6, confidence_max = 0.95;  // normal operation
  double outlier_probability = 0.003;     // per step
  double outlier_offset_min_m = 0.05, outlier_offset_max_m = 0.15;
  int update_period_steps = 1;            // new estimate every k control steps
  int latency_steps = 1;                  // estimate describes the scene this many steps ago
  double control_period_s = 0.05;
};

EstimatorModelConfig parse_estimator_model(YamlFields fields);

struct PoseEstimate {
  Pose X_BO;
  double confidence = 0;
  double stamp_s = -1;  // time the estimate describes (s since episode start); < 0: none yet
  // Joint positions of the object (task scalars in TaskInfo::scalar_names order, e.g. drawer opening, m).
  std::array<double, kMaxTaskScalars> scalars{};
  int num_scalars = 0;
};

class EstimatorModel {
 public:
  static constexpr int kMaxObjects = 4;
  explicit EstimatorModel(const EstimatorModelConfig& config = {}) : config_(config) {}

  void reset(Rng& rng, int num_objects);
  // Called once per control step with the TRUE poses (and task scalars) at time t_s; returns the latest
  // estimates. Without scalars the random stream is exactly what it is with none.
  const std::array<PoseEstimate, kMaxObjects>& update(double t_s, std::span<const Pose> truth, Rng& rng,
                                                      std::span<const double> true_scalars = {});
  const EstimatorModelConfig& config() const { return config_; }

 private:
  EstimatorModelConfig config_;
  int n_ = 0, step_ = 0;
  std::array<Vec3, kMaxObjects> bias_p_, drift_p_;
  std::array<Vec3, kMaxObjects> bias_r_;
  double noise_p_ = 0;
  int burst_left_ = 0;
  std::deque<std::array<Pose, kMaxObjects>> history_;  // true poses, most recent last
  std::deque<double> history_t_;
  std::deque<std::array<double, kMaxTaskScalars>> history_scalars_;
  int num_scalars_ = 0;
  std::array<PoseEstimate, kMaxObjects> latest_{};
};

}  // namespace ocres::perception
