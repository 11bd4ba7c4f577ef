// `ocres render`: one episode to an mp4 (and optionally its last frame to PNG), headless.
#include <cstdio>
#include <filesystem>

#include "apps/commands.h"
#include "core/error.h"
#include "eval/render.h"
#include "eval/rollout.h"
#include "learn/residual_env.h"
#include "learn/teleop.h"
#include "policy/bc_policy.h"
#include "policy/residual_file.h"
#include "sim/domain.h"
#include "tasks/registry.h"

namespace ocres::apps {

namespace {

// One episode of base (+ residual, when `model` is given) rendered frame by frame, as `ocres eval`
// runs it: same seeds, same pose pipeline (estimator + gate in `lab`).
struct Filmed {
  std::vector<std::vector<unsigned char>> frames;
  bool success = false;
  int steps = 0;
};

Filmed film_residual_episode(const std::string& task, const std::string& domain_name, const std::string& base_path,
                             const policy::ResidualModel* model, uint64_t seed, const std::string& camera, int width, int height) {
  const sim::DomainConfig domain = sim::load_domain(domain_name);
  learn::ResidualEnvConfig ec;
  ec.corrupt_poses = false;
  ec.use_estimator = domain.name == "lab";
  if (model) ec.scales = model->scales;
  learn::ResidualEnv env(tasks::make_env(tasks::compile_task(task, domain), domain),
                         std::make_unique<policy::BcPolicy>(policy::BcPolicy::load_for_task(base_path, task)), ec);
  if (model && env.obs_dim() != model->layout.dim())
    throw InputError("the residual expects a " + std::to_string(model->layout.dim()) + "-dim observation; task '" + task +
                     "' gives " + std::to_string(env.obs_dim()));
  policy::Mlp actor = model ? model->actor : policy::Mlp();
  eval::Renderer renderer(env.env().model(), width, height);
  std::vector<float> obs(env.obs_dim()), obs_n(env.obs_dim()), next(env.obs_dim()), executed(policy::kResidualDim),
      delta(policy::kResidualDim, 0.0f);
  Filmed f;
  env.reset(seed, obs.data());
  f.frames.push_back(renderer.render(env.env().mutable_data(), camera));
  while (true) {
    if (model) {
      policy::normalize_residual_obs(model->layout, model->obs_norm.mean, model->obs_norm.inv_std, obs.data(), obs_n.data());
      actor.forward_one(obs_n.data(), delta.data());
    }
    const sim::StepResult r = env.step(delta.data(), next.data(), executed.data());
    obs.swap(next);
    ++f.steps;
    f.frames.push_back(renderer.render(env.env().mutable_data(), camera));
    if (r.terminated || r.truncated) {
      f.success = r.success;
      return f;
    }
  }
}

void register_compare_command(CLI::App& app) {
  struct Opts {
    std::string task, domain = "sim", base, residual, out, camera = "side", png;
    uint64_t seed = 2000000;
    int episode = 0, width = 480, height = 360;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("compare-video", "Side-by-side video of one episode: base alone (left) vs base + residual (right)");
  cmd->add_option("--task", o->task, "task name")->required();
  cmd->add_option("--base", o->base, "base policy (.safetensors)")->required();
  cmd->add_option("--residual", o->residual, "residual (.safetensors)")->required();
  cmd->add_option("--domain", o->domain, "domain name or YAML file (lab: poses through the estimator)")->default_val("sim");
  cmd->add_option("--seed", o->seed, "run seed (as ocres eval)")->default_val(2000000);
  cmd->add_option("--episode", o->episode, "episode index j")->default_val(0);
  cmd->add_option("--camera", o->camera, "camera: front | side | wrist")->default_val("side");
  cmd->add_option("--width", o->width, "width of each half (px)")->default_val(480)->check(CLI::Range(16, 1280));
  cmd->add_option("--height", o->height, "frame height (px)")->default_val(360)->check(CLI::Range(16, 960));
  cmd->add_option("--out", o->out, "output .mp4")->required();
  cmd->add_option("--frame-png", o->png, "also save the middle frame as PNG");
  cmd->callback([o] {
    const policy::ResidualModel model = policy::load_residual(o->residual);
    if (model.task != o->task) throw InputError("'" + o->residual + "' is a residual for '" + model.task + "', not '" + o->task + "'");
    const uint64_t seed = episode_seed(o->seed, o->episode);
    const Filmed base = film_residual_episode(o->task, o->domain, o->base, nullptr, seed, o->camera, o->width, o->height);
    const Filmed corrected = film_residual_episode(o->task, o->domain, o->base, &model, seed, o->camera, o->width, o->height);
    const std::filesystem::path out(o->out);
    if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
    // The shorter episode holds its last frame until the longer one ends.
    const size_t n = std::max(base.frames.size(), corrected.frames.size());
    eval::VideoWriter video(o->out, 2 * o->width, o->height, 20);
    std::vector<unsigned char> middle;
    for (size_t k = 0; k < n; ++k) {
      const auto& l = base.frames[std::min(k, base.frames.size() - 1)];
      const auto& r = corrected.frames[std::min(k, corrected.frames.size() - 1)];
      auto frame = eval::side_by_side(l, r, o->width, o->height);
      if (k == n / 2) middle = frame;
      video.add_frame(frame);
    }
    video.close();
    if (!o->png.empty()) eval::write_png(o->png, middle, 2 * o->width, o->height);
    std::fprintf(stderr, "%s | %s | episode %d: base %s after %d steps (left), base + residual %s after %d steps (right) -> %s\n",
                 o->task.c_str(), o->domain.c_str(), o->episode, base.success ? "success" : "failure", base.steps,
                 corrected.success ? "success" : "failure", corrected.steps, o->out.c_str());
  });
}

}  // namespace

void register_render_commands(CLI::App& app) {
  register_compare_command(app);
  struct Opts {
    std::string task, policy = "expert", domain = "sim", camera = "side", out, png, base;
    uint64_t seed = 0;
    int episode = 0, width = 640, height = 480;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("render", "Render one episode to an mp4 (headless EGL + ffmpeg)");
  cmd->add_option("--task", o->task, "task name")->required();
  cmd->add_option("--policy", o->policy, "expert | teleop | base")->default_val("expert");
  cmd->add_option("--base", o->base, "base policy (.safetensors) for --policy base");
  cmd->add_option("--domain", o->domain, "domain name or YAML file")->default_val("sim");
  cmd->add_option("--seed", o->seed, "run seed")->default_val(0);
  cmd->add_option("--episode", o->episode, "episode index j (seed derived from --seed and j, as in rollout)")->default_val(0);
  cmd->add_option("--camera", o->camera, "camera: front | side | wrist")->default_val("side");
  cmd->add_option("--width", o->width, "frame width (px)")->default_val(640)->check(CLI::Range(16, 1280));
  cmd->add_option("--height", o->height, "frame height (px)")->default_val(480)->check(CLI::Range(16, 960));
  cmd->add_option("--out", o->out, "output .mp4")->required();
  cmd->add_option("--frame-png", o->png, "also save the last frame as PNG");
  cmd->callback([o] {
    auto task = tasks::make_task(o->task);
    const sim::DomainConfig domain = sim::load_domain(o->domain);
    auto env = tasks::make_env(tasks::compile_task(o->task, domain), domain);
    std::unique_ptr<StepPolicy> policy;
    if (o->policy == "expert") policy = task->make_expert();
    else if (o->policy == "teleop") policy = std::make_unique<learn::TeleopEmulator>(task->make_expert());
    else if (o->policy == "base") {
      if (o->base.empty()) throw InputError("--policy base needs --base FILE");
      policy = std::make_unique<OwningChunkExecutor>(std::make_unique<policy::BcPolicy>(policy::BcPolicy::load_for_task(o->base, o->task)));
    } else throw InputError("unknown policy '" + o->policy + "' (known: expert, teleop, base)");
    const std::filesystem::path out(o->out);
    if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
    eval::Renderer renderer(env->model(), o->width, o->height);
    eval::VideoWriter video(o->out, o->width, o->height, 20);
    const uint64_t seed = episode_seed(o->seed, o->episode);
    const Observation* obs = &env->reset(seed);
    Rng rng(seed, /*stream=*/103);  // as eval::run_episodes: the same episode as `ocres rollout`
    policy->reset(rng);
    video.add_frame(renderer.render(env->mutable_data(), o->camera));
    sim::StepResult r;
    int steps = 0;
    do {
      r = env->step(policy->act(*obs));
      obs = &env->observation();
      ++steps;
      video.add_frame(renderer.render(env->mutable_data(), o->camera));
    } while (!r.terminated && !r.truncated);
    video.close();
    if (!o->png.empty()) eval::write_png(o->png, renderer.render(env->mutable_data(), o->camera), o->width, o->height);
    std::fprintf(stderr, "%s | %s | %s: %s after %d steps -> %s\n", o->task.c_str(), o->domain.c_str(), o->policy.c_str(),
                 r.success ? "success" : "failure", steps, o->out.c_str());
  });
}

}  // namespace ocres::apps
