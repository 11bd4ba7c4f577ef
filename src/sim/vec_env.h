#pragma once
// A batch of Envs stepped on a thread pool. Each env owns its state and RNG, and each call touches only
// env i from index i, so results are identical for any thread count.
#include <memory>
#include <vector>

#include "core/parallel.h"
#include "sim/env.h"

namespace ocres::sim {

class VecEnv {
 public:
  VecEnv(std::vector<std::unique_ptr<Env>> envs, int num_threads);

  int size() const { return static_cast<int>(envs_.size()); }
  Env& env(int i) { return *envs_[i]; }
  // Resets env i with episode seed seeds[i].
  void reset(const std::vector<uint64_t>& seeds);
  // Steps every env i with actions[i] (envs with active[i] == false are skipped).
  void step(const std::vector<Action>& actions, std::vector<StepResult>& results,
            const std::vector<bool>* active = nullptr);
  // Runs fn(i) for every env on the pool (e.g. policy inference + step per env).
  void for_each(const std::function<void(int)>& fn) { pool_.parallel_for(size(), fn); }

 private:
  std::vector<std::unique_ptr<Env>> envs_;
  ThreadPool pool_;
};

}  // namespace ocres::sim
