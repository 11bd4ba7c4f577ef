#pragma once
// Behaviour cloning of the VLA stand-in from demonstrations (or their replays in another domain):
// the "real VLA" is trained on `lab` demos, the "sim twin" on their `sim` replays — same actions,
// different observations (SPEC §1, stage 1).
#include <functional>
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
};

struct BcProgress {
  int step = 0;
  double loss = 0;
};

// Trains on every (demo, step) pair; the object poses of each sample go through a freshly drawn VLA
// localisation error, so the policy learns to act on imprecise poses, as a VLA does.
policy::BcPolicy train_bc(const std::vector<EpisodeRecord>& demos, const policy::BcModelInfo& info,
                          const BcTrainConfig& config, const std::function<void(const BcProgress&)>& on_progress = nullptr);

}  // namespace ocres::learn
