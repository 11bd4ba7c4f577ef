#pragma once
// TD3 for the object-centric residual (SPEC §5), on top of a frozen base policy, in simulation.
//
//  * actor: MLP(obs -> 7), LayerNorm + ReLU, tanh output, LAST LAYER ZERO-INITIALISED: training starts
//    exactly at the base policy;
//  * critic ensemble: K MLPs(obs ++ action -> 1); targets use the minimum of the ensemble;
//  * exploration: Gaussian noise (std sigma) clipped to [-1, 1] around the actor's output;
//    target smoothing noise clipped at 0.5; n-step returns; Polyak averaging with tau;
//  * several updates per environment step; critic-only warm-up before actor updates; delayed actor;
//  * an L2 penalty on the residual; gradient-norm clipping; Adam;
//  * a buffer of BASE-policy rollouts (residual = 0) is mixed into every batch (offline fraction);
//  * rewards are the env's dense staged rewards in [0, 1]; terminated vs truncated handled by the
//    n-step accumulator (bootstrap on truncation only).
// Everything random derives from the run seed; env i's j-th training episode has seed
// derive_seed(derive_seed(seed, 0x7A1), i, j) — disjoint from the evaluation seeds, which derive from eval_seed.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "learn/replay_buffer.h"
#include "learn/residual_env.h"
#include "learn/train_metrics.h"
#include "policy/bc_policy.h"
#include "policy/network.h"
#include "policy/optimizer.h"

namespace ocres::learn {

struct Td3Config {
  int num_envs = 4;                  // environments stepped together (on `threads` threads)
  int threads = 1;
  int64_t total_env_steps = 60000;   // summed over envs
  int learning_starts = 2000;        // env steps before the first update
  int critic_warmup_steps = 4000;    // env steps of critic-only updates
  double updates_per_env_step = 0.5;
  int batch = 256;
  double gamma = 0.99;
  int n_step = 3;
  double tau = 0.005;
  double actor_lr = 3e-4, critic_lr = 3e-4;
  std::vector<int> actor_hidden = {256, 256};   // paper: 512 (we choose CPU-sized widths)
  std::vector<int> critic_hidden = {256, 256};  // paper: 1024
  int num_critics = 2;
  double exploration_std = 0.05;
  // Exploration noise is an AR(1) process per env and action component, e_t = rho e_{t-1} +
  // sqrt(1 - rho^2) sigma xi_t, restarted from its stationary law at every episode start. rho = 0 is the
  // paper's white noise; rho near 1 explores consistent offsets, which is what a per-episode
  // localisation error of the base calls for (white noise of a few millimetres averages out within a chunk).
  double exploration_correlation = 0.0;
  double target_noise_std = 0.2, target_noise_clip = 0.5;
  int policy_delay = 2;
  double residual_l2 = 0.01;
  // The actor maximises Q_0 (TD3) or, with actor_uses_min_q, the per-sample minimum over the critic
  // ensemble: pessimism where the critics extrapolate, i.e. away from the actions the data covers.
  bool actor_uses_min_q = false;
  double max_grad_norm = 10.0;
  double offline_fraction = 0.5;     // of every batch, from the base-policy buffer
  int offline_episodes = 40;         // base-policy rollouts collected before training
  int replay_capacity = 300000;
  uint64_t seed = 0;
  // Evaluation on held-out seeds (never used for training).
  int eval_every_env_steps = 10000;
  int eval_episodes = 50;
  uint64_t eval_seed = 1000000;
  ResidualEnvConfig env;
};

// Reads a YAML map over defaults (unknown keys and out-of-range values are errors). The key
// `algorithm`, if present, must be "td3".
Td3Config parse_td3_config(YamlFields fields, Td3Config defaults);

class Td3Trainer {
 public:
  Td3Trainer(const Td3Config& config, ResidualEnvFactory factory);
  ~Td3Trainer();

  // Runs until total_env_steps; calls on_log periodically (and after each evaluation).
  void train(const std::function<void(const TrainMetrics&)>& on_log = nullptr);
  // Success rate (and mean episode length) of the current actor on held-out seeds.
  std::pair<double, double> evaluate(int episodes);

  policy::Mlp& actor() { return *actor_; }
  // Observation normaliser (fitted on the base-policy buffer) the actor's inputs go through.
  const policy::Normalizer& obs_normalizer() const { return obs_norm_; }
  const Td3Config& config() const { return config_; }
  const TrainMetrics& metrics() const { return metrics_; }
  int obs_dim() const { return obs_dim_; }

  // Checkpoint (atomic): networks, optimisers, counters, RNG states, replay buffers.
  void save_checkpoint(const std::string& path);
  void load_checkpoint(const std::string& path);

 private:
  void collect_offline();
  void update_once();
  void act_batch(const std::vector<float>& obs, int n, std::vector<float>& out, bool explore);
  void restart_noise(int env);
  void fit_normalizer();
  policy::Mlp::Mat normalized(const float* obs, int n) const;

  Td3Config config_;
  ResidualEnvFactory factory_;
  int obs_dim_ = 0;
  policy::ResidualObsLayout layout_;
  std::unique_ptr<policy::Mlp> actor_, actor_target_;
  std::vector<std::unique_ptr<policy::Mlp>> critics_, critic_targets_;
  std::unique_ptr<policy::Adam> actor_opt_;
  std::vector<std::unique_ptr<policy::Adam>> critic_opts_;
  std::unique_ptr<ReplayBuffer> online_, offline_;
  Rng rng_;
  policy::Normalizer obs_norm_;
  TrainMetrics metrics_;
  int64_t episode_counter_ = 0;
  std::vector<int64_t> env_episode_index_;
  std::vector<bool> succeeded_;  // per env: the current training episode has reached success
  std::vector<double> explore_noise_;  // per env x action component: the AR(1) exploration state
  ReplayBuffer::Batch batch_;
};

}  // namespace ocres::learn
