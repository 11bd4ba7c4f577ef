#pragma once
// The behaviour-cloned "VLA" stand-in (SPEC §2): an MLP from [robot state, VLA-like imprecise object
// localisation, task scalars, episode progress] to a 16-step chunk of absolute TCP targets, executed
// open-loop. It never sees the precise object pose: VlaLocalization adds a per-episode bias and
// per-step noise, as a VLA's implicit visual localisation would.
#include <string>
#include <vector>

#include "core/policy_interface.h"
#include "io/safetensors.h"
#include "perception/pose_corruption.h"
#include "policy/bc_features.h"
#include "policy/network.h"

namespace ocres::policy {

// Per-feature affine normalisation (x - mean) / std, stored with the weights.
struct Normalizer {
  std::vector<float> mean, inv_std;
  // data: rows of `dim`; features with a smaller std than min_std are scaled by 1 / min_std.
  void fit(const std::vector<float>& data, int dim, double min_std = 1e-3);
  bool empty() const { return mean.empty(); }
  void apply(float* x) const {
    for (size_t i = 0; i < mean.size(); ++i) x[i] = (x[i] - mean[i]) * inv_std[i];
  }
  void invert(float* x) const {
    for (size_t i = 0; i < mean.size(); ++i) x[i] = x[i] / inv_std[i] + mean[i];
  }
};

// One task a multi-task model serves: its observation sizes, time limit and how imprecisely the VLA
// stand-in localises that task's objects (perception::vla_localization_for_task).
struct BcTaskSpec {
  std::string task;
  int num_objects = 1, num_scalars = 0, horizon = 300;
  perception::VlaLocalizationConfig localization;
};

struct BcModelInfo {
  // Single-task model: its task. Multi-task model: the task it currently acts for (select_task()), or
  // "" before one is selected.
  std::string task;
  std::string domain;       // domain of the observations it was trained on ("lab": real VLA; "sim": twin)
  // The (selected) task's observation sizes and horizon (progress = t / horizon).
  int num_objects = 1, num_scalars = 0, horizon = 300;
  perception::VlaLocalizationConfig localization;  // the (selected) task's
  // Multi-task model: every task it serves, in one-hot order (bc_features.h). Empty: single-task.
  std::vector<BcTaskSpec> tasks;
  // Optional JSON describing where the weights come from (saved as metadata "ocres.provenance").
  std::string provenance;

  bool multi_task() const { return !tasks.empty(); }
  BcInputLayout input_layout() const;
  // Names of the tasks it serves, comma-separated (for messages).
  std::string task_list() const;
};

class BcPolicy : public BasePolicy {
 public:
  BcPolicy(Mlp net, Normalizer in, Normalizer out, BcModelInfo info);
  int chunk_size() const override { return kBcChunk; }
  void reset(Rng& rng) override;
  void predict_chunk(const Observation& obs, std::span<Action> chunk) override;

  const BcModelInfo& info() const { return info_; }
  // Makes the policy act for `task`. A single-task model accepts only its own task; a multi-task model
  // any task it lists (its one-hot and observation sizes switch to it). Throws InputError otherwise,
  // naming the task(s) the model serves.
  void select_task(const std::string& task);
  // JSON saved with the weights (metadata "ocres.provenance"): where they come from.
  void set_provenance(std::string json) { info_.provenance = std::move(json); }
  Mlp& net() { return net_; }
  const Mlp& net() const { return net_; }
  const Normalizer& input_normalizer() const { return in_; }
  const Normalizer& output_normalizer() const { return out_; }

  void save(const std::string& path);
  // Throws InputError for a missing/corrupt file or one that is not a BC base policy. A multi-task
  // model is returned without a selected task (it refuses to act until select_task()).
  static BcPolicy load(const std::string& path);
  // load() + select_task(task), with the file named in the error: what every command that runs a base
  // for a given task uses.
  static BcPolicy load_for_task(const std::string& path, const std::string& task);

 private:
  Mlp net_;
  Normalizer in_, out_;
  BcModelInfo info_;
  perception::VlaLocalization localization_;
  Rng rng_;
  int task_index_ = 0;  // multi-task: index of info_.task in info_.tasks; -1 before select_task()
  std::vector<float> input_, output_;
};

}  // namespace ocres::policy
