#include "sim/vec_env.h"

#include "core/error.h"

namespace ocres::sim {

VecEnv::VecEnv(std::vector<std::unique_ptr<Env>> envs, int num_threads)
    : envs_(std::move(envs)), pool_(num_threads) {}

void VecEnv::reset(const std::vector<uint64_t>& seeds) {
  OCRES_CHECK(seeds.size() == envs_.size(), "one seed per env");
  pool_.parallel_for(size(), [&](int i) { envs_[i]->reset(seeds[i]); });
}

void VecEnv::step(const std::vector<Action>& actions, std::vector<StepResult>& results,
                  const std::vector<bool>* active) {
  OCRES_CHECK(actions.size() == envs_.size(), "one action per env");
  results.resize(envs_.size());
  pool_.parallel_for(size(), [&](int i) {
    if (active && !(*active)[i]) return;
    results[i] = envs_[i]->step(actions[i]);
  });
}

}  // namespace ocres::sim
