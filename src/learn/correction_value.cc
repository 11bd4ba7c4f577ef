#include "learn/correction_value.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
#include <mutex>
#include <string>

#include "core/error.h"
#include "core/parallel.h"
#include "eval/report.h"
#include "eval/svg_plot.h"
#include "learn/residual_env.h"
#include "policy/bc_policy.h"
#include "sim/domain.h"
#include "tasks/registry.h"

namespace ocres::learn {

double discounted_return_from(std::span<const double> rewards, int t0, double gamma) {
  double g = 0;
  for (int t = static_cast<int>(rewards.size()) - 1; t >= std::max(t0, 0); --t) g = rewards[t] + gamma * g;
  return g;
}

namespace {

struct Episode {
  std::vector<double> rewards;
  std::vector<char> correction_acts;  // the scripted rule gives a non-zero x/y correction at step t
};

// One training-semantics episode: `sign` × the scripted correction on steps [t0, t0 + hold), zero
// elsewhere (sign 0 or hold 0: the base alone).
void run_episode(ResidualEnv& env, uint64_t seed, int t0, int hold, float sign, const policy::ScriptedResidualConfig& scripted,
                 Episode& out) {
  out.rewards.clear();
  out.correction_acts.clear();
  std::vector<float> obs(env.obs_dim()), next_obs(env.obs_dim()), executed(policy::kResidualDim), delta(policy::kResidualDim),
      correction(policy::kResidualDim);
  const policy::ResidualScales scales;
  env.reset(seed, obs.data());
  for (int t = 0;; ++t) {
    policy::scripted_residual(env.layout(), obs, scales, scripted, correction);
    out.correction_acts.push_back(correction[0] != 0 || correction[1] != 0);
    const bool on = t >= t0 && t < t0 + hold;
    for (int k = 0; k < policy::kResidualDim; ++k) delta[k] = on ? sign * correction[k] : 0.0f;
    const sim::StepResult r = env.step(delta.data(), next_obs.data(), executed.data());
    out.rewards.push_back(r.reward);
    obs.swap(next_obs);
    const bool failed = r.terminated && !r.success;  // as in training: success goes on paying
    if (failed || env.time_up()) return;
  }
}

// Mean and its standard error (sample std / sqrt(n)); both 0 without values.
void mean_sem(const std::vector<double>& v, double& mean, double& sem) {
  mean = sem = 0;
  if (v.empty()) return;
  const eval::MeanStd m = eval::mean_std(v);
  mean = m.mean;
  sem = m.std / std::sqrt(static_cast<double>(m.n));
}

}  // namespace

std::vector<CorrectionValueRow> measure_correction_value(const CorrectionValueConfig& cfg, const std::function<void(int, int)>& on_episode) {
  if (cfg.episodes < 1) throw InputError("correction value: episodes must be >= 1");
  if (cfg.stride < 1) throw InputError("correction value: stride must be >= 1");
  if (!(cfg.gamma >= 0 && cfg.gamma < 1)) throw InputError("correction value: gamma must be in [0, 1)");
  for (int m : cfg.hold_steps)
    if (m < 0) throw InputError("correction value: hold steps must be >= 0");
  const sim::DomainConfig domain = sim::load_domain(cfg.domain);
  auto scene = tasks::compile_task(cfg.task, domain);
  const int workers = std::max(1, std::min(cfg.threads, cfg.episodes));
  std::vector<std::unique_ptr<ResidualEnv>> envs;
  for (int w = 0; w < workers; ++w) {
    ResidualEnvConfig ec;
    ec.corrupt_poses = false;  // true poses: the value of the correction itself, not of noisy estimates
    envs.push_back(std::make_unique<ResidualEnv>(tasks::make_env(scene, domain),
                                                 std::make_unique<policy::BcPolicy>(policy::BcPolicy::load_for_task(cfg.base_path, cfg.task)), ec));
  }
  const size_t H = cfg.hold_steps.size();
  // [episode][hold] -> differences at that episode's probed moments; pooled in episode order below.
  std::vector<std::vector<std::vector<double>>> toward(cfg.episodes, std::vector<std::vector<double>>(H)), away = toward;
  std::atomic<int> next{0}, done{0};
  std::mutex progress_mu;
  ThreadPool pool(workers);
  pool.parallel_for(workers, [&](int w) {
    Episode base, probed;
    policy::ScriptedResidualConfig scripted = cfg.scripted_config;
    scripted.grasp_point_O = envs[w]->env().task_info().grasp_point_O;
    for (int j = next++; j < cfg.episodes; j = next++) {
      const uint64_t seed = episode_seed(cfg.seed, j);
      run_episode(*envs[w], seed, 0, 0, 0.0f, scripted, base);
      int acting = 0;
      for (int t0 = 0; t0 < static_cast<int>(base.rewards.size()); ++t0) {
        if (!base.correction_acts[t0] || acting++ % cfg.stride != 0) continue;
        const double g_base = discounted_return_from(base.rewards, t0, cfg.gamma);
        for (size_t h = 0; h < H; ++h) {
          run_episode(*envs[w], seed, t0, cfg.hold_steps[h], 1.0f, scripted, probed);
          toward[j][h].push_back(discounted_return_from(probed.rewards, t0, cfg.gamma) - g_base);
          run_episode(*envs[w], seed, t0, cfg.hold_steps[h], -1.0f, scripted, probed);
          away[j][h].push_back(discounted_return_from(probed.rewards, t0, cfg.gamma) - g_base);
        }
      }
      if (on_episode) {
        std::lock_guard<std::mutex> lock(progress_mu);
        on_episode(++done, cfg.episodes);
      }
    }
  });
  std::vector<CorrectionValueRow> rows(H);
  for (size_t h = 0; h < H; ++h) {
    std::vector<double> t, a;
    for (int j = 0; j < cfg.episodes; ++j) {
      t.insert(t.end(), toward[j][h].begin(), toward[j][h].end());
      a.insert(a.end(), away[j][h].begin(), away[j][h].end());
    }
    rows[h].hold_steps = cfg.hold_steps[h];
    rows[h].moments = static_cast<int>(t.size());
    mean_sem(t, rows[h].toward_mean, rows[h].toward_sem);
    mean_sem(a, rows[h].away_mean, rows[h].away_sem);
  }
  return rows;
}

std::string correction_value_svg(const CorrectionValueConfig& config, const std::vector<CorrectionValueRow>& rows) {
  eval::svg::BarChart c;
  c.title = config.task + " (" + config.domain + "): the scripted correction held for m steps, then the base alone";
  c.y_label = "G - G(base), gamma " + eval::svg::format_tick(config.gamma) + " (mean ± sem)";
  c.y_min = eval::svg::kNaN;  // from the data: the negated correction's bars go below zero
  c.value_decimals = 2;
  c.signed_values = true;
  eval::svg::BarSeries toward{"correction", "#009E73", {}, {}, {}}, away{"negated", "#D55E00", {}, {}, {}};
  auto add = [](eval::svg::BarSeries& series, double mean, double sem) {
    series.values.push_back(mean);
    series.err_low.push_back(mean - sem);
    series.err_high.push_back(mean + sem);
  };
  for (const CorrectionValueRow& r : rows) {
    c.groups.push_back(std::to_string(r.hold_steps) + (r.hold_steps == 1 ? " step" : " steps") + " (" + std::to_string(r.moments) + " moments)");
    add(toward, r.toward_mean, r.toward_sem);
    add(away, r.away_mean, r.away_sem);
  }
  c.series = {toward, away};
  return eval::svg::bar_chart_svg(c);
}

}  // namespace ocres::learn
