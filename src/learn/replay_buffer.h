#pragma once
// Replay for the off-policy residual learner.
//
// Each stored transition is an n-step transition (s_t, a_t, R, s_{t+k}, discount) with
//   R = sum_{i<k} gamma^i r_{t+i},   discount = gamma^k if the episode goes on (or was TRUNCATED by the
//   time limit: we bootstrap from s_{t+k}), 0 if it TERMINATED within the k steps.
// The action stored is the executed residual in normalised units (what the actor outputs, after
// clamping), i.e. the executed combined action expressed relative to the base action that is part of s.
//
// NStepAccumulator turns a per-env stream of 1-step transitions into n-step ones; ReplayBuffer is a
// fixed-capacity ring (bounded memory) with uniform sampling.
#include <cstdint>
#include <deque>
#include <vector>

#include "core/rng.h"

namespace ocres::learn {

struct Transition {
  std::vector<float> obs, action, next_obs;
  float reward = 0;      // n-step discounted reward sum
  float discount = 0;    // gamma^k, or 0 after termination
};

class ReplayBuffer {
 public:
  ReplayBuffer(int capacity, int obs_dim, int action_dim);

  void add(const float* obs, const float* action, float reward, const float* next_obs, float discount);
  int size() const { return size_; }
  int capacity() const { return capacity_; }
  int obs_dim() const { return obs_dim_; }
  int action_dim() const { return action_dim_; }
  // Total transitions ever added (for resumable training).
  int64_t total_added() const { return total_added_; }

  // Column-major batches (one sample per column) for the MLPs; `count` samples into the columns
  // [offset, offset + count) of the output matrices, which must have batch columns.
  struct Batch {
    std::vector<float> obs, action, next_obs, reward, discount;  // obs: obs_dim x batch, column-major
    int size = 0;
    void resize(int obs_dim, int action_dim, int batch);
  };
  void sample(Rng& rng, int count, int offset, Batch& out) const;

  // Raw storage access (checkpointing).
  const std::vector<float>& storage() const { return data_; }
  void restore(const std::vector<float>& data, int size, int next, int64_t total_added);
  int next_index() const { return next_; }

 private:
  int stride() const { return 2 * obs_dim_ + action_dim_ + 2; }
  int capacity_, obs_dim_, action_dim_;
  std::vector<float> data_;  // row per transition: obs | action | next_obs | reward | discount
  int size_ = 0, next_ = 0;
  int64_t total_added_ = 0;
};

class NStepAccumulator {
 public:
  NStepAccumulator(int n, double gamma) : n_(n), gamma_(gamma) {}
  // Adds the 1-step transition (s, a, r, s'); `terminated` ends without bootstrap, `truncated` ends with
  // bootstrap. Emits completed n-step transitions into `out`.
  void add(const std::vector<float>& obs, const std::vector<float>& action, float reward,
           const std::vector<float>& next_obs, bool terminated, bool truncated, ReplayBuffer& out);
  void clear() { pending_.clear(); }

 private:
  void emit_front(ReplayBuffer& out, bool terminated);
  struct Step {
    std::vector<float> obs, action, next_obs;
    float reward;
  };
  int n_;
  double gamma_;
  std::deque<Step> pending_;
};

}  // namespace ocres::learn
