#pragma once
// One base policy for several tasks (SPEC §1, stage 4: "rollouts of several tasks can train one
// multi-task base"). The task is an input: a one-hot appended to the BC input, with object and scalar
// slots padded to the maximum over the tasks (policy/bc_features.h). `ocres improve --multi-task`
// runs the per-task self-improvement of every task (learn/improve.h), trains one multi-task base from
// scratch on every task's demos + successful residual-corrected rollouts — and, as its control, one on
// the demos + successful base-alone rollouts, same training and seed — and evaluates both alone and
// with each task's residual beside the per-task bases.
#include <string>
#include <vector>

#include "learn/improve.h"
#include "policy/bc_policy.h"

namespace ocres::learn {

// The model description of a multi-task base for `tasks` (one-hot in this order; sizes and horizons
// from the task registry; each task's localisation error perception::vla_localization_for_task).
// Throws InputError for an unknown or repeated task or an empty list.
policy::BcModelInfo multi_task_info(const std::vector<std::string>& tasks, const std::string& domain);

// Training from scratch on every task's data: more steps than one task's base (4000), as the data is
// several tasks' worth.
inline BcTrainConfig default_multi_task_train_config() {
  BcTrainConfig c;
  c.steps = 8000;
  return c;
}

struct MultiTaskImproveConfig {
  // One per task (its base, residual, demos; out_dir = <out>/<task>); their seeds, episode counts and
  // rounds are used as given.
  std::vector<ImproveConfig> tasks;
  std::string out_dir;  // <out>/multi_task/base_multi_task.safetensors, base_multi_task_control.safetensors
  BcTrainConfig train = default_multi_task_train_config();  // seed: derive_seed(tasks[0].seed, kMultiTaskTag)
};

inline constexpr uint64_t kMultiTaskTag = 0x3017;

struct MultiTaskResult {
  std::vector<ImproveResult> per_task;
  std::string multi_task_base;          // trained on demos + base + residual successes ("multi-task" rows)
  std::string multi_task_control_base;  // trained on demos + base-alone successes ("multi-task control" rows)
  std::vector<ImproveRow> rows;  // every task's rows, then each multi-task base's (alone, + residual) per task
};

// Validates every task's inputs before any episode runs, then runs them and the multi-task training.
MultiTaskResult run_multi_task_improve(const MultiTaskImproveConfig& config, const ImproveProgress& progress = nullptr);

}  // namespace ocres::learn
