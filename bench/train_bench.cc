// Residual training throughput and memory, per task, on ONE core (threads = 1): environment steps/s
// and gradient updates/s of a run with the full profile's settings (configs/train/<task>.yaml: TD3 or
// PPO over held decisions, whichever it names), the projected wall-clock of that profile's budget, and
// the peak resident memory of the process.
//
// Each task gets a small BC sim twin (10 replayed lab demos, 1000 steps: its quality does not matter
// here) and trains for --steps environment steps (default 6000: for TD3 past the critic warm-up so
// actor updates are included; for held PPO whole iterations of fewer episodes, each followed by its
// PPO epochs). Usage: train_bench [--steps N] [--tasks lift,stack]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "core/config.h"
#include "learn/bc_trainer.h"
#include "learn/demos.h"
#include "learn/held_ppo.h"
#include "learn/td3.h"
#include "learn/train_config.h"
#include "sim/domain.h"
#include "tasks/registry.h"

using namespace ocres;

int main(int argc, char** argv) {
  int64_t steps = 6000;
  std::vector<std::string> names = tasks::task_names();
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--steps")) steps = std::stoll(argv[i + 1]);
    if (!std::strcmp(argv[i], "--tasks")) {
      names.clear();
      std::stringstream ss(argv[i + 1]);
      for (std::string t; std::getline(ss, t, ',');) names.push_back(t);
    }
  }
  std::printf("| task | learner | env steps | env steps/s | updates/s | budget (env steps) | projected training wall-clock, 1 core |\n|---|---|---|---|---|---|---|\n");
  for (const auto& name : names) {
    const std::string cfg_path = std::string(OCRES_SOURCE_DIR) + "/configs/train/" + name + ".yaml";
    const learn::ResidualTrainConfig train_cfg = learn::load_residual_train_config(cfg_path, name);
    const bool held_ppo = train_cfg.algorithm == learn::ResidualAlgorithm::kHeldPpo;
    learn::Td3Config cfg = train_cfg.td3;
    learn::HeldPpoConfig ppo = train_cfg.held_ppo;
    const int64_t budget = held_ppo ? ppo.total_env_steps : cfg.total_env_steps;
    cfg.total_env_steps = steps;
    cfg.threads = 1;
    cfg.eval_episodes = 0;
    cfg.eval_every_env_steps = 0;
    cfg.critic_warmup_steps = std::min<int>(cfg.critic_warmup_steps, static_cast<int>(steps / 3));
    cfg.learning_starts = std::min<int>(cfg.learning_starts, static_cast<int>(steps / 6));
    // A held-PPO iteration is episodes_per_iteration whole episodes (~37k steps for Stack): shrink it
    // so that --steps holds at least one, with the same ratio of PPO epochs to simulation per episode.
    ppo.total_env_steps = steps;
    ppo.threads = 1;
    ppo.eval_episodes = 0;
    ppo.eval_every_iterations = 0;
    ppo.episodes_per_iteration = std::clamp(static_cast<int>(steps / 300), 4, ppo.episodes_per_iteration);
    // A small sim twin: 10 lab demos replayed in sim.
    learn::DemoCollectionConfig dc;
    dc.task = name;
    dc.count = 10;
    auto demos = learn::collect_demos(dc).demos;
    const sim::DomainConfig sim_domain = sim::load_domain("sim");
    auto scene = tasks::compile_task(name, sim_domain);
    {
      auto env = tasks::make_env(scene, sim_domain);
      for (auto& d : demos) d = learn::replay_episode(*env, d);
    }
    auto task = tasks::make_task(name);
    policy::BcModelInfo info;
    info.task = name;
    info.domain = "sim";
    info.num_objects = static_cast<int>(task->info().object_names.size());
    info.num_scalars = static_cast<int>(task->info().scalar_names.size());
    info.horizon = task->info().horizon;
    learn::BcTrainConfig bc;
    bc.steps = 1000;
    const policy::BcPolicy base = learn::train_bc(demos, info, bc);
    const learn::ResidualEnvConfig env_cfg = held_ppo ? ppo.env : cfg.env;
    const learn::ResidualEnvFactory factory = [&](int, bool for_eval) {
      learn::ResidualEnvConfig ec = env_cfg;
      ec.corrupt_poses = !for_eval;
      return std::make_unique<learn::ResidualEnv>(tasks::make_env(scene, sim_domain), std::make_unique<policy::BcPolicy>(base), ec);
    };
    learn::TrainMetrics m;
    if (held_ppo) {
      learn::HeldPpoTrainer trainer(ppo, factory);
      trainer.train();
      m = trainer.metrics();
    } else {
      learn::Td3Trainer trainer(cfg, factory);
      trainer.train();
      m = trainer.metrics();
    }
    // Steady-state rates over the whole run (offline collection included, a small share).
    const double sps = m.env_steps / m.elapsed_s, ups = m.updates / m.elapsed_s;
    const double projected = budget / sps;  // training only; periodic evaluation episodes come on top
    std::printf("| %s | %s | %ld | %.0f | %.0f | %ld | %.1f min |\n", name.c_str(), held_ppo ? "held_ppo" : "td3", static_cast<long>(m.env_steps), sps, ups,
                static_cast<long>(budget), projected / 60);
    std::fflush(stdout);
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("\npeak resident memory of this process (all runs, replay buffers at configured capacity): %.0f MB\n", ru.ru_maxrss / 1024.0);
  return 0;
}
