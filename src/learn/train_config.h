#pragma once
// A residual training config file (configs/train/*.yaml, `ocres train --config`): its `algorithm` key
// chooses the learner - `td3` (the default, the paper's) or `held_ppo` - and the rest of the map is that
// learner's config over its defaults.
#include <string>

#include "learn/held_ppo.h"
#include "learn/td3.h"

namespace ocres::learn {

enum class ResidualAlgorithm { kTd3, kHeldPpo };

struct ResidualTrainConfig {
  ResidualAlgorithm algorithm = ResidualAlgorithm::kTd3;
  Td3Config td3;          // used when algorithm == kTd3
  HeldPpoConfig held_ppo;  // used when algorithm == kHeldPpo
};

// The paper's per-task TD3 settings (SPEC §5); everything else is shared.
Td3Config paper_td3_defaults(const std::string& task);

// `path` empty: TD3 with the paper's defaults for `task`. Otherwise the file, over the defaults of its
// algorithm; every error (missing file, unknown algorithm or key, bad value) is an InputError naming it.
ResidualTrainConfig load_residual_train_config(const std::string& path, const std::string& task);

}  // namespace ocres::learn
