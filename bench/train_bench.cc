// Residual training throughput and memory, per task, on ONE core (threads = 1): environment steps/s
// and gradient updates/s of a TD3 run with the full profile's settings (configs/train/<task>.yaml), the
// projected wall-clock of that profile's budget, and the peak resident memory of the process.
//
// Each task gets a small BC sim twin (10 replayed lab demos, 1000 steps: its quality does not matter
// here) and trains for --steps environment steps (default 6000, past the critic warm-up so actor
// updates are included). Usage: train_bench [--steps N] [--tasks lift,stack]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "core/config.h"
#include "learn/bc_trainer.h"
#include "learn/demos.h"
#include "learn/td3.h"
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
  std::printf("| task | env steps | env steps/s | updates/s | budget (env steps) | projected training wall-clock, 1 core |\n|---|---|---|---|---|---|\n");
  for (const auto& name : names) {
    const std::string cfg_path = std::string(OCRES_SOURCE_DIR) + "/configs/train/" + name + ".yaml";
    learn::Td3Config cfg = learn::parse_td3_config(YamlFields(load_yaml_file(cfg_path), cfg_path), learn::Td3Config{});
    const int64_t budget = cfg.total_env_steps;
    cfg.total_env_steps = steps;
    cfg.threads = 1;
    cfg.eval_episodes = 0;
    cfg.eval_every_env_steps = 0;
    cfg.critic_warmup_steps = std::min<int>(cfg.critic_warmup_steps, static_cast<int>(steps / 3));
    cfg.learning_starts = std::min<int>(cfg.learning_starts, static_cast<int>(steps / 6));
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
    learn::Td3Trainer trainer(cfg, [&](int, bool for_eval) {
      learn::ResidualEnvConfig ec = cfg.env;
      ec.corrupt_poses = !for_eval;
      return std::make_unique<learn::ResidualEnv>(tasks::make_env(scene, sim_domain), std::make_unique<policy::BcPolicy>(base), ec);
    });
    trainer.train();
    const auto& m = trainer.metrics();
    // Steady-state rates over the whole run (offline collection included, a small share).
    const double sps = m.env_steps / m.elapsed_s, ups = m.updates / m.elapsed_s;
    const double projected = budget / sps;  // training only; periodic evaluation episodes come on top
    std::printf("| %s | %ld | %.0f | %.0f | %ld | %.1f min |\n", name.c_str(), static_cast<long>(m.env_steps), sps, ups,
                static_cast<long>(budget), projected / 60);
    std::fflush(stdout);
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("\npeak resident memory of this process (all runs, replay buffers at configured capacity): %.0f MB\n", ru.ru_maxrss / 1024.0);
  return 0;
}
