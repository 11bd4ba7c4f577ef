#pragma once
// Behaviour cloning of the VLA stand-in from demonstrations (or their replays in another domain):
// the "real VLA" is trained on `lab` demos, the "sim twin" on their `sim` replays — same actions,
// different observations (SPEC §1, stage 1).
#include <functional>
#include <span>
#include <vector>

#include "learn/demos.h"
#include "policy/bc_policy.h"

namespace ocres::learn {

struct BcTrainConfig {
  std::vector<int> hidden = {256, 256};
  int steps = 4000;          // gradient steps
  int batch = 256;
  double lr = 1e-3;
  uint64_t seed = 0;
  perception::VlaLocalizationConfig localization;
  // Training-state perturbation of the TCP pose (per sample, sigma ~ U(0, max), then U(-sigma, sigma)
  // per axis); targets are relative to the perturbed pose, so the policy learns to recover.
  double tcp_noise_position_m = 0.01;
  double tcp_noise_rotation_rad = 0.05;
  // Fine-tuning only: refit the output normaliser on the fine-tuning data, rewriting the output layer
  // so that the network's function is unchanged (see fine_tune_bc).
  bool refit_output_normalizer = true;
};

struct BcProgress {
  int step = 0;
  double loss = 0;
};

// Trains on every (demo, step) pair; the object poses of each sample go through a freshly drawn VLA
// localisation error, so the policy learns to act on imprecise poses, as a VLA does.
policy::BcPolicy train_bc(const std::vector<EpisodeRecord>& demos, const policy::BcModelInfo& info,
                          const BcTrainConfig& config, const std::function<void(const BcProgress&)>& on_progress = nullptr);

// Supervised fine-tuning (SPEC §1, stage 4): continues training `init` on `episodes` with the same
// recipe (localisation error, TCP perturbation, cosine learning rate from config.lr), starting from
// init's weights. The input normaliser is kept. The output normaliser is refitted on the new data
// (config.refit_output_normalizer) and the output layer rewritten to compute exactly the same actions:
// the per-output loss weights are 1 / std^2 of the training targets, and a target that never varied in
// the demos (teleoperated demos keep the gripper exactly top-down: roll and pitch std 0, floored to
// 1e-3) would otherwise weigh a residual's 0.02 rad tilts a million times more than everything else.
// config.hidden and config.localization are ignored (init's architecture and localisation are used).
// For a multi-task `init`, episodes_per_task[k] are episodes of init.info().tasks[k].
policy::BcPolicy fine_tune_bc(const policy::BcPolicy& init, const std::vector<EpisodeRecord>& episodes, const BcTrainConfig& config,
                              const std::function<void(const BcProgress&)>& on_progress = nullptr);

// One base for several tasks (bc_features.h: padded slots + task one-hot). `info.tasks` lists the tasks
// in one-hot order; episodes_per_task[k] holds the training episodes of info.tasks[k]. Trained from
// scratch (a single-task base has another input size), normalisers fitted on all tasks' samples.
policy::BcPolicy train_bc_multi_task(const std::vector<std::span<const EpisodeRecord>>& episodes_per_task,
                                     const policy::BcModelInfo& info, const BcTrainConfig& config,
                                     const std::function<void(const BcProgress&)>& on_progress = nullptr);
policy::BcPolicy fine_tune_bc_multi_task(const policy::BcPolicy& init,
                                         const std::vector<std::span<const EpisodeRecord>>& episodes_per_task,
                                         const BcTrainConfig& config,
                                         const std::function<void(const BcProgress&)>& on_progress = nullptr);

}  // namespace ocres::learn
