#pragma once
// Runs base + residual episodes (no exploration, no training-time corruption) on held-out seeds.
// In a domain whose name is `lab` (or any domain with use_estimator), object poses reach the residual
// only through the pose-estimator model and the deployment gate, never as ground truth.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "eval/rollout.h"
#include "learn/residual_env.h"
#include "policy/residual_file.h"
#include "policy/scripted_residual.h"

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
  // Without a residual file: the hand-written correction of policy/scripted_residual.h instead — the
  // diagnostic of what a ±2 cm x/y correction can buy on this base (what the learner should find).
  bool scripted = false;
  policy::ScriptedResidualConfig scripted_config;  // grasp_point_O comes from the task
  // Perception degradation (`ocres sweep`); the defaults leave the evaluation exactly as without them.
  std::optional<perception::EstimatorModelConfig> estimator;  // replaces the estimator model's defaults
  double extra_dropout_probability = 0;                        // ResidualEnvConfig::extra_dropout_probability
};

// One executed step of an evaluation episode, for callers that record the episodes (`ocres improve`).
struct ResidualStepView {
  int episode = 0;                     // episode index j (seed episode_seed(config.seed, j))
  const Observation* before = nullptr; // true observation the step was taken from
  Action base_action;                  // the base policy's action for this step
  // The combined policy's action a_base ⊕ δ (policy::compose), BEFORE the safety clamp: what a
  // dataset stores as "the action", as a demo stores the teleoperator's target. Without a residual it
  // is the base action.
  Action policy_action;
  const sim::StepResult* result = nullptr;
};
// Called from worker threads, for every step in order within an episode; episodes run concurrently.
using ResidualStepObserver = std::function<void(const ResidualStepView&)>;

// The base is loaded with BcPolicy::load_for_task (a multi-task base acts for config.task).
std::vector<eval::EpisodeStats> evaluate_residual(const ResidualEvalConfig& config, const ResidualStepObserver& observer = nullptr);

}  // namespace ocres::learn
