#include "learn/bc_trainer.h"

#include "core/action_codec.h"
#include "core/error.h"
#include "policy/optimizer.h"

namespace ocres::learn {

using policy::kBcChunk;
using policy::kBcOutputDim;

namespace {

struct Sample {
  const EpisodeRecord* demo;
  int t;
  int task;  // index into the model's tasks (0 for a single-task model)
};

// Sizes of task k of a model (the model's own for a single-task one).
policy::BcTaskSpec task_spec(const policy::BcModelInfo& info, int k) {
  if (!info.multi_task()) return {info.task, info.num_objects, info.num_scalars, info.horizon, info.localization};
  return info.tasks.at(k);
}

// Changes the output normaliser of `net` from `from` to `to` without changing the actions it predicts:
// action = y / s + m for the normalised output y = W h + b, so with the new (m', s')
//   y' = (s'/s) (W h + b) + (m - m') s'   ->   W' = diag(s'/s) W,  b' = (s'/s) b + (m - m') s'.
void rescale_output_layer(policy::Mlp& net, const policy::Normalizer& from, const policy::Normalizer& to) {
  OCRES_CHECK(!net.config().tanh_output, "the output layer of a BC network is linear");
  auto params = net.params();
  // The last "layers.<i>.weight" and its bias are the output layer (no norm after it).
  int w = -1;
  for (int i = 0; i < static_cast<int>(params.size()); ++i)
    if (params[i].name.rfind("layers.", 0) == 0 && params[i].name.size() > 7 &&
        params[i].name.compare(params[i].name.size() - 7, 7, ".weight") == 0)
      w = i;
  OCRES_CHECK(w >= 0 && w + 1 < static_cast<int>(params.size()), "no output layer");
  const int rows = static_cast<int>(params[w].shape[0]), cols = static_cast<int>(params[w].shape[1]);
  OCRES_CHECK(rows == static_cast<int>(from.mean.size()) && rows == static_cast<int>(to.mean.size()), "output size mismatch");
  Eigen::Map<policy::Mlp::Mat> W(params[w].value, rows, cols);
  Eigen::Map<Eigen::VectorXf> b(params[w + 1].value, rows);
  for (int r = 0; r < rows; ++r) {
    const float k = to.inv_std[r] / from.inv_std[r];
    W.row(r) *= k;
    b[r] = k * b[r] + (from.mean[r] - to.mean[r]) * to.inv_std[r];
  }
}

// Shared by training from scratch (init == nullptr) and fine-tuning. episodes_per_task[k] are episodes
// of task k of `info` (one entry for a single-task model).
policy::BcPolicy train_impl(const std::vector<std::span<const EpisodeRecord>>& episodes_per_task, const policy::BcModelInfo& info,
                            const BcTrainConfig& cfg, const policy::BcPolicy* init,
                            const std::function<void(const BcProgress&)>& on_progress) {
  const int num_tasks = info.multi_task() ? static_cast<int>(info.tasks.size()) : 1;
  if (static_cast<int>(episodes_per_task.size()) != num_tasks)
    throw InputError("behaviour cloning got episodes for " + std::to_string(episodes_per_task.size()) + " task(s); the model has " +
                     std::to_string(num_tasks));
  const policy::BcInputLayout layout = info.input_layout();
  const int in_dim = layout.dim();
  std::vector<Sample> samples;
  for (int k = 0; k < num_tasks; ++k) {
    const policy::BcTaskSpec spec = task_spec(info, k);
    if (episodes_per_task[k].empty())
      throw InputError("behaviour cloning needs at least one demonstration" +
                       (info.multi_task() ? " of task '" + spec.task + "'" : std::string()));
    for (const auto& d : episodes_per_task[k]) {
      const auto dims = d.obs_dims.find("object_poses");
      if (dims == d.obs_dims.end() || dims->second != kPoseDim * spec.num_objects)
        throw InputError("demo (seed " + std::to_string(d.seed) + ") has another object layout than task '" + spec.task + "'");
      if (spec.num_scalars > 0 && (!d.obs_dims.count("task_scalars") || d.obs_dims.at("task_scalars") != spec.num_scalars))
        throw InputError("demo (seed " + std::to_string(d.seed) + ") lacks the " + std::to_string(spec.num_scalars) +
                         " task scalar(s) of task '" + spec.task + "'");
      for (int t = 0; t < d.length; ++t) samples.push_back({&d, t, k});
    }
  }
  Rng rng(cfg.seed, 0xBC);
  // The localisation error the base learns to live with: a fine-tuned base keeps its own; a multi-task
  // base has one per task (its specs'); a new single-task base takes the config's.
  const perception::VlaLocalizationConfig loc_cfg = init ? init->info().localization : cfg.localization;
  std::vector<perception::VlaLocalization> locs;
  for (int k = 0; k < num_tasks; ++k)
    locs.emplace_back(info.multi_task() ? task_spec(init ? init->info() : info, k).localization : loc_cfg);

  // One training pair. The TCP pose the sample sees is perturbed (hierarchical-uniform, as the
  // residual's pose noise) and the chunk target is expressed relative to the PERTURBED pose: the policy
  // learns to steer back onto the demonstrated targets from nearby states (DART-like), instead of
  // carrying any offset forward — the residual's corrections and the controller's tracking errors
  // move the arm off the demos' states all the time.
  auto make_pair = [&](const Sample& s, float* in, float* target, Rng& r) {
    const EpisodeRecord& d = *s.demo;
    const policy::BcTaskSpec spec = task_spec(info, s.task);
    const int n_obj = spec.num_objects, n_sc = spec.num_scalars;
    float robot[kRobotDim];
    std::copy_n(d.obs.at("robot").data() + s.t * kRobotDim, kRobotDim, robot);
    Pose X_BT = decode_pose(robot);
    if (cfg.tcp_noise_position_m > 0 || cfg.tcp_noise_rotation_rad > 0) {
      const double sp = r.uniform(0, cfg.tcp_noise_position_m), sr = r.uniform(0, cfg.tcp_noise_rotation_rad);
      X_BT.p += Vec3(r.uniform(-sp, sp), r.uniform(-sp, sp), r.uniform(-sp, sp));
      X_BT.q = (X_BT.q * quat_exp(Vec3(r.uniform(-sr, sr), r.uniform(-sr, sr), r.uniform(-sr, sr)))).normalized();
      encode_pose(X_BT, robot);
    }
    std::array<Pose, kMaxObjects> poses;
    perception::VlaLocalization& loc = locs[s.task];
    loc.reset(r, n_obj, n_sc);  // a fresh "episode" bias per sample
    for (int i = 0; i < n_obj; ++i)
      poses[i] = loc.observe(i, decode_pose(d.obs.at("object_poses").data() + (s.t * n_obj + i) * kPoseDim), r);
    std::array<double, kMaxTaskScalars> sc{};
    for (int i = 0; i < n_sc; ++i) sc[i] = loc.observe_scalar(i, d.obs.at("task_scalars")[s.t * n_sc + i], r);
    policy::build_bc_input(layout, robot, std::span<const Pose>(poses.data(), n_obj), std::span<const double>(sc.data(), n_sc),
                           static_cast<double>(s.t) / spec.horizon, s.task, in);
    std::array<Action, kBcChunk> future;
    for (int k = 0; k < kBcChunk; ++k) {
      const int tk = std::min(s.t + k, d.length - 1);
      future[k] = decode_action(d.actions.data() + static_cast<size_t>(tk) * kActionDim);
    }
    policy::encode_bc_target(X_BT, future, target);
  };

  policy::Normalizer in_norm, out_norm;
  policy::Mlp net;
  if (init) {
    in_norm = init->input_normalizer();
    out_norm = init->output_normalizer();
    net = init->net();
    if (net.input_dim() != in_dim) throw InputError("the base to fine-tune has another input size than its metadata says");
    if (cfg.refit_output_normalizer) {
      std::vector<float> in(in_dim), all_out(samples.size() * kBcOutputDim);
      for (size_t i = 0; i < samples.size(); ++i) make_pair(samples[i], in.data(), all_out.data() + i * kBcOutputDim, rng);
      policy::Normalizer refit;
      refit.fit(all_out, kBcOutputDim);
      rescale_output_layer(net, out_norm, refit);
      out_norm = std::move(refit);
    }
  } else {
    // Normalisers from one pass over the data (with localisation noise, as training sees it).
    std::vector<float> all_in(samples.size() * in_dim), all_out(samples.size() * kBcOutputDim);
    for (size_t i = 0; i < samples.size(); ++i) {
      make_pair(samples[i], all_in.data() + i * in_dim, all_out.data() + i * kBcOutputDim, rng);
    }
    // A floor on the input scale: quaternion components barely vary across 30 demos, and dividing by
    // their tiny std would make the policy hypersensitive to sub-degree orientation changes.
    in_norm.fit(all_in, in_dim, /*min_std=*/0.02);
    out_norm.fit(all_out, kBcOutputDim);
    policy::MlpConfig mc;
    mc.input_dim = in_dim;
    mc.hidden = cfg.hidden;
    mc.output_dim = kBcOutputDim;
    mc.layer_norm = true;
    net = policy::Mlp(mc, derive_seed(cfg.seed, 0xBC1));
  }

  policy::Adam adam(net, {cfg.lr});
  policy::Mlp::Mat x(in_dim, cfg.batch), y(kBcOutputDim, cfg.batch);
  for (int step = 0; step < cfg.steps; ++step) {
    for (int c = 0; c < cfg.batch; ++c) {
      const Sample& s = samples[rng.uniform_int(samples.size())];
      make_pair(s, x.col(c).data(), y.col(c).data(), rng);
      in_norm.apply(x.col(c).data());
      out_norm.apply(y.col(c).data());
    }
    net.zero_grad();
    const policy::Mlp::Mat err = net.forward(x) - y;
    net.backward(err * (2.0f / (cfg.batch * kBcOutputDim)));
    // Cosine decay to 10% of the initial rate: a smoother end of training.
    adam.set_lr(cfg.lr * (0.1 + 0.9 * 0.5 * (1 + std::cos(M_PI * step / cfg.steps))));
    adam.step(net);
    if (on_progress && (step % 200 == 0 || step + 1 == cfg.steps))
      on_progress({step, err.squaredNorm() / (cfg.batch * kBcOutputDim)});
  }
  policy::BcModelInfo out_info = info;
  if (!info.multi_task()) out_info.localization = loc_cfg;
  out_info.provenance.clear();  // the caller describes the new weights
  return policy::BcPolicy(std::move(net), std::move(in_norm), std::move(out_norm), std::move(out_info));
}

}  // namespace

policy::BcPolicy train_bc(const std::vector<EpisodeRecord>& demos, const policy::BcModelInfo& info, const BcTrainConfig& cfg,
                          const std::function<void(const BcProgress&)>& on_progress) {
  if (info.multi_task()) throw InputError("train_bc trains a single-task base; use train_bc_multi_task");
  return train_impl({std::span<const EpisodeRecord>(demos)}, info, cfg, nullptr, on_progress);
}

policy::BcPolicy fine_tune_bc(const policy::BcPolicy& init, const std::vector<EpisodeRecord>& episodes, const BcTrainConfig& cfg,
                              const std::function<void(const BcProgress&)>& on_progress) {
  if (init.info().multi_task())
    throw InputError("fine_tune_bc got a multi-task base (tasks " + init.info().task_list() + "); use fine_tune_bc_multi_task");
  return train_impl({std::span<const EpisodeRecord>(episodes)}, init.info(), cfg, &init, on_progress);
}

policy::BcPolicy train_bc_multi_task(const std::vector<std::span<const EpisodeRecord>>& episodes_per_task,
                                     const policy::BcModelInfo& info, const BcTrainConfig& cfg,
                                     const std::function<void(const BcProgress&)>& on_progress) {
  if (!info.multi_task()) throw InputError("a multi-task base needs the list of its tasks");
  return train_impl(episodes_per_task, info, cfg, nullptr, on_progress);
}

policy::BcPolicy fine_tune_bc_multi_task(const policy::BcPolicy& init,
                                         const std::vector<std::span<const EpisodeRecord>>& episodes_per_task,
                                         const BcTrainConfig& cfg, const std::function<void(const BcProgress&)>& on_progress) {
  if (!init.info().multi_task()) throw InputError("fine_tune_bc_multi_task got a single-task base; use fine_tune_bc");
  return train_impl(episodes_per_task, init.info(), cfg, &init, on_progress);
}

}  // namespace ocres::learn
