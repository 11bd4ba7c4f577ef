// Commands of the learning stages: demos, replay, train-base.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "apps/commands.h"
#include "core/error.h"
#include "learn/bc_trainer.h"
#include "learn/demo_io.h"
#include "learn/demos.h"
#include <nlohmann/json.hpp>
#include "sim/domain.h"
#include "tasks/registry.h"
#ifdef OCRES_HAVE_RENDER  // defined by ocres_render (src/eval/render.cmake), an optional part of the build
#include "eval/render.h"
#endif

namespace ocres::apps {

namespace {

// Dataset key (robomimic's names) -> scene camera. "wrist" rides on the hand (src/sim/scene.cc).
const std::vector<std::pair<std::string, std::string>> kImageCameras = {{"agentview_image", "front"},
                                                                         {"robot0_eye_in_hand_image", "wrist"}};

std::string env_args(const std::string& task, const std::string& domain, uint64_t seed, const std::string& source,
                     int image_size = 0) {
  nlohmann::json j{{"task", task}, {"domain", domain}, {"seed", seed}, {"version", "0.1.0"}, {"source", source},
                   {"action", "absolute TCP target, base frame: position (m), quaternion (w x y z), gripper width (m)"},
                   {"control_hz", 20}};
  if (image_size > 0) {
    nlohmann::json cams = nlohmann::json::object();
    for (const auto& [key, camera] : kImageCameras) cams[key] = camera;
    j["cameras"] = cams;
    j["image_size"] = {image_size, image_size};
  }
  return j.dump();
}

#ifdef OCRES_HAVE_RENDER
// The dataset cameras, square RGB frames, rendered headless from the env's current state.
class RenderedCameras final : public learn::StepCamera {
 public:
  RenderedCameras(const mjModel* m, int size) : renderer_(m, size, size), size_(size) {}
  void capture(sim::Env& env, learn::EpisodeRecord& rec) override {
    for (const auto& [key, camera] : kImageCameras) {
      const std::vector<unsigned char>& rgb = renderer_.render(env.mutable_data(), camera);
      learn::CameraFrames& f = rec.images[key];
      f.height = f.width = size_;
      f.rgb.insert(f.rgb.end(), rgb.begin(), rgb.end());
    }
  }

 private:
  eval::Renderer renderer_;
  int size_;
};
#endif

// Cameras for `env`, or an error naming why there are none in this build.
std::unique_ptr<learn::StepCamera> make_cameras(const sim::Env& env, int size) {
#ifdef OCRES_HAVE_RENDER
  return std::make_unique<RenderedCameras>(env.model(), size);
#else
  (void)env;
  (void)size;
  throw InputError("--images needs the headless renderer, which this build leaves out (src/eval/render.cmake)");
#endif
}

void make_parent_dirs(const std::string& path) {
  const std::filesystem::path out(path);
  if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
}

}  // namespace

void register_learn_commands(CLI::App& app) {
  {
    struct DemoOpts {
      std::string task, domain = "lab", out;
      int count = 30, threads = 1, image_size = 224;
      uint64_t seed = 0;
      bool images = false;
    };
    auto d = std::make_shared<DemoOpts>();
    auto* demos = app.add_subcommand("demos", "Record teleoperation-emulated demonstrations (successful ones) to HDF5");
    demos->add_option("--task", d->task, "task name")->required();
    demos->add_option("--domain", d->domain, "domain (lab = the 'real robot')")->default_val("lab");
    demos->add_option("--count", d->count, "successful demos to keep")->default_val(30)->check(CLI::Range(1, 100000));
    demos->add_option("--seed", d->seed, "demo seed")->default_val(0);
    demos->add_option("--threads", d->threads, "threads")->default_val(1)->check(CLI::Range(1, 256));
    demos->add_option("--out", d->out, "output .hdf5 (robomimic layout)")->required();
    demos->add_flag("--images", d->images,
                    "also store front and wrist camera images per step (obs/agentview_image, obs/robot0_eye_in_hand_image)");
    demos->add_option("--image-size", d->image_size, "image width = height (px)")->default_val(224)->check(CLI::Range(16, 960));
    demos->callback([d] {
      tasks::make_task(d->task);
      // Cameras first: a build without the renderer fails before minutes of recording.
      std::unique_ptr<sim::Env> env;
      std::unique_ptr<learn::StepCamera> cameras;
      if (d->images) {
        const sim::DomainConfig domain = sim::load_domain(d->domain);
        env = tasks::make_env(tasks::compile_task(d->task, domain), domain);
        cameras = make_cameras(*env, d->image_size);
      }
      learn::DemoCollectionConfig dc{d->task, d->domain, d->count, 20 * d->count, d->seed, d->threads};
      auto r = learn::collect_demos(dc);
      if (static_cast<int>(r.demos.size()) < d->count)
        throw InputError("only " + std::to_string(r.demos.size()) + " successful demos in " + std::to_string(r.attempts) + " attempts");
      make_parent_dirs(d->out);
      const std::string args = env_args(d->task, d->domain, d->seed, "teleop emulation", d->images ? d->image_size : 0);
      if (!cameras) {
        learn::save_episodes(d->out, r.demos, args);
      } else {
        // Collected without images (in parallel); the kept demos are re-executed with cameras, one at a
        // time, and streamed to the file.
        learn::EpisodeWriter w(d->out, args);
        for (size_t i = 0; i < r.demos.size(); ++i) {
          w.add(learn::add_images(*env, r.demos[i], *cameras));
          std::fprintf(stderr, "  images: demo %zu/%zu (%d steps)\n", i + 1, r.demos.size(), r.demos[i].length);
          r.demos[i] = {};
        }
        w.close();
      }
      std::fprintf(stderr, "%d demos (%d attempts)%s -> %s\n", d->count, r.attempts, cameras ? " with images" : "", d->out.c_str());
    });
  }
  {
    struct ReplayOpts {
      std::string demos, domain = "sim", out;
      int image_size = 224;
      bool images = false;
    };
    auto o = std::make_shared<ReplayOpts>();
    auto* replay = app.add_subcommand("replay", "Re-execute recorded demos open-loop in another domain (paired dataset)");
    replay->add_option("--demos", o->demos, "input .hdf5")->required();
    replay->add_option("--domain", o->domain, "domain to replay in")->default_val("sim");
    replay->add_option("--out", o->out, "output .hdf5")->required();
    replay->add_flag("--images", o->images, "render front and wrist camera images of the replay (as `demos --images`)");
    replay->add_option("--image-size", o->image_size, "image width = height (px)")->default_val(224)->check(CLI::Range(16, 960));
    replay->callback([o] {
      std::string args;
      auto demos = learn::load_episodes(o->demos, &args);  // without the recording's images: they are re-rendered
      const auto j = nlohmann::json::parse(args, nullptr, false);
      if (j.is_discarded() || !j.contains("task") || !j["task"].is_string())
        throw InputError("'" + o->demos + "': /data env_args names no task");
      const std::string task = j["task"].get<std::string>();
      const sim::DomainConfig domain = sim::load_domain(o->domain);
      auto env = tasks::make_env(tasks::compile_task(task, domain), domain);
      std::unique_ptr<learn::StepCamera> cameras;
      if (o->images) cameras = make_cameras(*env, o->image_size);
      make_parent_dirs(o->out);
      learn::EpisodeWriter w(o->out, env_args(task, o->domain, 0, "replay of " + o->demos, o->images ? o->image_size : 0));
      int ok = 0;
      for (size_t i = 0; i < demos.size(); ++i) {
        const learn::EpisodeRecord rec = learn::replay_episode(*env, demos[i], cameras.get());
        ok += rec.success;
        w.add(rec);
        if (cameras) std::fprintf(stderr, "  images: demo %zu/%zu (%d steps)\n", i + 1, demos.size(), rec.length);
        demos[i] = {};
      }
      w.close();
      std::fprintf(stderr, "replayed %d demos in %s (%d succeed open-loop)%s -> %s\n", w.count(), o->domain.c_str(), ok,
                   cameras ? " with images" : "", o->out.c_str());
    });
  }

  struct Opts {
    std::string task, domain = "lab", out, replay_domain, from;
    int demos = 30, steps = 4000, threads = 1;
    uint64_t seed = 0;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("train-base", "Train the behaviour-cloned VLA stand-in from teleoperation-emulated demos");
  cmd->add_option("--task", o->task, "task name")->required();
  cmd->add_option("--domain", o->domain, "domain the demos are recorded in (lab = the 'real robot')")->default_val("lab");
  cmd->add_option("--replay-domain", o->replay_domain,
                  "if set, train on the demos' open-loop replays in this domain (e.g. sim: the sim twin)");
  cmd->add_option("--demos", o->demos, "number of successful demos")->default_val(30)->check(CLI::Range(1, 100000));
  cmd->add_option("--steps", o->steps, "gradient steps")->default_val(4000)->check(CLI::Range(1, 10000000));
  cmd->add_option("--seed", o->seed, "demo seed (episodes derive from it)")->default_val(0);
  cmd->add_option("--threads", o->threads, "threads for demo collection")->default_val(1)->check(CLI::Range(1, 256));
  cmd->add_option("--from", o->from, "train on this dataset (.hdf5 from `ocres demos` / `ocres replay`) instead of recording demos");
  cmd->add_option("--out", o->out, "output weights (.safetensors)")->required();
  cmd->callback([o] {
    auto task = tasks::make_task(o->task);
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<learn::EpisodeRecord> data;
    std::string obs_domain = o->domain;
    if (!o->from.empty()) {
      std::string args;
      data = learn::load_episodes(o->from, &args);
      const auto j = nlohmann::json::parse(args, nullptr, false);
      if (j.is_discarded() || j.value("task", "") != o->task)
        throw InputError("'" + o->from + "' holds episodes of task '" + (j.is_discarded() ? std::string("?") : j.value("task", "?")) +
                         "', not '" + o->task + "'");
      obs_domain = j.value("domain", o->domain);
      std::fprintf(stderr, "loaded %zu episodes from %s (%s)\n", data.size(), o->from.c_str(), obs_domain.c_str());
    } else {
      learn::DemoCollectionConfig dc;
      dc.task = o->task;
      dc.domain = o->domain;
      dc.count = o->demos;
      dc.max_attempts = 20 * o->demos;
      dc.seed = o->seed;
      dc.threads = o->threads;
      auto collected = learn::collect_demos(dc);
      std::fprintf(stderr, "demos: %zu successful of %d attempts in %s\n", collected.demos.size(), collected.attempts,
                   o->domain.c_str());
      if (static_cast<int>(collected.demos.size()) < o->demos)
        throw InputError("only " + std::to_string(collected.demos.size()) + " successful demos in " +
                         std::to_string(collected.attempts) + " attempts");
      data = std::move(collected.demos);
    }
    if (!o->replay_domain.empty()) {
      const sim::DomainConfig rd = sim::load_domain(o->replay_domain);
      auto env = tasks::make_env(tasks::compile_task(o->task, rd), rd);
      int ok = 0;
      for (auto& d : data) {
        d = learn::replay_episode(*env, d);
        ok += d.success;
      }
      std::fprintf(stderr, "replayed %zu demos in %s: %d still succeed open-loop\n", data.size(), o->replay_domain.c_str(), ok);
      obs_domain = o->replay_domain;
    }
    policy::BcModelInfo info;
    info.task = o->task;
    info.domain = obs_domain;
    info.num_objects = static_cast<int>(task->info().object_names.size());
    info.num_scalars = static_cast<int>(task->info().scalar_names.size());
    info.horizon = task->info().horizon;
    learn::BcTrainConfig tc;
    tc.localization = perception::vla_localization_for_task(o->task);
    tc.steps = o->steps;
    tc.seed = o->seed;
    auto policy = learn::train_bc(data, info, tc, [](const learn::BcProgress& p) {
      std::fprintf(stderr, "  step %6d  loss %.4f\n", p.step, p.loss);
    });
    std::filesystem::path out(o->out);
    if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
    policy.save(o->out);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "saved %s (%.1f s)\n", o->out.c_str(), secs);
  });
}

}  // namespace ocres::apps
