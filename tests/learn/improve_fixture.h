#pragma once
// Small, fast inputs for the self-improvement tests: a few teleoperation demos, a tiny BC base trained
// for a handful of steps, and a residual with random weights. None of them is any good at its task,
// which is the point: they exercise the plumbing in seconds.
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "learn/bc_trainer.h"
#include "learn/demo_io.h"
#include "learn/demos.h"
#include "policy/residual_file.h"
#include "tasks/registry.h"

namespace ocres::learn::test {

// A fresh directory `<tmp>/ocres_<name>_<pid>` (ctest runs tests as parallel processes).
inline std::string temp_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("ocres_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

inline std::vector<EpisodeRecord> demos(const std::string& task, int count, uint64_t seed = 0, const std::string& domain = "lab") {
  DemoCollectionConfig c;
  c.task = task;
  c.domain = domain;
  c.count = count;
  c.max_attempts = 20 * count;
  c.seed = seed;
  return collect_demos(c).demos;
}

// Writes `episodes` as `ocres demos` would (env_args with task and domain, no per-episode provenance).
inline std::string write_demos(const std::string& path, const std::string& task, const std::vector<EpisodeRecord>& episodes,
                               const std::string& domain = "lab") {
  save_episodes(path, episodes, R"({"task": ")" + task + R"(", "domain": ")" + domain + R"(", "seed": 0, "source": "teleop emulation"})");
  return path;
}

inline policy::BcModelInfo task_info(const std::string& task, const std::string& domain = "lab") {
  const auto t = tasks::make_task(task);
  policy::BcModelInfo info;
  info.task = task;
  info.domain = domain;
  info.num_objects = static_cast<int>(t->info().object_names.size());
  info.num_scalars = static_cast<int>(t->info().scalar_names.size());
  info.horizon = t->info().horizon;
  return info;
}

inline BcTrainConfig tiny_training(int steps = 20) {
  BcTrainConfig c;
  c.hidden = {32, 32};
  c.steps = steps;
  c.batch = 32;
  return c;
}

inline std::string write_tiny_base(const std::string& path, const std::string& task, const std::vector<EpisodeRecord>& demos) {
  policy::BcPolicy p = train_bc(demos, task_info(task), tiny_training(300));
  p.save(path);
  return path;
}

inline std::string write_random_residual(const std::string& path, const std::string& task, uint64_t seed = 7) {
  const auto t = tasks::make_task(task);
  policy::ResidualModel m;
  m.task = task;
  m.layout.num_objects = static_cast<int>(t->info().object_names.size());
  m.layout.num_scalars = static_cast<int>(t->info().scalar_names.size());
  m.base = "test";
  policy::MlpConfig c;
  c.input_dim = m.layout.dim();
  c.hidden = {16, 16};
  c.output_dim = policy::kResidualDim;
  c.tanh_output = true;
  m.actor = policy::Mlp(c, seed);
  m.obs_norm.mean.assign(c.input_dim, 0.0f);
  m.obs_norm.inv_std.assign(c.input_dim, 1.0f);
  policy::save_residual(path, m);
  return path;
}

}  // namespace ocres::learn::test
