#pragma once
// A base policy that replays a recorded action sequence in chunks (teleoperation replay, tests).
// Past the end it holds the last action.
#include <algorithm>
#include <vector>

#include "core/policy_interface.h"

namespace ocres::policy {

class ReplayBasePolicy : public BasePolicy {
 public:
  explicit ReplayBasePolicy(std::vector<Action> actions, int chunk_size = 16)
      : actions_(std::move(actions)), chunk_size_(chunk_size) {}
  int chunk_size() const override { return chunk_size_; }
  void reset(Rng&) override { t_ = 0; }
  void predict_chunk(const Observation&, std::span<Action> chunk) override {
    for (int i = 0; i < chunk_size_; ++i) {
      const size_t k = std::min(static_cast<size_t>(t_ + i), actions_.size() - 1);
      chunk[i] = actions_[k];
    }
    t_ += chunk_size_;
  }

 private:
  std::vector<Action> actions_;
  int chunk_size_;
  int t_ = 0;
};

}  // namespace ocres::policy
