#pragma once
// Policy gradients over HELD residual decisions (PPO-clip), the residual learner for tasks whose
// correction is only worth something when held for a chunk (docs/residual_learning.md).
//
// Why not TD3 there: from our grasp-and-place bases the x/y grasp correction is worth ~0 in return
// when applied for one step and +0.3-0.75 when held for a 16-step chunk (`ocres correction-value`),
// and critics of Q(s, a) - per step or per held decision - stay blind to its direction. A likelihood-
// ratio gradient needs no critic of the action: each sampled decision carries its measured return.
//
//  * the residual decides every `hold_steps` steps (aligned with the base's action chunks when they
//    are equal): a = mu(s) + exploration_std * xi on the first `action_dims` components (x, y by
//    default), zero on the others, held until the next decision;
//  * a decision's reward is its steps' rewards discounted per step (gamma), TRAINING semantics as TD3
//    (success does not end an episode; only failures are terminal; the time limit bootstraps) unless
//    `success_ends_episode`: then a success is terminal and pays at once what it would have paid on
//    (1 per step, discounted: 1 / (1 - gamma)), and `train_horizon_steps` can cut the training episodes
//    short of the task's horizon (a time limit, bootstrapped) — both only save simulation: Stack's base
//    succeeds within 143-260 of its 500 steps, and in training semantics every episode runs all 500;
//  * a value net V(s) over all features, GAE(lambda) over decisions, advantages normalised per
//    iteration, the clipped surrogate, `epochs` passes of minibatches per iteration;
//  * actor: MLP, LayerNorm + ReLU, tanh output, LAST LAYER ZERO-INITIALISED (training starts exactly
//    at the base), an L2 pull of mu towards 0; with relative_inputs it sees only the object-relative
//    features, gripper state and heights (relative_feature_mask), which is what a localisation
//    correction should depend on - with all features it fits absolute positions and does not gain.
// The saved residual is an ordinary per-step residual (policy/residual_file.h): at deployment it is
// queried every step, and the input mask is part of its normaliser (a masked feature's inv_std is 0).
//
// Determinism and resumption: iteration i's training episode e has seed
// derive_seed(derive_seed(seed, 0x7A1), i, e) and its own exploration stream; minibatch order derives
// from (seed, i). The trainer's whole state is the networks, both Adam states, the normalisers and
// the counters - a checkpoint after any iteration resumes to exactly the same run, on any number of
// threads.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "learn/residual_env.h"
#include "learn/train_metrics.h"
#include "policy/bc_policy.h"
#include "policy/network.h"
#include "policy/optimizer.h"

namespace ocres::learn {

struct HeldPpoConfig {
  int threads = 1;
  int64_t total_env_steps = 8000000;  // summed over episodes; whole iterations are run
  int episodes_per_iteration = 128;
  int hold_steps = 16;               // steps a decision is held (the base's chunk length)
  int action_dims = 2;               // learnt residual components: the first N of (x, y, z, rx, ry, rz, grip)
  double exploration_std = 0.4;      // of a decision, in normalised residual units
  double gamma = 0.97;               // per step
  double gae_lambda = 0.95;          // per decision
  double clip = 0.2;
  int epochs = 6;
  int minibatch = 256;
  double actor_lr = 3e-4, value_lr = 1e-3;
  double actor_max_grad_norm = 0.5, value_max_grad_norm = 1.0;
  std::vector<int> actor_hidden = {64, 64};
  std::vector<int> value_hidden = {64, 64};
  double residual_l2 = 0.5;          // gradient of 0.5 * l2 * |mu|^2 per decision
  bool relative_inputs = true;
  // With relative_inputs, the actor also sees each object's orientation quaternion: where a tipped cup
  // is grasped depends on its yaw, which no position offset carries.
  bool object_orientation_inputs = false;
  bool success_ends_episode = false;  // training episodes end at a success, paying 1 / (1 - gamma)
  int train_horizon_steps = 0;        // > 0: training episodes end (bootstrapped) after this many steps
  uint64_t seed = 0;
  // Evaluation on held-out seeds (never used for training), querying the residual every step as
  // deployment does.
  int eval_every_iterations = 10;
  int eval_episodes = 50;
  uint64_t eval_seed = 1000000;
  ResidualEnvConfig env;
};

// Reads a YAML map over defaults (unknown keys and out-of-range values are errors). The key
// `algorithm`, if present, must be "held_ppo".
HeldPpoConfig parse_held_ppo_config(YamlFields fields, HeldPpoConfig defaults);

// 1 for the features a relative-input actor sees (gripper state, base gripper command, pose validity,
// object-minus-TCP and object-minus-base-action offsets, and the heights tcp/obj/base .pz; with
// object_orientations also every object's quaternion), else 0.
std::vector<float> relative_feature_mask(const policy::ResidualObsLayout& layout, bool object_orientations = false);

class HeldPpoTrainer {
 public:
  HeldPpoTrainer(const HeldPpoConfig& config, ResidualEnvFactory factory);

  // Runs whole iterations until total_env_steps; calls on_log after every iteration (its evaluation,
  // if any, done). Metrics: critic_loss is the value loss, actor_loss the clipped surrogate (to be
  // minimised), q_mean the mean value estimate, updates the gradient steps.
  void train(const std::function<void(const TrainMetrics&)>& on_log = nullptr);
  // Success rate and mean episode length of mu(s), queried every step, on held-out seeds.
  std::pair<double, double> evaluate(int episodes);

  policy::Mlp& actor() { return actor_; }
  // The actor's input normaliser, input mask included (empty before the first iteration).
  const policy::Normalizer& obs_normalizer() const { return actor_norm_; }
  const HeldPpoConfig& config() const { return config_; }
  const TrainMetrics& metrics() const { return metrics_; }
  int iteration() const { return iteration_; }
  int obs_dim() const { return layout_.dim(); }

  // Checkpoint (atomic): networks, optimisers, normalisers, counters.
  void save_checkpoint(const std::string& path);
  void load_checkpoint(const std::string& path);

 private:
  struct Decision;
  struct Episode;
  void rollouts(std::vector<Episode>& episodes);
  // At least `workers` training or evaluation environments (made by the factory on first use).
  std::vector<std::unique_ptr<ResidualTrainingEnv>>& envs(int workers, bool for_eval);
  void fit_normalizers(const std::vector<Episode>& episodes);
  void update(const std::vector<Episode>& episodes);
  // mu(s) of one raw observation into out[0, kResidualDim) (zero before the normaliser exists).
  void mean_action(policy::Mlp& actor, const float* obs, float* normalized, float* out) const;

  HeldPpoConfig config_;
  ResidualEnvFactory factory_;
  std::vector<std::unique_ptr<ResidualTrainingEnv>> train_envs_, eval_envs_;  // one per worker, made on first use
  policy::ResidualObsLayout layout_;
  std::vector<float> input_mask_;
  policy::Mlp actor_, value_;
  policy::Adam actor_opt_, value_opt_;
  policy::Normalizer value_norm_, actor_norm_;
  TrainMetrics metrics_;
  int iteration_ = 0;
};

}  // namespace ocres::learn
