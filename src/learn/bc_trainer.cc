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
};

}  // namespace

policy::BcPolicy train_bc(const std::vector<EpisodeRecord>& demos, const policy::BcModelInfo& info,
                          const BcTrainConfig& cfg, const std::function<void(const BcProgress&)>& on_progress) {
  if (demos.empty()) throw InputError("behaviour cloning needs at least one demonstration");
  const int n_obj = info.num_objects, n_sc = info.num_scalars;
  const int in_dim = policy::bc_input_dim(n_obj, n_sc);
  std::vector<Sample> samples;
  for (const auto& d : demos) {
    if (d.obs_dims.at("object_poses") != kPoseDim * n_obj)
      throw InputError("demo (seed " + std::to_string(d.seed) + ") has another object layout than the task");
    for (int t = 0; t < d.length; ++t) samples.push_back({&d, t});
  }
  Rng rng(cfg.seed, 0xBC);
  perception::VlaLocalization loc(cfg.localization);

  // One training pair. The TCP pose the sample sees is perturbed (hierarchical-uniform, as the
  // residual's pose noise) and the chunk target is expressed relative to the PERTURBED pose: the policy
  // learns to steer back onto the demonstrated targets from nearby states (DART-like), instead of
  // carrying any offset forward — the residual's corrections and the controller's tracking errors
  // move the arm off the demos' states all the time.
  auto make_pair = [&](const Sample& s, float* in, float* target, Rng& r) {
    const EpisodeRecord& d = *s.demo;
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
    loc.reset(r, n_obj);  // a fresh "episode" bias per sample
    for (int i = 0; i < n_obj; ++i)
      poses[i] = loc.observe(i, decode_pose(d.obs.at("object_poses").data() + (s.t * n_obj + i) * kPoseDim), r);
    std::array<double, kMaxTaskScalars> sc{};
    for (int i = 0; i < n_sc; ++i) sc[i] = d.obs.at("task_scalars")[s.t * n_sc + i];
    policy::build_bc_input(robot, std::span<const Pose>(poses.data(), n_obj), std::span<const double>(sc.data(), n_sc),
                           static_cast<double>(s.t) / info.horizon, in);
    std::array<Action, kBcChunk> future;
    for (int k = 0; k < kBcChunk; ++k) {
      const int tk = std::min(s.t + k, d.length - 1);
      future[k] = decode_action(d.actions.data() + static_cast<size_t>(tk) * kActionDim);
    }
    policy::encode_bc_target(X_BT, future, target);
  };

  // Normalisers from one pass over the data (with localisation noise, as training sees it).
  std::vector<float> all_in(samples.size() * in_dim), all_out(samples.size() * kBcOutputDim);
  for (size_t i = 0; i < samples.size(); ++i) {
    make_pair(samples[i], all_in.data() + i * in_dim, all_out.data() + i * kBcOutputDim, rng);
  }
  policy::Normalizer in_norm, out_norm;
  // A floor on the input scale: quaternion components barely vary across 30 demos, and dividing by
  // their tiny std would make the policy hypersensitive to sub-degree orientation changes.
  in_norm.fit(all_in, in_dim, /*min_std=*/0.02);
  out_norm.fit(all_out, kBcOutputDim);

  policy::MlpConfig mc;
  mc.input_dim = in_dim;
  mc.hidden = cfg.hidden;
  mc.output_dim = kBcOutputDim;
  mc.layer_norm = true;
  policy::Mlp net(mc, derive_seed(cfg.seed, 0xBC1));
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
  out_info.localization = cfg.localization;
  return policy::BcPolicy(std::move(net), std::move(in_norm), std::move(out_norm), std::move(out_info));
}

}  // namespace ocres::learn
