#pragma once
// Runs episodes of a step policy on a task and collects per-episode statistics. Episode j of a run
// with seed S uses the episode seed derive_seed(S, j): the same (S, j) gives the same episode whatever
// the number of threads or the order in which episodes run.
#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/env.h"
#include "sim/task.h"

namespace ocres::eval {

struct EpisodeStats {
  int index = 0;
  uint64_t seed = 0;
  bool success = false;
  bool terminated = false;
  int length = 0;            // control steps executed
  double episode_return = 0;  // sum of rewards
  double final_reward = 0;
  int outcome = 0;            // eval::Outcome (failure_modes.h)
  // Mean |residual| per component over the episode's steps (normalised units in [0, 1]; zero when no
  // residual runs): how much, and in which component, the residual corrects the base.
  std::array<double, 7> mean_abs_residual{};
  // With a learnt residual: how its x/y correction compares with the hand-written one
  // (policy/scripted_residual.h) at the steps where that one acts (the base going for the object, or
  // carrying it to the place target): the number of such steps and, over them, the sums of
  // δ_learnt·δ_scripted, |δ_learnt|² and |δ_scripted|² (x and y, normalised units).
  int scripted_steps = 0;
  double scripted_dot = 0, learnt_sq = 0, scripted_sq = 0;
};

struct RolloutConfig {
  std::string task = "lift";
  std::string domain = "sim";  // name or YAML path
  int episodes = 10;
  uint64_t seed = 0;
  int threads = 1;
};

// Creates a fresh policy for an env (called once per worker env).
using PolicyFactory = std::function<std::unique_ptr<sim::StepPolicy>(const sim::Env&)>;
// Optional per-step observer: (episode index, env, action, result). Called from worker threads.
using StepObserver = std::function<void(int, const sim::Env&, const sim::Action&, const sim::StepResult&)>;

using ocres::episode_seed;

std::vector<EpisodeStats> run_episodes(const RolloutConfig& config, const PolicyFactory& make_policy,
                                       const StepObserver& observer = nullptr);

struct Summary {
  int episodes = 0, successes = 0;
  std::array<int, 7> outcomes{};  // counts per eval::Outcome
  double success_rate = 0, mean_length = 0, mean_success_length = 0, mean_return = 0;
  // Over every episode's scripted_steps (EpisodeStats): the cosine between the learnt and the
  // hand-written x/y corrections (0 when either is zero throughout) and their root-mean-square sizes.
  // A learner that found the correction the scripted residual measures has cosine near 1.
  int scripted_steps = 0;
  double scripted_cosine = 0, learnt_rms = 0, scripted_rms = 0;
};
Summary summarize(const std::vector<EpisodeStats>& stats);

// One CSV row per episode, in episode order: index,seed,success,length,return,outcome (the outcome's
// name, failure_modes.h) — for distributions the summary hides (e.g. how long successes take).
std::string episodes_csv(const std::vector<EpisodeStats>& stats);

}  // namespace ocres::eval
