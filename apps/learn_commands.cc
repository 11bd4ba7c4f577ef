// Commands of the learning stages: train-base (and, as they land, demos/replay/train).
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "apps/commands.h"
#include "core/error.h"
#include "learn/bc_trainer.h"
#include "learn/demo_io.h"
#include "learn/demos.h"
#include <nlohmann/json.hpp>
#include "sim/domain.h"
#include "tasks/registry.h"

namespace ocres::apps {

namespace {
std::string env_args(const std::string& task, const std::string& domain, uint64_t seed, const std::string& source) {
  return nlohmann::json{{"task", task}, {"domain", domain}, {"seed", seed}, {"version", "0.1.0"}, {"source", source},
                        {"action", "absolute TCP target, base frame: position (m), quaternion (w x y z), gripper width (m)"}}
      .dump();
}
}  // namespace

void register_learn_commands(CLI::App& app) {
  {
    struct DemoOpts {
      std::string task, domain = "lab", out;
      int count = 30, threads = 1;
      uint64_t seed = 0;
    };
    auto d = std::make_shared<DemoOpts>();
    auto* demos = app.add_subcommand("demos", "Record teleoperation-emulated demonstrations (successful ones) to HDF5");
    demos->add_option("--task", d->task, "task name")->required();
    demos->add_option("--domain", d->domain, "domain (lab = the 'real robot')")->default_val("lab");
    demos->add_option("--count", d->count, "successful demos to keep")->default_val(30)->check(CLI::Range(1, 100000));
    demos->add_option("--seed", d->seed, "demo seed")->default_val(0);
    demos->add_option("--threads", d->threads, "threads")->default_val(1)->check(CLI::Range(1, 256));
    demos->add_option("--out", d->out, "output .hdf5 (robomimic layout)")->required();
    demos->callback([d] {
      tasks::make_task(d->task);
      learn::DemoCollectionConfig dc{d->task, d->domain, d->count, 20 * d->count, d->seed, d->threads};
      auto r = learn::collect_demos(dc);
      if (static_cast<int>(r.demos.size()) < d->count)
        throw InputError("only " + std::to_string(r.demos.size()) + " successful demos in " + std::to_string(r.attempts) + " attempts");
      std::filesystem::path out(d->out);
      if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
      learn::save_episodes(d->out, r.demos, env_args(d->task, d->domain, d->seed, "teleop emulation"));
      std::fprintf(stderr, "%zu demos (%d attempts) -> %s\n", r.demos.size(), r.attempts, d->out.c_str());
    });
  }
  {
    struct ReplayOpts {
      std::string demos, domain = "sim", out;
    };
    auto o = std::make_shared<ReplayOpts>();
    auto* replay = app.add_subcommand("replay", "Re-execute recorded demos open-loop in another domain (paired dataset)");
    replay->add_option("--demos", o->demos, "input .hdf5")->required();
    replay->add_option("--domain", o->domain, "domain to replay in")->default_val("sim");
    replay->add_option("--out", o->out, "output .hdf5")->required();
    replay->callback([o] {
      std::string args;
      auto demos = learn::load_episodes(o->demos, &args);
      const std::string task = nlohmann::json::parse(args).at("task").get<std::string>();
      const sim::DomainConfig domain = sim::load_domain(o->domain);
      auto env = tasks::make_env(tasks::compile_task(task, domain), domain);
      int ok = 0;
      for (auto& demo : demos) {
        demo = learn::replay_episode(*env, demo);
        ok += demo.success;
      }
      learn::save_episodes(o->out, demos, env_args(task, o->domain, 0, "replay of " + o->demos));
      std::fprintf(stderr, "replayed %zu demos in %s (%d succeed open-loop) -> %s\n", demos.size(), o->domain.c_str(), ok, o->out.c_str());
    });
  }

  struct Opts {
    std::string task, domain = "lab", out, replay_domain, from;
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
  cmd->add_option("--from", o->from, "train on this dataset (.hdf5 from `ocres demos` / `ocres replay`) instead of recording demos");
  cmd->add_option("--out", o->out, "output weights (.safetensors)")->required();
  cmd->callback([o] {
    auto task = tasks::make_task(o->task);
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<learn::EpisodeRecord> data;
    std::string obs_domain = o->domain;
    if (!o->from.empty()) {
      std::string args;
      data = learn::load_episodes(o->from, &args);
      const auto j = nlohmann::json::parse(args, nullptr, false);
      if (j.is_discarded() || j.value("task", "") != o->task)
        throw InputError("'" + o->from + "' holds episodes of task '" + (j.is_discarded() ? std::string("?") : j.value("task", "?")) +
                         "', not '" + o->task + "'");
      obs_domain = j.value("domain", o->domain);
      std::fprintf(stderr, "loaded %zu episodes from %s (%s)\n", data.size(), o->from.c_str(), obs_domain.c_str());
    } else {
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
      data = std::move(collected.demos);
    }
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
