#pragma once
// A residual file for deployment tests: a small random (or zero-output) actor for `task`'s layout,
// with a normaliser as training fits one (identity-like scale around a typical pose) so the
// normalisation path is exercised.
#include <string>

#include "policy/residual_file.h"

namespace ocres::deploy::testing {

inline void write_test_residual(const std::string& path, const std::string& task, int num_scalars, uint64_t seed,
                                bool zero_output, int num_objects = 1) {
  policy::ResidualModel model;
  model.task = task;
  model.base = "test";
  model.layout.num_objects = num_objects;
  model.layout.num_scalars = num_scalars;
  const int input_dim = model.layout.dim();
  model.actor = policy::Mlp(policy::MlpConfig{.input_dim = input_dim, .hidden = {64, 64}, .output_dim = policy::kResidualDim,
                                              .tanh_output = true, .zero_init_last = zero_output},
                            seed);
  model.obs_norm.mean.assign(input_dim, 0.05f);
  model.obs_norm.inv_std.assign(input_dim, 1.5f);
  policy::save_residual(path, model);
}

}  // namespace ocres::deploy::testing
