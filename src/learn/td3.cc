#include "learn/td3.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <deque>
#include <sstream>

#include "core/parallel.h"
#include "io/safetensors.h"
#include "policy/network_io.h"

namespace ocres::learn {

using policy::kResidualDim;
using policy::Mlp;
using Mat = Mlp::Mat;

Td3Config parse_td3_config(YamlFields f, Td3Config c) {
  std::string algorithm = "td3";
  f.get("algorithm", algorithm);
  if (algorithm != "td3") throw InputError(f.context() + ": algorithm '" + algorithm + "' is not td3");
  f.get_in_range("num_envs", c.num_envs, 1, 1024);
  f.get_in_range("threads", c.threads, 1, 256);
  f.get_in_range("total_env_steps", c.total_env_steps, 1, 1e10);
  f.get_in_range("learning_starts", c.learning_starts, 0, 100000000);
  f.get_in_range("critic_warmup_steps", c.critic_warmup_steps, 0, 100000000);
  f.get_in_range("updates_per_env_step", c.updates_per_env_step, 0.0, 100.0);
  f.get_in_range("batch", c.batch, 1, 65536);
  f.get_in_range("gamma", c.gamma, 0.0, 1.0);
  f.get_in_range("n_step", c.n_step, 1, 100);
  f.get_in_range("tau", c.tau, 0.0, 1.0);
  f.get_in_range("actor_lr", c.actor_lr, 0.0, 1.0);
  f.get_in_range("critic_lr", c.critic_lr, 0.0, 1.0);
  f.get_int_list("actor_hidden", c.actor_hidden, 1, 8192);
  f.get_int_list("critic_hidden", c.critic_hidden, 1, 8192);
  f.get_in_range("num_critics", c.num_critics, 1, 16);
  f.get_in_range("exploration_std", c.exploration_std, 0.0, 2.0);
  f.get_in_range("exploration_correlation", c.exploration_correlation, 0.0, 0.999);
  f.get_in_range("target_noise_std", c.target_noise_std, 0.0, 2.0);
  f.get_in_range("target_noise_clip", c.target_noise_clip, 0.0, 2.0);
  f.get_in_range("policy_delay", c.policy_delay, 1, 100);
  f.get_in_range("residual_l2", c.residual_l2, 0.0, 100.0);
  f.get("actor_uses_min_q", c.actor_uses_min_q);
  f.get_in_range("max_grad_norm", c.max_grad_norm, 0.0, 1e6);
  f.get_in_range("offline_fraction", c.offline_fraction, 0.0, 1.0);
  f.get_in_range("offline_episodes", c.offline_episodes, 0, 100000);
  f.get_in_range("replay_capacity", c.replay_capacity, 1000, 100000000);
  f.get_in_range("seed", c.seed, 0, 1e15);
  f.get_in_range("eval_every_env_steps", c.eval_every_env_steps, 0, 100000000);
  f.get_in_range("eval_episodes", c.eval_episodes, 0, 100000);
  {
    YamlFields pf = f.child("pose_corruption");
    c.env.corruption = perception::parse_pose_corruption(pf);
  }
  f.finish();
  return c;
}

Td3Trainer::Td3Trainer(const Td3Config& config, ResidualEnvFactory factory)
    : config_(config), factory_(std::move(factory)), rng_(config.seed, 0x7D3) {
  {
    const auto probe = factory_(0, false);
    obs_dim_ = probe->obs_dim();
    layout_ = probe->layout();
  }
  policy::MlpConfig ac{obs_dim_, config_.actor_hidden, kResidualDim, true, true, true};
  actor_ = std::make_unique<Mlp>(ac, derive_seed(config_.seed, 1));
  actor_target_ = std::make_unique<Mlp>(*actor_);
  policy::MlpConfig cc{obs_dim_ + kResidualDim, config_.critic_hidden, 1, true, false, false};
  for (int k = 0; k < config_.num_critics; ++k) {
    critics_.push_back(std::make_unique<Mlp>(cc, derive_seed(config_.seed, 2, k)));
    critic_targets_.push_back(std::make_unique<Mlp>(*critics_.back()));
    critic_opts_.push_back(std::make_unique<policy::Adam>(*critics_.back(), policy::AdamConfig{config_.critic_lr, 0.9, 0.999, 1e-8, 0, config_.max_grad_norm}));
  }
  actor_opt_ = std::make_unique<policy::Adam>(*actor_, policy::AdamConfig{config_.actor_lr, 0.9, 0.999, 1e-8, 0, config_.max_grad_norm});
  online_ = std::make_unique<ReplayBuffer>(config_.replay_capacity, obs_dim_, kResidualDim);
  offline_ = std::make_unique<ReplayBuffer>(std::max(1000, config_.offline_episodes * 500), obs_dim_, kResidualDim);
  batch_.resize(obs_dim_, kResidualDim, config_.batch);
}

Td3Trainer::~Td3Trainer() = default;

// Inputs of the actor and critics are normalised per feature: the corrections that matter are
// centimetre differences between object, TCP and base-action positions of about 0.5 m.
void Td3Trainer::fit_normalizer() {
  if (!obs_norm_.empty()) return;
  const ReplayBuffer& b = offline_->size() > 0 ? *offline_ : *online_;
  std::vector<float> rows;
  const int stride = 2 * obs_dim_ + kResidualDim + 2;
  for (int i = 0; i < b.size(); ++i) {
    const float* row = b.storage().data() + static_cast<size_t>(i) * stride;
    rows.insert(rows.end(), row, row + obs_dim_);
  }
  policy::fit_residual_normalizer(layout_, rows, /*min_std=*/0.02, obs_norm_.mean, obs_norm_.inv_std);
}

Mat Td3Trainer::normalized(const float* obs, int n) const {
  Mat s(obs_dim_, n);
  for (int c = 0; c < n; ++c)
    policy::normalize_residual_obs(layout_, obs_norm_.mean, obs_norm_.inv_std, obs + static_cast<size_t>(c) * obs_dim_, s.col(c).data());
  return s;
}

void Td3Trainer::act_batch(const std::vector<float>& obs, int n, std::vector<float>& out, bool explore) {
  const Mat s = normalized(obs.data(), n);
  const Mat& a = actor_->forward(s);
  out.resize(static_cast<size_t>(kResidualDim) * n);
  const double rho = config_.exploration_correlation, innovation = std::sqrt(1.0 - rho * rho);
  for (int i = 0; i < kResidualDim * n; ++i) {
    double v = a.data()[i];
    if (explore) {
      double& e = explore_noise_[i];
      e = rho * e + innovation * config_.exploration_std * rng_.normal();
      v += e;
    }
    out[i] = static_cast<float>(std::clamp(v, -1.0, 1.0));
  }
}

void Td3Trainer::restart_noise(int env) {
  for (int k = 0; k < kResidualDim; ++k) explore_noise_[static_cast<size_t>(env) * kResidualDim + k] = config_.exploration_std * rng_.normal();
}

void Td3Trainer::collect_offline() {
  if (config_.offline_episodes <= 0 || offline_->size() > 0) return;
  const int workers = std::max(1, std::min(config_.threads, config_.num_envs));
  std::vector<std::unique_ptr<ResidualTrainingEnv>> envs;
  for (int w = 0; w < workers; ++w) envs.push_back(factory_(w, false));
  // Each worker records whole episodes into its own list; they are added in episode order afterwards,
  // so the buffer does not depend on scheduling.
  std::vector<std::vector<std::array<std::vector<float>, 3>>> per_episode(config_.offline_episodes);
  std::vector<std::vector<std::array<float, 3>>> flags(config_.offline_episodes);
  std::atomic<int> next{0};
  ThreadPool pool(workers);
  pool.parallel_for(workers, [&](int w) {
    ResidualTrainingEnv& env = *envs[w];
    std::vector<float> obs(obs_dim_), next_obs(obs_dim_), executed(kResidualDim);
    const float zero[kResidualDim] = {0, 0, 0, 0, 0, 0, 0};
    for (int e = next++; e < config_.offline_episodes; e = next++) {
      env.reset(derive_seed(config_.seed, 0x0FF, e), obs.data());
      while (true) {
        const sim::StepResult r = env.step(zero, next_obs.data(), executed.data());
        const bool failed = r.terminated && !r.success;  // success is not terminal in training (see train())
        const bool time_up = env.time_up();
        per_episode[e].push_back({obs, executed, next_obs});
        flags[e].push_back({static_cast<float>(r.reward), failed ? 1.0f : 0.0f, !failed && time_up ? 1.0f : 0.0f});
        obs = next_obs;
        if (failed || time_up) break;
      }
    }
  });
  for (int e = 0; e < config_.offline_episodes; ++e) {
    NStepAccumulator acc(config_.n_step, config_.gamma);
    for (size_t t = 0; t < per_episode[e].size(); ++t) {
      const auto& tr = per_episode[e][t];
      acc.add(tr[0], tr[1], flags[e][t][0], tr[2], flags[e][t][1] > 0, flags[e][t][2] > 0, *offline_);
    }
  }
}

void Td3Trainer::update_once() {
  const int B = config_.batch;
  const int n_off = offline_->size() > 0 ? static_cast<int>(std::lround(B * config_.offline_fraction)) : 0;
  online_->sample(rng_, B - n_off, 0, batch_);
  if (n_off > 0) offline_->sample(rng_, n_off, B - n_off, batch_);
  const Mat s = normalized(batch_.obs.data(), B), s2 = normalized(batch_.next_obs.data(), B);
  const Eigen::Map<const Mat> a(batch_.action.data(), kResidualDim, B);
  // Targets: r + discount * min_k Q'_k(s', clip(pi'(s') + clipped noise)).
  Mat a2 = actor_target_->forward(s2);
  for (int i = 0; i < a2.size(); ++i) {
    const double noise = std::clamp(config_.target_noise_std * rng_.normal(), -config_.target_noise_clip, config_.target_noise_clip);
    a2.data()[i] = static_cast<float>(std::clamp(a2.data()[i] + noise, -1.0, 1.0));
  }
  Mat in2(obs_dim_ + kResidualDim, B);
  in2.topRows(obs_dim_) = s2;
  in2.bottomRows(kResidualDim) = a2;
  Mat q_min = critic_targets_[0]->forward(in2);
  for (size_t k = 1; k < critic_targets_.size(); ++k) q_min = q_min.cwiseMin(critic_targets_[k]->forward(in2));
  Mat y(1, B);
  for (int c = 0; c < B; ++c) y(0, c) = batch_.reward[c] + batch_.discount[c] * q_min(0, c);
  Mat in(obs_dim_ + kResidualDim, B);
  in.topRows(obs_dim_) = s;
  in.bottomRows(kResidualDim) = a;
  double closs = 0, qmean = 0;
  for (size_t k = 0; k < critics_.size(); ++k) {
    critics_[k]->zero_grad();
    const Mat err = critics_[k]->forward(in) - y;
    if (k == 0) qmean = (err + y).mean();
    closs += err.squaredNorm() / B;
    critics_[k]->backward(err * (2.0f / B));
    critic_opts_[k]->step(*critics_[k]);
    critic_targets_[k]->soft_update(*critics_[k], static_cast<float>(config_.tau));
  }
  metrics_.critic_loss = closs / critics_.size();
  metrics_.q_mean = qmean;
  ++metrics_.updates;
  // Delayed actor update, after the critic-only warm-up: maximise Q_0(s, pi(s)) - l2 |pi(s)|^2.
  if (metrics_.env_steps >= config_.critic_warmup_steps && metrics_.updates % config_.policy_delay == 0) {
    actor_->zero_grad();
    const Mat pa = actor_->forward(s);
    Mat ina(obs_dim_ + kResidualDim, B);
    ina.topRows(obs_dim_) = s;
    ina.bottomRows(kResidualDim) = pa;
    Mat q, g_act = Mat::Zero(kResidualDim, B);
    if (!config_.actor_uses_min_q) {
      q = critics_[0]->forward(ina);
      g_act = critics_[0]->backward(Mat::Constant(1, B, -1.0f / B)).bottomRows(kResidualDim);
      critics_[0]->zero_grad();  // the actor step must not leave gradients in the critic
    } else {
      // Each sample's gradient comes from the critic that is lowest there.
      std::vector<Mat> qs;
      for (auto& c : critics_) qs.push_back(c->forward(ina));
      q = qs[0];
      std::vector<int> arg(B, 0);
      for (int c = 0; c < B; ++c)
        for (size_t k = 1; k < qs.size(); ++k)
          if (qs[k](0, c) < q(0, c)) q(0, c) = qs[k](0, c), arg[c] = static_cast<int>(k);
      for (size_t k = 0; k < critics_.size(); ++k) {  // each critic still holds its activations for `ina`
        Mat g_out = Mat::Zero(1, B);
        for (int c = 0; c < B; ++c)
          if (arg[c] == static_cast<int>(k)) g_out(0, c) = -1.0f / B;
        g_act += critics_[k]->backward(g_out).bottomRows(kResidualDim);
        critics_[k]->zero_grad();
      }
    }
    const Mat g_a = g_act + pa * static_cast<float>(2.0 * config_.residual_l2 / B);
    actor_->backward(g_a);
    actor_opt_->step(*actor_);
    actor_target_->soft_update(*actor_, static_cast<float>(config_.tau));
    metrics_.actor_loss = -q.mean() + config_.residual_l2 * pa.squaredNorm() / B;
  }
}

std::pair<double, double> Td3Trainer::evaluate(int episodes) {
  collect_offline();  // both idempotent: the normaliser must exist before the actor sees an observation
  fit_normalizer();
  const int workers = std::max(1, std::min(config_.threads, episodes));
  std::vector<std::unique_ptr<ResidualTrainingEnv>> envs;
  std::vector<Mlp> actors;
  for (int w = 0; w < workers; ++w) {
    envs.push_back(factory_(w, true));
    actors.push_back(*actor_);  // forward_one uses per-network workspaces: one copy per thread
  }
  std::vector<int> success(episodes, 0), length(episodes, 0);
  std::atomic<int> next{0};
  ThreadPool pool(workers);
  pool.parallel_for(workers, [&](int w) {
    std::vector<float> obs(obs_dim_), next_obs(obs_dim_), executed(kResidualDim), delta(kResidualDim);
    for (int e = next++; e < episodes; e = next++) {
      envs[w]->reset(episode_seed(config_.eval_seed, e), obs.data());
      std::vector<float> obs_n(obs_dim_);
      while (true) {
        policy::normalize_residual_obs(layout_, obs_norm_.mean, obs_norm_.inv_std, obs.data(), obs_n.data());
        actors[w].forward_one(obs_n.data(), delta.data());
        const sim::StepResult r = envs[w]->step(delta.data(), next_obs.data(), executed.data());
        ++length[e];
        obs.swap(next_obs);
        if (r.terminated || r.truncated) {
          success[e] = r.success;
          break;
        }
      }
    }
  });
  double s = 0, len = 0;
  for (int e = 0; e < episodes; ++e) {
    s += success[e];
    len += length[e];
  }
  return {s / episodes, len / episodes};
}

void Td3Trainer::train(const std::function<void(const TrainMetrics&)>& on_log) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  const double elapsed_before = metrics_.elapsed_s;
  collect_offline();
  fit_normalizer();
  const int N = config_.num_envs;
  std::vector<std::unique_ptr<ResidualTrainingEnv>> envs;
  for (int i = 0; i < N; ++i) envs.push_back(factory_(i, false));
  env_episode_index_.resize(N, 0);
  succeeded_.assign(N, false);
  std::vector<NStepAccumulator> acc(N, NStepAccumulator(config_.n_step, config_.gamma));
  std::vector<float> obs(static_cast<size_t>(obs_dim_) * N), next_obs(obs.size()), act, executed(kResidualDim * N);
  std::vector<sim::StepResult> results(N);
  explore_noise_.assign(static_cast<size_t>(N) * kResidualDim, 0.0);
  for (int i = 0; i < N; ++i) {
    envs[i]->reset(derive_seed(derive_seed(config_.seed, 0x7A1), i, env_episode_index_[i]), obs.data() + static_cast<size_t>(i) * obs_dim_);
    restart_noise(i);
  }
  ThreadPool pool(config_.threads);
  std::deque<int> recent;  // success of recent training episodes
  double update_credit = 0;
  int64_t next_log = metrics_.env_steps + 2000;
  int64_t next_eval = config_.eval_every_env_steps > 0 ? metrics_.env_steps + config_.eval_every_env_steps : INT64_MAX;
  int64_t steps_at_start = metrics_.env_steps, updates_at_start = metrics_.updates;
  while (metrics_.env_steps < config_.total_env_steps) {
    act_batch(obs, N, act, /*explore=*/true);
    pool.parallel_for(N, [&](int i) {
      results[i] = envs[i]->step(act.data() + kResidualDim * i, next_obs.data() + static_cast<size_t>(i) * obs_dim_,
                                 executed.data() + kResidualDim * i);
    });
    for (int i = 0; i < N; ++i) {
      float* o = obs.data() + static_cast<size_t>(i) * obs_dim_;
      const float* o2 = next_obs.data() + static_cast<size_t>(i) * obs_dim_;
      const sim::StepResult& r = results[i];
      // Success does not end a TRAINING episode: with dense rewards in [0, 1], a terminal success would
      // be worth less than lingering just short of it. The episode goes on (success states earn the
      // maximal reward) until the time limit; only failures are terminal. Evaluation stops at success.
      const bool failed = r.terminated && !r.success;
      // The time limit, whether or not the task is in its success state at that moment (Env reports
      // `truncated` only when not terminated).
      const bool time_up = !failed && envs[i]->time_up();
      succeeded_[i] = succeeded_[i] || r.success;
      acc[i].add(std::vector<float>(o, o + obs_dim_), std::vector<float>(executed.data() + kResidualDim * i, executed.data() + kResidualDim * (i + 1)),
                 static_cast<float>(r.reward), std::vector<float>(o2, o2 + obs_dim_), failed, time_up, *online_);
      if (failed || time_up) {
        recent.push_back(succeeded_[i]);
        succeeded_[i] = false;
        if (recent.size() > 50) recent.pop_front();
        ++episode_counter_;
        envs[i]->reset(derive_seed(derive_seed(config_.seed, 0x7A1), i, ++env_episode_index_[i]), o);
        restart_noise(i);
      } else {
        std::copy(o2, o2 + obs_dim_, o);
      }
    }
    metrics_.env_steps += N;
    if (metrics_.env_steps >= config_.learning_starts && online_->size() >= config_.batch) {
      update_credit += N * config_.updates_per_env_step;
      while (update_credit >= 1.0) {
        update_once();
        update_credit -= 1.0;
      }
    }
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    metrics_.elapsed_s = elapsed_before + secs;
    metrics_.env_steps_per_s = (metrics_.env_steps - steps_at_start) / std::max(secs, 1e-9);
    metrics_.updates_per_s = (metrics_.updates - updates_at_start) / std::max(secs, 1e-9);
    if (!recent.empty()) {
      double s = 0;
      for (int v : recent) s += v;
      metrics_.train_success_rate = s / recent.size();
    }
    const bool eval_now = metrics_.env_steps >= next_eval || metrics_.env_steps >= config_.total_env_steps;
    if (eval_now && config_.eval_episodes > 0) {
      auto [sr, len] = evaluate(config_.eval_episodes);
      metrics_.eval_success_rate = sr;
      metrics_.eval_mean_length = len;
      next_eval += config_.eval_every_env_steps;
    }
    if (on_log && (metrics_.env_steps >= next_log || eval_now)) {
      on_log(metrics_);
      next_log += 2000;
    }
  }
}

namespace {
io::Tensor flat(const std::vector<float>& v) { return {{static_cast<int64_t>(v.size())}, v}; }
}  // namespace

void Td3Trainer::save_checkpoint(const std::string& path) {
  io::TensorFile f;
  put_mlp(f, "actor.", *actor_);
  put_mlp(f, "actor_target.", *actor_target_);
  for (size_t k = 0; k < critics_.size(); ++k) {
    put_mlp(f, "critic" + std::to_string(k) + ".", *critics_[k]);
    put_mlp(f, "critic_target" + std::to_string(k) + ".", *critic_targets_[k]);
  }
  policy::put_adam(f, "opt.actor.", *actor_opt_);
  for (size_t k = 0; k < critic_opts_.size(); ++k) policy::put_adam(f, "opt.critic" + std::to_string(k) + ".", *critic_opts_[k]);
  f.tensors["obs_norm.mean"] = flat(obs_norm_.mean);
  f.tensors["obs_norm.inv_std"] = flat(obs_norm_.inv_std);
  f.tensors["replay.online"] = flat(online_->storage());
  f.tensors["replay.offline"] = flat(offline_->storage());
  f.metadata["replay.online"] = std::to_string(online_->size()) + " " + std::to_string(online_->next_index()) + " " + std::to_string(online_->total_added());
  f.metadata["replay.offline"] = std::to_string(offline_->size()) + " " + std::to_string(offline_->next_index()) + " " + std::to_string(offline_->total_added());
  // The RNG state split into 16-bit pieces (exact in float32).
  io::Tensor rs{{16}, {}};
  for (uint64_t w : rng_.state())
    for (int k = 0; k < 4; ++k) rs.values.push_back(static_cast<float>((w >> (16 * k)) & 0xFFFF));
  f.tensors["rng"] = rs;
  std::string ep;
  for (int64_t e : env_episode_index_) ep += std::to_string(e) + " ";
  f.metadata["env_episode_index"] = ep;
  f.metadata["counters"] = std::to_string(metrics_.env_steps) + " " + std::to_string(metrics_.updates) + " " +
                           std::to_string(episode_counter_) + " " + std::to_string(metrics_.elapsed_s);
  f.metadata["ocres.kind"] = "td3_checkpoint";
  io::save_safetensors(path, f);
}

void Td3Trainer::load_checkpoint(const std::string& path) {
  const io::TensorFile f = io::load_safetensors(path);
  if (!f.metadata.count("ocres.kind") || f.metadata.at("ocres.kind") != "td3_checkpoint")
    throw InputError("'" + path + "' is not a TD3 training checkpoint");
  policy::load_into(f, "actor.", *actor_, path);
  policy::load_into(f, "actor_target.", *actor_target_, path);
  for (size_t k = 0; k < critics_.size(); ++k) {
    policy::load_into(f, "critic" + std::to_string(k) + ".", *critics_[k], path);
    policy::load_into(f, "critic_target" + std::to_string(k) + ".", *critic_targets_[k], path);
  }
  auto get = [&](const std::string& name) -> const std::vector<float>& { return policy::tensor_values(f, name, "'" + path + "'"); };
  policy::load_adam_into(f, "opt.actor.", *actor_opt_, path);
  for (size_t k = 0; k < critic_opts_.size(); ++k) policy::load_adam_into(f, "opt.critic" + std::to_string(k) + ".", *critic_opts_[k], path);
  auto load_replay = [&](const std::string& name, ReplayBuffer& b) {
    const auto& data = get(name);
    if (data.size() != b.storage().size())
      throw InputError("'" + path + "': replay buffer '" + name + "' has another size (config changed?)");
    int size = 0, next = 0;
    long long total = 0;
    if (std::sscanf(f.metadata.at(name).c_str(), "%d %d %lld", &size, &next, &total) != 3)
      throw InputError("'" + path + "': malformed replay metadata");
    b.restore(data, size, next, total);
  };
  obs_norm_.mean = get("obs_norm.mean");
  obs_norm_.inv_std = get("obs_norm.inv_std");
  if (static_cast<int>(obs_norm_.mean.size()) != obs_dim_) throw InputError("'" + path + "': normaliser size mismatch");
  load_replay("replay.online", *online_);
  load_replay("replay.offline", *offline_);
  const auto& rs = get("rng");
  std::array<uint64_t, 4> st{};
  for (int w = 0; w < 4; ++w)
    for (int k = 0; k < 4; ++k) st[w] |= static_cast<uint64_t>(rs[w * 4 + k]) << (16 * k);
  rng_.set_state(st);
  env_episode_index_.clear();
  {
    std::istringstream in(f.metadata.at("env_episode_index"));
    int64_t e;
    while (in >> e) env_episode_index_.push_back(e);
  }
  std::istringstream in(f.metadata.at("counters"));
  in >> metrics_.env_steps >> metrics_.updates >> episode_counter_ >> metrics_.elapsed_s;
}

}  // namespace ocres::learn
