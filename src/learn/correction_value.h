#pragma once
// What the hand-written x/y correction (policy/scripted_residual.h) is worth to a per-step learner:
// paired, same-seed rollouts of the frozen base in which the correction is applied at ONE moment, for
// `m` consecutive steps, and then the base acts alone again — against the base alone from that moment.
//
// A TD3 critic estimates Q^pi(s, a): the return of taking `a` once at s and then following the current
// policy. Starting from the base (pi = zero residual), hold 1 is exactly what the critic has to see to
// move the actor: G(+correction once) − G(base). Longer holds show what the same correction is worth
// when kept (a residual that already corrects, or decisions held for several steps).
//
// Returns are discounted from the moment on with TRAINING semantics (td3.cc): success does not end
// the episode (it goes on paying), a failure does, and the time limit cuts it. Episodes are deterministic
// for a seed, so each difference is exact for that moment (no sampling noise from the base's side).
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "policy/scripted_residual.h"

namespace ocres::learn {

struct CorrectionValueConfig {
  std::string task, domain = "sim", base_path;
  int episodes = 20;
  uint64_t seed = 2000000;  // held-out range, as `ocres eval`
  int threads = 1;
  int stride = 30;                        // probe every stride-th step at which the correction acts
  std::vector<int> hold_steps{1, 4, 16, 64};
  double gamma = 0.95;                    // the trainer's default discount for these tasks
  policy::ScriptedResidualConfig scripted_config;  // grasp_point_O comes from the task
};

struct CorrectionValueRow {
  int hold_steps = 0;
  int moments = 0;                   // probed (episode, step) pairs
  double toward_mean = 0, toward_sem = 0;  // G(base, correction held m steps, base) − G(base)
  double away_mean = 0, away_sem = 0;      // the same with the correction negated
};

// One row per config.hold_steps entry, pooled over episodes in episode order (thread-count independent).
// `on_episode(done, total)` is called (from worker threads, serialised) after each episode's probes.
std::vector<CorrectionValueRow> measure_correction_value(const CorrectionValueConfig& config,
                                                         const std::function<void(int, int)>& on_episode = nullptr);

// The rows as a grouped bar chart (SVG): per held-step count, the correction's and the negated
// correction's mean return difference with ± sem error bars.
std::string correction_value_svg(const CorrectionValueConfig& config, const std::vector<CorrectionValueRow>& rows);

// sum_{t >= t0} gamma^(t - t0) rewards[t].
double discounted_return_from(std::span<const double> rewards, int t0, double gamma);

}  // namespace ocres::learn
