#pragma once
// Runs base + residual episodes (no exploration, no training-time corruption) on held-out seeds.
// In a domain whose name is `lab` (or any domain with use_estimator), object poses reach the residual
// only through the pose-estimator model and the deployment gate, never as ground truth.
#include <optional>
#include <string>
#include <vector>

#include "eval/rollout.h"
#include "learn/residual_env.h"
#include "policy/residual_file.h"

namespace ocres::learn {

struct ResidualEvalConfig {
  std::string task, domain = "sim", base_path, residual_path;  // residual_path empty: base alone
  int episodes = 100;
  uint64_t seed = 1000;
  int threads = 1;
  bool use_estimator = false;  // set for `lab`
  // Without a residual file: apply this fixed residual (normalised units) at every step instead — a
  // sensitivity probe (how much does a constant 6 mm offset cost this base?).
  std::vector<float> constant_delta;
  // Perception degradation (`ocres sweep`); the defaults leave the evaluation exactly as without them.
  std::optional<perception::EstimatorModelConfig> estimator;  // replaces the estimator model's defaults
  double extra_dropout_probability = 0;                        // ResidualEnvConfig::extra_dropout_probability
};

std::vector<eval::EpisodeStats> evaluate_residual(const ResidualEvalConfig& config);

}  // namespace ocres::learn
