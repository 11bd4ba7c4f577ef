#pragma once
// What both residual learners (td3.h, held_ppo.h) report while training, and how they get environments.
#include <cstdint>
#include <functional>
#include <memory>

#include "learn/residual_env.h"

namespace ocres::learn {

struct TrainMetrics {
  int64_t env_steps = 0, updates = 0;
  double env_steps_per_s = 0, updates_per_s = 0;
  double train_success_rate = 0;  // over recently finished training episodes
  double critic_loss = 0, actor_loss = 0, q_mean = 0;
  double eval_success_rate = -1;   // last evaluation (held-out seeds), -1 if none yet
  double eval_mean_length = 0;
  double elapsed_s = 0;
};

// Makes the i-th environment (same task and domain for every i) with its base policy.
using ResidualEnvFactory = std::function<std::unique_ptr<ResidualTrainingEnv>(int index, bool for_eval)>;

}  // namespace ocres::learn
