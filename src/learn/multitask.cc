#include "learn/multitask.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <span>

#include "core/error.h"
#include "learn/improve_provenance.h"
#include "perception/pose_corruption.h"
#include "sim/domain.h"
#include "tasks/registry.h"

namespace ocres::learn {

policy::BcModelInfo multi_task_info(const std::vector<std::string>& tasks, const std::string& domain) {
  if (tasks.empty()) throw InputError("a multi-task base needs at least one task");
  policy::BcModelInfo info;
  info.domain = domain;
  for (const std::string& name : tasks) {
    if (std::count(tasks.begin(), tasks.end(), name) > 1) throw InputError("task '" + name + "' is listed twice");
    const auto task = tasks::make_task(name);  // throws InputError naming an unknown task
    info.tasks.push_back({name, static_cast<int>(task->info().object_names.size()), static_cast<int>(task->info().scalar_names.size()),
                          task->info().horizon, perception::vla_localization_for_task(name)});
  }
  info.localization = info.tasks[0].localization;  // a multi-task model takes its task's on select_task()
  return info;
}

MultiTaskResult run_multi_task_improve(const MultiTaskImproveConfig& cfg, const ImproveProgress& progress) {
  auto say = [&](const std::string& m) {
    if (progress) progress(m);
  };
  if (cfg.tasks.empty()) throw InputError("--multi-task needs at least one task");
  std::vector<std::string> names;
  for (const ImproveConfig& t : cfg.tasks) names.push_back(t.task);
  const std::string domain = sim::load_domain(cfg.tasks[0].domain).name;
  for (const ImproveConfig& t : cfg.tasks)
    if (sim::load_domain(t.domain).name != domain) throw InputError("every task of a multi-task run must use one domain");
  // Fail in seconds on a bad file of the last task, not after hours of the first ones.
  for (const ImproveConfig& t : cfg.tasks) validate_improve_inputs(t);
  policy::BcModelInfo info = multi_task_info(names, domain);
  // Each task keeps the localisation error its per-task base was trained with: the multi-task base
  // is compared with those.
  for (size_t k = 0; k < cfg.tasks.size(); ++k)
    info.tasks[k].localization = policy::BcPolicy::load_for_task(cfg.tasks[k].base_path, cfg.tasks[k].task).info().localization;

  MultiTaskResult result;
  for (const ImproveConfig& t : cfg.tasks) {
    say("== " + t.task + ": per-task self-improvement");
    result.per_task.push_back(run_improve(t, progress));
    const auto& rows = result.per_task.back().rows;
    result.rows.insert(result.rows.end(), rows.begin(), rows.end());
  }

  // One base for every task, from scratch, on every task's demos + kept corrected rollouts; and its
  // control, the same training (same seed) on the demos + kept base-alone rollouts of the same
  // collections, so that the two differ only in where the rollouts come from.
  const std::filesystem::path dir = std::filesystem::path(cfg.out_dir) / "multi_task";
  std::filesystem::create_directories(dir);
  BcTrainConfig tc = cfg.train;
  tc.seed = derive_seed(cfg.tasks[0].seed, kMultiTaskTag);
  struct Arm {
    const char* name;  // row name
    bool corrected;
    std::string* out;
    const char* file;
  };
  for (const Arm& arm : {Arm{"multi-task", true, &result.multi_task_base, "base_multi_task.safetensors"},
                         Arm{"multi-task control", false, &result.multi_task_control_base, "base_multi_task_control.safetensors"}}) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::span<const EpisodeRecord>> data;
    size_t episodes = 0;
    nlohmann::json datasets = nlohmann::json::array();
    for (size_t k = 0; k < cfg.tasks.size(); ++k) {
      const ImproveResult& r = result.per_task[k];
      const auto& set = arm.corrected ? r.corrected_training_set : r.control_training_set;
      data.emplace_back(set);
      episodes += set.size();
      const FileRef ref = file_ref(arm.corrected ? r.corrected_dataset : r.control_dataset);
      datasets.push_back({{"task", cfg.tasks[k].task}, {"path", ref.path}, {"sha256", ref.sha256}});
    }
    policy::BcPolicy multi = train_bc_multi_task(data, info, tc, [&](const BcProgress& p) {
      if (p.step % 1000 == 0 || p.step + 1 == tc.steps)
        say(std::string(arm.name) + " base (" + std::to_string(names.size()) + " tasks, " + std::to_string(episodes) +
            " episodes): step " + std::to_string(p.step + 1) + "/" + std::to_string(tc.steps) + ", loss " + std::to_string(p.loss));
    });
    multi.set_provenance(nlohmann::json{{"kind", "multi_task"},
                                        {"arm", arm.corrected ? "corrected" : "control"},
                                        {"tasks", names},
                                        {"domain", domain},
                                        {"datasets", datasets},
                                        {"steps", tc.steps},
                                        {"lr", tc.lr},
                                        {"batch", tc.batch},
                                        {"seed", tc.seed}}
                             .dump());
    *arm.out = (dir / arm.file).string();
    multi.save(*arm.out);  // atomic (io::save_safetensors)
    char buf[256];
    std::snprintf(buf, sizeof(buf), "wrote %s (%.0f s)", arm.out->c_str(),
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    say(buf);

    for (size_t k = 0; k < cfg.tasks.size(); ++k) {
      const ImproveConfig& t = cfg.tasks[k];
      const ImproveResult& r = result.per_task[k];
      for (bool with_residual : {false, true}) {
        ImproveRow row =
            evaluate_pair(t.task, t.domain, *arm.out, with_residual ? t.residual_path : "", t.eval_episodes, t.eval_seed, t.threads);
        row.round = t.rounds;
        row.base = arm.name;
        row.train_demos = r.num_demos;
        row.train_rollouts =
            static_cast<int>((arm.corrected ? r.corrected_training_set : r.control_training_set).size()) - r.num_demos;
        std::snprintf(buf, sizeof(buf), "[%s] eval %s %-9s %3d/%-3d (%3.0f%%)", t.task.c_str(), arm.name,
                      with_residual ? "+residual" : "alone", row.successes, row.episodes, 100 * row.success_rate());
        say(buf);
        result.rows.push_back(row);
      }
    }
  }
  return result;
}

}  // namespace ocres::learn
