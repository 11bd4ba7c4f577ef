// `ocres render`: one episode to an mp4 (and optionally its last frame to PNG), headless.
#include <cstdio>
#include <filesystem>

#include "apps/commands.h"
#include "core/error.h"
#include "eval/render.h"
#include "eval/rollout.h"
#include "learn/teleop.h"
#include "policy/bc_policy.h"
#include "sim/domain.h"
#include "tasks/registry.h"

namespace ocres::apps {

void register_render_commands(CLI::App& app) {
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
  cmd->add_option("--camera", o->camera, "camera: front | side")->default_val("side");
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
      policy = std::make_unique<OwningChunkExecutor>(std::make_unique<policy::BcPolicy>(policy::BcPolicy::load(o->base)));
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
