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

struct BcModelInfo {
  std::string task;
  std::string domain;       // domain of the observations it was trained on ("lab": real VLA; "sim": twin)
  int num_objects = 1, num_scalars = 0, horizon = 300;
  perception::VlaLocalizationConfig localization;
};

class BcPolicy : public BasePolicy {
 public:
  BcPolicy(Mlp net, Normalizer in, Normalizer out, BcModelInfo info);
  int chunk_size() const override { return kBcChunk; }
  void reset(Rng& rng) override;
  void predict_chunk(const Observation& obs, std::span<Action> chunk) override;

  const BcModelInfo& info() const { return info_; }
  Mlp& net() { return net_; }
  const Normalizer& input_normalizer() const { return in_; }
  const Normalizer& output_normalizer() const { return out_; }

  void save(const std::string& path);
  // Throws InputError for a missing/corrupt file or one that is not a BC base policy.
  static BcPolicy load(const std::string& path);

 private:
  Mlp net_;
  Normalizer in_, out_;
  BcModelInfo info_;
  perception::VlaLocalization localization_;
  Rng rng_;
  std::vector<float> input_, output_;
};

}  // namespace ocres::policy
