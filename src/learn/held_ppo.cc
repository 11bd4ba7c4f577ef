#include "learn/held_ppo.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <numeric>
#include <sstream>

#include "core/franka.h"
#include "core/parallel.h"
#include "io/safetensors.h"
#include "policy/network_io.h"

namespace ocres::learn {

using policy::kResidualDim;
using policy::Mlp;
using Mat = Mlp::Mat;

HeldPpoConfig parse_held_ppo_config(YamlFields f, HeldPpoConfig c) {
  std::string algorithm = "held_ppo";
  f.get("algorithm", algorithm);
  if (algorithm != "held_ppo") throw InputError(f.context() + ": algorithm '" + algorithm + "' is not held_ppo");
  f.get_in_range("threads", c.threads, 1, 256);
  f.get_in_range("total_env_steps", c.total_env_steps, 1, 1e11);
  f.get_in_range("episodes_per_iteration", c.episodes_per_iteration, 1, 1000000);
  f.get_in_range("hold_steps", c.hold_steps, 1, 100000);
  f.get_in_range("action_dims", c.action_dims, 1, kResidualDim);
  f.get_in_range("exploration_std", c.exploration_std, 1e-6, 2.0);
  f.get_in_range("gamma", c.gamma, 0.0, 1.0);
  f.get_in_range("gae_lambda", c.gae_lambda, 0.0, 1.0);
  f.get_in_range("clip", c.clip, 0.0, 10.0);
  f.get_in_range("epochs", c.epochs, 1, 1000);
  f.get_in_range("minibatch", c.minibatch, 1, 1000000);
  f.get_in_range("actor_lr", c.actor_lr, 0.0, 1.0);
  f.get_in_range("value_lr", c.value_lr, 0.0, 1.0);
  f.get_in_range("actor_max_grad_norm", c.actor_max_grad_norm, 0.0, 1e6);
  f.get_in_range("value_max_grad_norm", c.value_max_grad_norm, 0.0, 1e6);
  f.get_int_list("actor_hidden", c.actor_hidden, 1, 8192);
  f.get_int_list("value_hidden", c.value_hidden, 1, 8192);
  f.get_in_range("residual_l2", c.residual_l2, 0.0, 100.0);
  f.get("relative_inputs", c.relative_inputs);
  f.get("object_orientation_inputs", c.object_orientation_inputs);
  f.get("success_ends_episode", c.success_ends_episode);
  f.get_in_range("train_horizon_steps", c.train_horizon_steps, 0, 1000000);
  f.get_in_range("position_off_below_base_grip_m", c.env.scales.position_off_below_base_grip_m, 0.0, franka::kGripperMaxWidth_m);
  f.get_in_range("seed", c.seed, 0, 1e15);
  f.get_in_range("eval_every_iterations", c.eval_every_iterations, 0, 1000000);
  f.get_in_range("eval_episodes", c.eval_episodes, 0, 100000);
  {
    YamlFields pf = f.child("pose_corruption");
    c.env.corruption = perception::parse_pose_corruption(pf);
  }
  f.finish();
  if (c.object_orientation_inputs && !c.relative_inputs)
    throw InputError(f.context() + ": object_orientation_inputs adds to relative_inputs' mask; "
                     "with relative_inputs false the actor sees every feature already");
  if (c.success_ends_episode && c.gamma >= 1.0)
    throw InputError(f.context() + ": success_ends_episode needs gamma < 1 (a success pays 1 / (1 - gamma))");
  return c;
}

std::vector<float> relative_feature_mask(const policy::ResidualObsLayout& layout, bool object_orientations) {
  const std::vector<std::string> names = layout.names();
  std::vector<float> mask(names.size(), 0.0f);
  auto ends_with = [](const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& n = names[i];
    const bool gripper = n.rfind("grip.", 0) == 0 || n == "base.grip";
    const bool relative = n.find('-') != std::string::npos;  // "obj0-tcp.x", "obj0-base.y", ...
    const bool quaternion = n.rfind("obj", 0) == 0 && n.find(".q") != std::string::npos;  // "obj0.qw", ...
    const bool orientation = object_orientations && quaternion;
    mask[i] = gripper || relative || orientation || n == "valid" || ends_with(n, ".pz") ? 1.0f : 0.0f;
  }
  return mask;
}

// One held decision: the observation it was taken in, the sampled and the mean action, and the
// discounted reward of the steps it was held for.
struct HeldPpoTrainer::Decision {
  std::vector<float> obs;
  float action[kResidualDim] = {}, mean[kResidualDim] = {};
  double reward = 0;        // sum over its steps of gamma^k r_k
  double discount = 1;      // gamma^(steps held): what the next decision's value is worth here
  bool terminal = false;    // the episode ended during this decision: failure, or success with success_ends_episode (no bootstrap)
};

struct HeldPpoTrainer::Episode {
  std::vector<Decision> decisions;
  std::vector<float> final_obs;  // at the time limit (bootstrapped); empty after a failure
  bool success = false;
  int64_t steps = 0;
};

namespace {

policy::ResidualObsLayout probe_layout(const ResidualEnvFactory& factory) { return factory(0, false)->layout(); }

}  // namespace

HeldPpoTrainer::HeldPpoTrainer(const HeldPpoConfig& config, ResidualEnvFactory factory)
    : config_(config), factory_(std::move(factory)), layout_(probe_layout(factory_)) {
  const int D = layout_.dim();
  input_mask_ = config_.relative_inputs ? relative_feature_mask(layout_, config_.object_orientation_inputs) : std::vector<float>(D, 1.0f);
  actor_ = Mlp(policy::MlpConfig{D, config_.actor_hidden, kResidualDim, true, true, true}, derive_seed(config_.seed, 1));
  value_ = Mlp(policy::MlpConfig{D, config_.value_hidden, 1, true, false, false}, derive_seed(config_.seed, 2));
  actor_opt_ = policy::Adam(actor_, policy::AdamConfig{config_.actor_lr, 0.9, 0.999, 1e-8, 0, config_.actor_max_grad_norm});
  value_opt_ = policy::Adam(value_, policy::AdamConfig{config_.value_lr, 0.9, 0.999, 1e-8, 0, config_.value_max_grad_norm});
}

void HeldPpoTrainer::mean_action(Mlp& actor, const float* obs, float* normalized, float* out) const {
  std::fill(out, out + kResidualDim, 0.0f);
  if (actor_norm_.empty()) return;
  policy::normalize_residual_obs(layout_, actor_norm_.mean, actor_norm_.inv_std, obs, normalized);
  actor.forward_one(normalized, out);
  for (int k = config_.action_dims; k < kResidualDim; ++k) out[k] = 0.0f;
}

std::vector<std::unique_ptr<ResidualTrainingEnv>>& HeldPpoTrainer::envs(int workers, bool for_eval) {
  auto& made = for_eval ? eval_envs_ : train_envs_;
  while (static_cast<int>(made.size()) < workers) made.push_back(factory_(static_cast<int>(made.size()), for_eval));
  return made;
}

void HeldPpoTrainer::rollouts(std::vector<Episode>& episodes) {
  const int n = static_cast<int>(episodes.size());
  const int workers = std::max(1, std::min(config_.threads, n));
  const int D = layout_.dim(), K = config_.action_dims;
  const uint64_t iteration_seed = derive_seed(config_.seed, 0x7A1);
  auto& env_of = envs(workers, false);
  std::atomic<int> next{0};
  ThreadPool pool(workers);
  pool.parallel_for(workers, [&](int w) {
    ResidualTrainingEnv* env = env_of[w].get();
    Mlp actor = actor_;  // forward_one uses per-network workspaces
    std::vector<float> obs(D), next_obs(D), normalized(D), executed(kResidualDim), held(kResidualDim, 0.0f);
    for (int e = next++; e < n; e = next++) {
      Episode& ep = episodes[e];
      const uint64_t seed = derive_seed(iteration_seed, static_cast<uint64_t>(iteration_), static_cast<uint64_t>(e));
      Rng explore(seed, 0xE4);
      env->reset(seed, obs.data());
      double discount = 1;
      for (int t = 0;; ++t) {
        if (t % config_.hold_steps == 0) {
          Decision d;
          d.obs = obs;
          mean_action(actor, obs.data(), normalized.data(), d.mean);
          for (int k = 0; k < K; ++k) d.action[k] = d.mean[k] + static_cast<float>(config_.exploration_std * explore.normal());
          for (int k = 0; k < kResidualDim; ++k) held[k] = std::clamp(d.action[k], -1.0f, 1.0f);
          ep.decisions.push_back(std::move(d));
          discount = 1;
        }
        const sim::StepResult r = env->step(held.data(), next_obs.data(), executed.data());
        ++ep.steps;
        obs.swap(next_obs);
        Decision& d = ep.decisions.back();
        d.reward += discount * r.reward;
        discount *= config_.gamma;
        d.discount = discount;
        ep.success = ep.success || r.success;
        // Training semantics (as TD3): success does not end the episode (unless success_ends_episode),
        // failure does, the time limit (the task's, or train_horizon_steps) is bootstrapped.
        if (r.terminated && !r.success) {
          d.terminal = true;
          break;
        }
        if (r.success && config_.success_ends_episode) {
          d.reward += discount / (1.0 - config_.gamma);  // the pay of the steps it no longer runs
          d.terminal = true;
          break;
        }
        if (env->time_up() || (config_.train_horizon_steps > 0 && ep.steps >= config_.train_horizon_steps)) {
          ep.final_obs = obs;
          break;
        }
      }
    }
  });
}

void HeldPpoTrainer::fit_normalizers(const std::vector<Episode>& episodes) {
  if (!value_norm_.empty()) return;
  std::vector<float> rows;
  for (const Episode& ep : episodes)
    for (const Decision& d : ep.decisions) rows.insert(rows.end(), d.obs.begin(), d.obs.end());
  policy::fit_residual_normalizer(layout_, rows, /*min_std=*/0.02, value_norm_.mean, value_norm_.inv_std);
  actor_norm_ = value_norm_;
  for (size_t i = 0; i < input_mask_.size(); ++i) actor_norm_.inv_std[i] *= input_mask_[i];
}

void HeldPpoTrainer::update(const std::vector<Episode>& episodes) {
  const int D = layout_.dim(), K = config_.action_dims;
  const double sigma2 = config_.exploration_std * config_.exploration_std;
  const Eigen::Map<const Eigen::VectorXf> mask(input_mask_.data(), D);
  // Values, then GAE over each episode's decisions.
  std::vector<float> X, adv, ret, act, old_mean;
  double value_sum = 0;
  for (const Episode& ep : episodes) {
    const int n = static_cast<int>(ep.decisions.size());
    Mat x(D, n + 1);
    for (int k = 0; k < n; ++k)
      policy::normalize_residual_obs(layout_, value_norm_.mean, value_norm_.inv_std, ep.decisions[k].obs.data(), x.col(k).data());
    x.col(n).setZero();
    if (!ep.final_obs.empty()) policy::normalize_residual_obs(layout_, value_norm_.mean, value_norm_.inv_std, ep.final_obs.data(), x.col(n).data());
    const Mat v = value_.forward(x);
    std::vector<double> a(n);
    double running = 0;
    for (int k = n - 1; k >= 0; --k) {
      const Decision& d = ep.decisions[k];
      const bool last = k + 1 == n;
      const double v_next = d.terminal ? 0.0 : (last ? (ep.final_obs.empty() ? 0.0 : v(0, n)) : v(0, k + 1));
      const double delta = d.reward + d.discount * v_next - v(0, k);
      running = delta + (last || d.terminal ? 0.0 : d.discount * config_.gae_lambda * running);
      a[k] = running;
    }
    for (int k = 0; k < n; ++k) {
      const Decision& d = ep.decisions[k];
      X.insert(X.end(), x.col(k).data(), x.col(k).data() + D);
      adv.push_back(static_cast<float>(a[k]));
      ret.push_back(static_cast<float>(a[k] + v(0, k)));
      act.insert(act.end(), d.action, d.action + kResidualDim);
      old_mean.insert(old_mean.end(), d.mean, d.mean + kResidualDim);
      value_sum += v(0, k);
    }
  }
  const size_t N = adv.size();
  if (N == 0) return;
  double adv_mean = 0, adv_sq = 0;
  for (float a : adv) adv_mean += a;
  adv_mean /= N;
  for (float a : adv) adv_sq += (a - adv_mean) * (a - adv_mean);
  const double adv_std = std::sqrt(adv_sq / N) + 1e-8;

  Rng shuffle(derive_seed(config_.seed, 0xF17, static_cast<uint64_t>(iteration_)), 0x3);
  std::vector<size_t> order(N);
  std::iota(order.begin(), order.end(), size_t{0});
  const int B = static_cast<int>(std::min<size_t>(config_.minibatch, N));
  double value_loss = 0, surrogate = 0;
  int64_t batches = 0;
  for (int epoch = 0; epoch < config_.epochs; ++epoch) {
    for (size_t i = N - 1; i > 0; --i) std::swap(order[i], order[shuffle.uniform_int(i + 1)]);
    for (size_t s = 0; s + B <= N; s += B) {
      Mat xv(D, B);
      for (int c = 0; c < B; ++c) xv.col(c) = Eigen::Map<const Eigen::VectorXf>(&X[order[s + c] * D], D);
      // The actor's input is the value net's with the mask applied (its normaliser is the value net's
      // with inv_std multiplied by the 0/1 mask): exactly equal, without normalising twice.
      const Mat xa = xv.array().colwise() * mask.array();
      // Clipped surrogate: minimise -min(ratio * A, clip(ratio) * A) + 0.5 l2 |mu|^2. Where the clip
      // is active the gradient of the first term is zero.
      const Mat mu = actor_.forward(xa);
      Mat grad = Mat::Zero(kResidualDim, B);
      for (int c = 0; c < B; ++c) {
        const size_t i = order[s + c];
        double log_new = 0, log_old = 0;
        for (int k = 0; k < K; ++k) {
          const double a = act[i * kResidualDim + k];
          log_new -= 0.5 * (a - mu(k, c)) * (a - mu(k, c)) / sigma2;
          log_old -= 0.5 * (a - old_mean[i * kResidualDim + k]) * (a - old_mean[i * kResidualDim + k]) / sigma2;
        }
        const double ratio = std::exp(log_new - log_old), A = (adv[i] - adv_mean) / adv_std;
        const double clipped_ratio = std::clamp(ratio, 1 - config_.clip, 1 + config_.clip);
        surrogate += -std::min(ratio * A, clipped_ratio * A) / B;
        const bool clip_active = (A > 0 && ratio > 1 + config_.clip) || (A < 0 && ratio < 1 - config_.clip);
        for (int k = 0; k < K; ++k) {
          const double d_logp = (act[i * kResidualDim + k] - mu(k, c)) / sigma2;  // d log pi / d mu_k
          const double g = (clip_active ? 0.0 : -ratio * A * d_logp) + config_.residual_l2 * mu(k, c);
          grad(k, c) = static_cast<float>(g / B);
        }
      }
      actor_.zero_grad();
      actor_.backward(grad);
      actor_opt_.step(actor_);
      const Mat v = value_.forward(xv);
      Mat gv(1, B);
      for (int c = 0; c < B; ++c) gv(0, c) = v(0, c) - ret[order[s + c]];
      value_loss += gv.squaredNorm() / B;
      value_.zero_grad();
      value_.backward(gv * (2.0f / B));
      value_opt_.step(value_);
      ++batches;
      ++metrics_.updates;
    }
  }
  metrics_.critic_loss = value_loss / std::max<int64_t>(1, batches);
  metrics_.actor_loss = surrogate / std::max<int64_t>(1, batches);
  metrics_.q_mean = value_sum / N;
}

std::pair<double, double> HeldPpoTrainer::evaluate(int episodes) {
  const int workers = std::max(1, std::min(config_.threads, episodes));
  const int D = layout_.dim();
  std::vector<int> success(episodes, 0), length(episodes, 0);
  auto& env_of = envs(workers, true);
  std::atomic<int> next{0};
  ThreadPool pool(workers);
  pool.parallel_for(workers, [&](int w) {
    ResidualTrainingEnv* env = env_of[w].get();
    Mlp actor = actor_;
    std::vector<float> obs(D), next_obs(D), normalized(D), executed(kResidualDim), delta(kResidualDim);
    for (int e = next++; e < episodes; e = next++) {
      env->reset(episode_seed(config_.eval_seed, e), obs.data());
      while (true) {
        mean_action(actor, obs.data(), normalized.data(), delta.data());
        const sim::StepResult r = env->step(delta.data(), next_obs.data(), executed.data());
        ++length[e];
        obs.swap(next_obs);
        if (r.terminated || r.truncated) {
          success[e] = r.success;
          break;
        }
      }
    }
  });
  const double s = std::accumulate(success.begin(), success.end(), 0.0), len = std::accumulate(length.begin(), length.end(), 0.0);
  return {s / std::max(1, episodes), len / std::max(1, episodes)};
}

void HeldPpoTrainer::train(const std::function<void(const TrainMetrics&)>& on_log) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  const double elapsed_before = metrics_.elapsed_s;
  const int64_t steps_at_start = metrics_.env_steps, updates_at_start = metrics_.updates;
  while (metrics_.env_steps < config_.total_env_steps) {
    std::vector<Episode> episodes(config_.episodes_per_iteration);
    rollouts(episodes);
    fit_normalizers(episodes);
    update(episodes);
    double successes = 0;
    for (const Episode& ep : episodes) {
      metrics_.env_steps += ep.steps;
      successes += ep.success;
    }
    metrics_.train_success_rate = successes / episodes.size();
    ++iteration_;
    const bool last = metrics_.env_steps >= config_.total_env_steps;
    if (config_.eval_episodes > 0 && (last || (config_.eval_every_iterations > 0 && iteration_ % config_.eval_every_iterations == 0))) {
      const auto [rate, length] = evaluate(config_.eval_episodes);
      metrics_.eval_success_rate = rate;
      metrics_.eval_mean_length = length;
    }
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    metrics_.elapsed_s = elapsed_before + secs;
    metrics_.env_steps_per_s = (metrics_.env_steps - steps_at_start) / std::max(secs, 1e-9);
    metrics_.updates_per_s = (metrics_.updates - updates_at_start) / std::max(secs, 1e-9);
    if (on_log) on_log(metrics_);
  }
}

void HeldPpoTrainer::save_checkpoint(const std::string& path) {
  io::TensorFile f;
  policy::put_mlp(f, "actor.", actor_);
  policy::put_mlp(f, "value.", value_);
  policy::put_adam(f, "opt.actor.", actor_opt_);
  policy::put_adam(f, "opt.value.", value_opt_);
  auto flat = [](const std::vector<float>& v) { return io::Tensor{{static_cast<int64_t>(v.size())}, v}; };
  if (!value_norm_.empty()) {
    f.tensors["value_norm.mean"] = flat(value_norm_.mean);
    f.tensors["value_norm.inv_std"] = flat(value_norm_.inv_std);
  }
  f.metadata["counters"] = std::to_string(iteration_) + " " + std::to_string(metrics_.env_steps) + " " + std::to_string(metrics_.updates);
  // Times and the last evaluation, printed exactly (hex float) so a resumed run logs the same numbers.
  std::ostringstream m;
  m << std::hexfloat << metrics_.elapsed_s << " " << metrics_.eval_success_rate << " " << metrics_.eval_mean_length << " "
    << metrics_.train_success_rate;
  f.metadata["metrics"] = m.str();
  f.metadata["ocres.kind"] = "held_ppo_checkpoint";
  io::save_safetensors(path, f);
}

void HeldPpoTrainer::load_checkpoint(const std::string& path) {
  const io::TensorFile f = io::load_safetensors(path);
  if (!f.metadata.count("ocres.kind") || f.metadata.at("ocres.kind") != "held_ppo_checkpoint")
    throw InputError("'" + path + "' is not a held_ppo training checkpoint");
  policy::load_into(f, "actor.", actor_, path);
  policy::load_into(f, "value.", value_, path);
  policy::load_adam_into(f, "opt.actor.", actor_opt_, path);
  policy::load_adam_into(f, "opt.value.", value_opt_, path);
  value_norm_ = {};
  actor_norm_ = {};
  if (f.tensors.count("value_norm.mean")) {
    value_norm_.mean = f.tensors.at("value_norm.mean").values;
    value_norm_.inv_std = policy::tensor_values(f, "value_norm.inv_std", path);
    if (static_cast<int>(value_norm_.mean.size()) != layout_.dim() || value_norm_.inv_std.size() != value_norm_.mean.size())
      throw InputError("'" + path + "': normaliser size does not match the task's observation");
    actor_norm_ = value_norm_;
    for (size_t i = 0; i < input_mask_.size(); ++i) actor_norm_.inv_std[i] *= input_mask_[i];
  }
  auto meta = [&](const char* key) {
    const auto it = f.metadata.find(key);
    if (it == f.metadata.end()) throw InputError("'" + path + "': checkpoint lacks metadata '" + key + "'");
    return it->second;
  };
  {
    std::istringstream in(meta("counters"));
    long long it = 0, steps = 0, updates = 0;
    if (!(in >> it >> steps >> updates)) throw InputError("'" + path + "': malformed counters");
    iteration_ = static_cast<int>(it);
    metrics_.env_steps = steps;
    metrics_.updates = updates;
  }
  {
    // operator>> does not read hex floats portably; strtod does.
    const std::string text = meta("metrics");
    const char* p = text.c_str();
    double v[4];
    for (double& x : v) {
      char* end = nullptr;
      x = std::strtod(p, &end);
      if (end == p) throw InputError("'" + path + "': malformed metrics");
      p = end;
    }
    metrics_.elapsed_s = v[0];
    metrics_.eval_success_rate = v[1];
    metrics_.eval_mean_length = v[2];
    metrics_.train_success_rate = v[3];
  }
}

}  // namespace ocres::learn
