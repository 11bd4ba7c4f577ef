#pragma once
// A trained residual as shipped: the actor's weights (safetensors) plus what is needed to use it
// safely: task, observation layout (index names), scales, and the base policy it was trained on.
#include <string>

#include "policy/bc_policy.h"
#include "policy/network.h"
#include "policy/residual_action.h"

namespace ocres::policy {

struct ResidualModel {
  Mlp actor;
  std::string task;
  ResidualObsLayout layout;
  ResidualScales scales;
  std::string base;  // file name of the base policy used in training (provenance)
  Normalizer obs_norm;  // applied to the observation before the actor
};

void save_residual(const std::string& path, ResidualModel& model);
// Throws InputError if the file is missing/corrupt or not a residual.
ResidualModel load_residual(const std::string& path);

}  // namespace ocres::policy
