#pragma once
// The residual's view of one environment: the frozen base policy runs in chunks, the residual observes
// [proprioception, object poses, current base action], and its output is composed onto the base action
// and safety-clamped before the env executes it (SPEC §5-6). Training rollouts corrupt the object poses
// (noise + dropout); evaluation does not.
#include <memory>
#include <vector>

#include "core/policy_interface.h"
#include "perception/estimator_model.h"
#include "perception/pose_corruption.h"
#include "perception/pose_gate.h"
#include "policy/residual_action.h"
#include "sim/env.h"

namespace ocres::learn {

struct ResidualEnvConfig {
  policy::ResidualScales scales;
  policy::SafetyLimits safety;
  bool corrupt_poses = true;  // training rollouts: true; evaluation: false
  perception::PoseCorruptionConfig corruption;
  // In `lab` the residual never sees ground truth: poses come from the estimator model through the
  // deployment gate (a failed gate zeroes the pose vector, exactly as on the robot).
  bool use_estimator = false;
  perception::EstimatorModelConfig estimator;
  perception::PoseGateConfig gate;
  // Extra per-step probability that the pose is withheld (zeroed, as after a failed gate) on top of
  // whatever the source above gives: a perception-degradation knob for `ocres sweep`. 0 (default): no
  // extra draws at all, so every other stream is unchanged. Drawn from its own stream (episode seed,
  // stream 105) so the estimator's draws are the same for every value.
  double extra_dropout_probability = 0;
};

// What the TD3 trainer needs from an environment: the residual's observation and action, episodes by
// seed, and the time limit. ResidualEnv (simulation + frozen base) is the product's; tests also train
// on small problems with known solutions through this interface.
class ResidualTrainingEnv {
 public:
  virtual ~ResidualTrainingEnv() = default;
  // Starts an episode; fills `obs` (size obs_dim()) with the residual observation.
  virtual void reset(uint64_t seed, float* obs) = 0;
  // Applies residual `delta` (kResidualDim values in [-1, 1]); fills `next_obs` and the executed
  // residual (after clamping, normalised units) in `executed_delta`.
  virtual sim::StepResult step(const float* delta, float* next_obs, float* executed_delta) = 0;
  // The episode has reached its time limit (the trainer bootstraps through it).
  virtual bool time_up() const = 0;
  virtual const policy::ResidualObsLayout& layout() const = 0;
  int obs_dim() const { return layout().dim(); }
};

class ResidualEnv : public ResidualTrainingEnv {
 public:
  ResidualEnv(std::unique_ptr<sim::Env> env, std::unique_ptr<BasePolicy> base, const ResidualEnvConfig& config);

  void reset(uint64_t seed, float* obs) override;
  sim::StepResult step(const float* delta, float* next_obs, float* executed_delta) override;
  bool time_up() const override { return env_->t() >= env_->horizon(); }

  const policy::ResidualObsLayout& layout() const override { return layout_; }
  sim::Env& env() { return *env_; }
  const Action& base_action() const { return base_action_; }
  // Gate result of the last observation (kOk when ground truth or corrupted truth is used).
  perception::GateStatus last_gate_status() const { return gate_status_; }

 private:
  void advance_base();
  void build_obs(float* out);

  std::unique_ptr<sim::Env> env_;
  std::unique_ptr<BasePolicy> base_;
  ChunkExecutor executor_;
  ResidualEnvConfig config_;
  policy::ResidualObsLayout layout_;
  Rng rng_;  // pose corruption / estimator draws
  Rng dropout_rng_;  // extra_dropout_probability draws
  perception::EstimatorModel estimator_;
  perception::PoseGate gate_;
  perception::GateStatus gate_status_ = perception::GateStatus::kOk;
  Action base_action_, last_command_;
};

}  // namespace ocres::learn
