#include "eval/rollout.h"

#include <atomic>
#include <cmath>
#include <cstdio>

#include "core/parallel.h"
#include "eval/failure_modes.h"
#include "core/rng.h"
#include "sim/domain.h"
#include "tasks/registry.h"

namespace ocres::eval {

std::vector<EpisodeStats> run_episodes(const RolloutConfig& config, const PolicyFactory& make_policy,
                                       const StepObserver& observer) {
  const sim::DomainConfig domain = sim::load_domain(config.domain);
  auto scene = tasks::compile_task(config.task, domain);
  const int workers = std::max(1, std::min(config.threads, config.episodes));
  std::vector<std::unique_ptr<sim::Env>> envs;
  std::vector<std::unique_ptr<sim::StepPolicy>> policies;
  for (int w = 0; w < workers; ++w) {
    envs.push_back(tasks::make_env(scene, domain));
    policies.push_back(make_policy(*envs.back()));
  }
  std::vector<EpisodeStats> stats(config.episodes);
  std::atomic<int> next{0};
  ThreadPool pool(workers);
  // Worker w runs episodes from a shared counter; an episode's outcome depends only on its seed.
  pool.parallel_for(workers, [&](int w) {
    sim::Env& env = *envs[w];
    sim::StepPolicy& policy = *policies[w];
    for (int j = next++; j < config.episodes; j = next++) {
      EpisodeStats& s = stats[j];
      s.index = j;
      s.seed = episode_seed(config.seed, j);
      const sim::Observation* obs = &env.reset(s.seed);
      Rng policy_rng(s.seed, /*stream=*/103);
      policy.reset(policy_rng);
      FailureClassifier classifier(env.task_info());
      while (true) {
        const sim::Action a = policy.act(*obs);
        const sim::StepResult r = env.step(a);
        obs = &env.observation();
        classifier.observe(*obs, r);
        if (observer) observer(j, env, a, r);
        s.episode_return += r.reward;
        s.final_reward = r.reward;
        ++s.length;
        if (r.terminated || r.truncated) {
          s.success = r.success;
          s.terminated = r.terminated;
          s.outcome = static_cast<int>(classifier.classify());
          break;
        }
      }
    }
  });
  return stats;
}

Summary summarize(const std::vector<EpisodeStats>& stats) {
  Summary s;
  s.episodes = static_cast<int>(stats.size());
  double len = 0, slen = 0, ret = 0, dot = 0, learnt_sq = 0, scripted_sq = 0;
  for (const auto& e : stats) {
    s.scripted_steps += e.scripted_steps;
    dot += e.scripted_dot;
    learnt_sq += e.learnt_sq;
    scripted_sq += e.scripted_sq;
    s.successes += e.success;
    ++s.outcomes[e.outcome];
    len += e.length;
    ret += e.episode_return;
    if (e.success) slen += e.length;
  }
  if (s.episodes > 0) {
    s.success_rate = static_cast<double>(s.successes) / s.episodes;
    s.mean_length = len / s.episodes;
    s.mean_return = ret / s.episodes;
  }
  if (s.successes > 0) s.mean_success_length = slen / s.successes;
  if (s.scripted_steps > 0) {
    s.learnt_rms = std::sqrt(learnt_sq / s.scripted_steps);
    s.scripted_rms = std::sqrt(scripted_sq / s.scripted_steps);
    if (learnt_sq > 0 && scripted_sq > 0) s.scripted_cosine = dot / std::sqrt(learnt_sq * scripted_sq);
  }
  return s;
}

std::string episodes_csv(const std::vector<EpisodeStats>& stats) {
  std::string out = "index,seed,success,length,return,outcome\n";
  char row[160];
  for (const auto& e : stats) {
    std::snprintf(row, sizeof row, "%d,%llu,%d,%d,%.6g,%s\n", e.index, static_cast<unsigned long long>(e.seed), e.success ? 1 : 0,
                  e.length, e.episode_return, outcome_name(static_cast<Outcome>(e.outcome)));
    out += row;
  }
  return out;
}

}  // namespace ocres::eval
