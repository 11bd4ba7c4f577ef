#include "learn/residual_eval.h"

#include <atomic>

#include "core/parallel.h"
#include "eval/failure_modes.h"
#include "policy/bc_policy.h"
#include "sim/domain.h"
#include "tasks/registry.h"

namespace ocres::learn {

std::vector<eval::EpisodeStats> evaluate_residual(const ResidualEvalConfig& cfg, const ResidualStepObserver& observer) {
  const sim::DomainConfig domain = sim::load_domain(cfg.domain);
  auto scene = tasks::compile_task(cfg.task, domain);
  const bool with_residual = !cfg.residual_path.empty();
  if (int(with_residual) + int(cfg.scripted) + int(!cfg.constant_delta.empty()) > 1)
    throw InputError("a residual file, the scripted residual and a constant residual exclude each other");
  policy::ResidualModel model{policy::Mlp(), cfg.task, {}, {}, "", {}};
  if (with_residual) {
    model = policy::load_residual(cfg.residual_path);
    if (model.task != cfg.task)
      throw InputError("'" + cfg.residual_path + "' is a residual for task '" + model.task + "', not '" + cfg.task + "'");
  }
  const int workers = std::max(1, std::min(cfg.threads, cfg.episodes));
  std::vector<std::unique_ptr<ResidualEnv>> envs;
  std::vector<policy::Mlp> actors;
  for (int w = 0; w < workers; ++w) {
    ResidualEnvConfig ec;
    ec.corrupt_poses = false;
    ec.use_estimator = cfg.use_estimator;
    if (cfg.estimator) ec.estimator = *cfg.estimator;
    ec.extra_dropout_probability = cfg.extra_dropout_probability;
    ec.scales = model.scales;
    envs.push_back(std::make_unique<ResidualEnv>(tasks::make_env(scene, domain),
                                                 std::make_unique<policy::BcPolicy>(policy::BcPolicy::load_for_task(cfg.base_path, cfg.task)), ec));
    if (with_residual) {
      if (envs.back()->obs_dim() != model.layout.dim())
        throw InputError("'" + cfg.residual_path + "' expects a " + std::to_string(model.layout.dim()) +
                         "-dim observation; task '" + cfg.task + "' gives " + std::to_string(envs.back()->obs_dim()));
      actors.push_back(model.actor);
    }
  }
  std::vector<eval::EpisodeStats> stats(cfg.episodes);
  std::atomic<int> next{0};
  ThreadPool pool(workers);
  pool.parallel_for(workers, [&](int w) {
    ResidualEnv& env = *envs[w];
    std::vector<float> obs(env.obs_dim()), obs_n(env.obs_dim()), next_obs(env.obs_dim()), executed(7), delta(7, 0.0f), scripted_delta(7);
    if (!with_residual && cfg.constant_delta.size() == 7) delta = cfg.constant_delta;
    policy::ScriptedResidualConfig scripted = cfg.scripted_config;
    scripted.grasp_point_O = env.env().task_info().grasp_point_O;
    for (int j = next++; j < cfg.episodes; j = next++) {
      eval::EpisodeStats& s = stats[j];
      s.index = j;
      s.seed = episode_seed(cfg.seed, j);
      env.reset(s.seed, obs.data());
      eval::FailureClassifier classifier(env.env().task_info());
      while (true) {
        if (with_residual) {
          policy::normalize_residual_obs(model.layout, model.obs_norm.mean, model.obs_norm.inv_std, obs.data(), obs_n.data());
          actors[w].forward_one(obs_n.data(), delta.data());
          // What the hand-written correction would do here, for Summary::scripted_cosine.
          policy::scripted_residual(env.layout(), obs, model.scales, scripted, scripted_delta);
          if (scripted_delta[0] != 0 || scripted_delta[1] != 0) {
            ++s.scripted_steps;
            s.scripted_dot += delta[0] * scripted_delta[0] + delta[1] * scripted_delta[1];
            s.learnt_sq += delta[0] * delta[0] + delta[1] * delta[1];
            s.scripted_sq += scripted_delta[0] * scripted_delta[0] + scripted_delta[1] * scripted_delta[1];
          }
        } else if (cfg.scripted) {
          policy::scripted_residual(env.layout(), obs, model.scales, scripted, delta);
        }
        // Copied before the step only when someone records the episode.
        Observation before;
        Action base_action;
        if (observer) {
          before = env.env().observation();
          base_action = env.base_action();
        }
        const sim::StepResult r = env.step(delta.data(), next_obs.data(), executed.data());
        if (observer) {
          ResidualStepView v;
          v.episode = j;
          v.before = &before;
          v.base_action = base_action;
          v.policy_action = policy::compose(base_action, delta, model.scales);
          v.result = &r;
          observer(v);
        }
        for (int k = 0; k < 7; ++k) s.mean_abs_residual[k] += std::abs(delta[k]);
        classifier.observe(env.env().observation(), r);
        s.episode_return += r.reward;
        ++s.length;
        obs.swap(next_obs);
        if (r.terminated || r.truncated) {
          s.success = r.success;
          s.terminated = r.terminated;
          s.outcome = static_cast<int>(classifier.classify());
          for (double& m : s.mean_abs_residual) m /= s.length;
          break;
        }
      }
    }
  });
  return stats;
}

}  // namespace ocres::learn
