// Commands of the learning stages: train-base (and, as they land, demos/replay/train).
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "apps/commands.h"
#include "core/error.h"
#include "learn/bc_trainer.h"
#include "learn/demos.h"
#include "sim/domain.h"
#include "tasks/registry.h"

namespace ocres::apps {

void register_learn_commands(CLI::App& app) {
  struct Opts {
    std::string task, domain = "lab", out, replay_domain;
    int demos = 30, steps = 4000, threads = 1;
    uint64_t seed = 0;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("train-base", "Train the behaviour-cloned VLA stand-in from teleoperation-emulated demos");
  cmd->add_option("--task", o->task, "task name")->required();
  cmd->add_option("--domain", o->domain, "domain the demos are recorded in (lab = the 'real robot')")->default_val("lab");
  cmd->add_option("--replay-domain", o->replay_domain,
                  "if set, train on the demos' open-loop replays in this domain (e.g. sim: the sim twin)");
  cmd->add_option("--demos", o->demos, "number of successful demos")->default_val(30)->check(CLI::Range(1, 100000));
  cmd->add_option("--steps", o->steps, "gradient steps")->default_val(4000)->check(CLI::Range(1, 10000000));
  cmd->add_option("--seed", o->seed, "demo seed (episodes derive from it)")->default_val(0);
  cmd->add_option("--threads", o->threads, "threads for demo collection")->default_val(1)->check(CLI::Range(1, 256));
  cmd->add_option("--out", o->out, "output weights (.safetensors)")->required();
  cmd->callback([o] {
    auto task = tasks::make_task(o->task);
    const auto t0 = std::chrono::steady_clock::now();
    learn::DemoCollectionConfig dc;
    dc.task = o->task;
    dc.domain = o->domain;
    dc.count = o->demos;
    dc.max_attempts = 20 * o->demos;
    dc.seed = o->seed;
    dc.threads = o->threads;
    auto collected = learn::collect_demos(dc);
    std::fprintf(stderr, "demos: %zu successful of %d attempts in %s\n", collected.demos.size(), collected.attempts,
                 o->domain.c_str());
    if (static_cast<int>(collected.demos.size()) < o->demos)
      throw InputError("only " + std::to_string(collected.demos.size()) + " successful demos in " +
                       std::to_string(collected.attempts) + " attempts");
    std::vector<learn::EpisodeRecord> data = std::move(collected.demos);
    std::string obs_domain = o->domain;
    if (!o->replay_domain.empty()) {
      const sim::DomainConfig rd = sim::load_domain(o->replay_domain);
      auto env = tasks::make_env(tasks::compile_task(o->task, rd), rd);
      int ok = 0;
      for (auto& d : data) {
        d = learn::replay_episode(*env, d);
        ok += d.success;
      }
      std::fprintf(stderr, "replayed %zu demos in %s: %d still succeed open-loop\n", data.size(), o->replay_domain.c_str(), ok);
      obs_domain = o->replay_domain;
    }
    policy::BcModelInfo info;
    info.task = o->task;
    info.domain = obs_domain;
    info.num_objects = static_cast<int>(task->info().object_names.size());
    info.num_scalars = static_cast<int>(task->info().scalar_names.size());
    info.horizon = task->info().horizon;
    learn::BcTrainConfig tc;
    tc.steps = o->steps;
    tc.seed = o->seed;
    auto policy = learn::train_bc(data, info, tc, [](const learn::BcProgress& p) {
      std::fprintf(stderr, "  step %6d  loss %.4f\n", p.step, p.loss);
    });
    std::filesystem::path out(o->out);
    if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
    policy.save(o->out);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "saved %s (%.1f s)\n", o->out.c_str(), secs);
  });
}

}  // namespace ocres::apps
