// Deployment commands: `deploy` (the control loop against a robot bridge and a pose stream, or the
// simulation in process: deploy_backends.h) and `sim-bridge` (the simulation as such a robot and pose
// stream over the network, for deploying without a robot).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "apps/commands.h"
#include "apps/deploy_backends.h"
#include "apps/deploy_sim_bridge.h"
#include "core/action_codec.h"
#include "core/error.h"
#include "deploy/deploy_loop.h"
#include "deploy/remote_chunk_source.h"
#include "learn/demo_io.h"
#include "policy/bc_policy.h"
#include "policy/replay_base_policy.h"
#include "policy/residual_file.h"
#include "tasks/registry.h"

namespace ocres::apps {

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop = true; }

// Prints every safety event with the ticks before it (stderr: the command's log) and keeps them for
// the episode's HDF5 file.
class StderrObserver : public deploy::DeployObserver {
 public:
  void on_safety_event(const deploy::SafetyEvent& e, std::span<const deploy::TickSnapshot> recent) override {
    std::fprintf(stderr, "safety: episode %llu tick %d %s%s: %s (value %.4g)\n", static_cast<unsigned long long>(e.episode), e.t,
                 deploy::safety_kind_name(e.kind), deploy::is_stop(e.kind) ? " STOP" : "", e.detail, e.value);
    nlohmann::json ticks = nlohmann::json::array();
    // The file keeps the last 8 ticks per event (HDF5 attributes are limited to 64 KiB); stderr gets all.
    const size_t keep_from = recent.size() > 8 ? recent.size() - 8 : 0;
    for (size_t i = 0; i < recent.size(); ++i) {
      const deploy::TickSnapshot& s = recent[i];
      std::fprintf(stderr,
                   "  t=%d stamp=%.3f measured=(%.4f %.4f %.4f) base=(%.4f %.4f %.4f) command=(%.4f %.4f %.4f) grip=%.4f "
                   "pose=%s%s\n",
                   s.t, s.stamp_s, s.p_measured_m.x(), s.p_measured_m.y(), s.p_measured_m.z(), s.p_base_m.x(), s.p_base_m.y(),
                   s.p_base_m.z(), s.p_command_m.x(), s.p_command_m.y(), s.p_command_m.z(), s.gripper_command_m,
                   perception::gate_status_name(s.gate), s.held ? " held" : "");
      if (i < keep_from) continue;
      auto v3 = [](const Vec3& v) { return std::vector<double>{v.x(), v.y(), v.z()}; };
      ticks.push_back({{"t", s.t}, {"stamp_s", s.stamp_s}, {"p_measured_m", v3(s.p_measured_m)}, {"p_base_m", v3(s.p_base_m)},
                       {"p_command_m", v3(s.p_command_m)}, {"gripper_command_m", s.gripper_command_m},
                       {"residual", std::vector<float>(s.residual.begin(), s.residual.end())}, {"pose", perception::gate_status_name(s.gate)},
                       {"held", s.held}});
    }
    events.push_back({{"kind", deploy::safety_kind_name(e.kind)}, {"stop", deploy::is_stop(e.kind)}, {"t", e.t}, {"detail", e.detail},
                      {"value", e.value}, {"recent_ticks", ticks}});
  }
  nlohmann::json events = nlohmann::json::array();
};

// Teleoperation replay as a base policy (SPEC §1 stage 1): episode j replays the recorded actions of
// demo j open-loop, in chunks; the robot is reset with the demo's own seed.
class DemoReplaySource : public deploy::ChunkSource {
 public:
  explicit DemoReplaySource(std::vector<learn::EpisodeRecord> demos) : demos_(std::move(demos)) {}
  int chunk_size() const override { return 16; }
  // Called once per episode, before it starts (deploy::DeployLoop::begin_episode): the next demo.
  void reset(Rng& rng) override {
    const learn::EpisodeRecord& d = demos_[next_++ % demos_.size()];
    std::vector<Action> actions;
    for (int t = 0; t < d.length; ++t) actions.push_back(decode_action(d.actions.data() + kActionDim * t));
    replay_ = std::make_unique<policy::ReplayBasePolicy>(std::move(actions), chunk_size());
    replay_->reset(rng);
  }
  deploy::LinkStatus predict(const Observation& obs, std::span<Action> chunk, const char*& error) override {
    replay_->predict_chunk(obs, chunk);
    error = "";
    return deploy::LinkStatus::kOk;
  }
  const std::vector<learn::EpisodeRecord>& demos() const { return demos_; }

 private:
  std::vector<learn::EpisodeRecord> demos_;
  std::unique_ptr<policy::ReplayBasePolicy> replay_;
  size_t next_ = 0;
};

}  // namespace

void register_deploy_commands(CLI::App& app) {
  {
    auto c = std::make_shared<SimBridgeConfig>();
    auto exit_on_eof = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("sim-bridge", "Serve a simulated robot (robot bridge protocol) and its pose stream over ZeroMQ");
    cmd->add_option("--task", c->sim.task, "task name")->required();
    cmd->add_option("--domain", c->sim.domain, "domain (lab: the held-out 'real robot')")->default_val("lab");
    cmd->add_option("--host", c->host, "address to bind (loopback unless you name another)")->default_val("127.0.0.1");
    cmd->add_option("--port", c->robot_port, "robot bridge port (REP); 0: any free port")->default_val(0)->check(CLI::Range(0, 65535));
    cmd->add_option("--pose-port", c->pose_port, "pose stream port (PUB); 0: any free port")->default_val(0)->check(CLI::Range(0, 65535));
    cmd->add_option("--poses", c->sim.poses, "estimator | truth | none | auto (estimator model in lab, truth elsewhere)")->default_val("auto");
    cmd->add_option("--images", c->sim.image_size_px,
                    "render the cameras headless at this square size (px) for get_state requests that ask for images; 0: off")
        ->default_val(0)
        ->check(CLI::Range(0, deploy::kMaxCameraSide_px));
    auto cameras = std::make_shared<std::string>("front,wrist");
    cmd->add_option("--cameras", *cameras, "comma-separated scene cameras sent with --images (front, side, wrist)")
        ->default_val("front,wrist");
    cmd->add_flag("--exit-on-stdin-eof", *exit_on_eof, "exit when stdin closes (for a parent process that may die)");
    cmd->callback([c, exit_on_eof, cameras] {
      c->sim.cameras = split_list(*cameras);
      tasks::make_task(c->sim.task);
      std::signal(SIGINT, on_signal);
      std::signal(SIGTERM, on_signal);
      if (*exit_on_eof) {
        std::thread([] {
          char buf[256];
          while (read(STDIN_FILENO, buf, sizeof buf) > 0) {
          }
          g_stop = true;
        }).detach();
      }
      run_sim_bridge(*c, [&](int robot_port, int pose_port) {
        // One JSON line on stdout: how to connect (parents read it).
        std::cout << nlohmann::json{{"robot", "tcp://" + c->host + ":" + std::to_string(robot_port)},
                                    {"poses", "tcp://" + c->host + ":" + std::to_string(pose_port)},
                                    {"robot_port", robot_port}, {"pose_port", pose_port}}.dump()
                  << std::endl;
        std::fprintf(stderr, "sim-bridge: %s in %s, robot tcp://%s:%d, poses tcp://%s:%d\n", c->sim.task.c_str(), c->sim.domain.c_str(),
                     c->host.c_str(), robot_port, c->host.c_str(), pose_port);
      }, g_stop);
    });
  }
  {
    struct Opts {
      std::string task, robot, poses, base, residual, log_dir, config, objects;
      int episodes = 1, max_ticks = 0, images_px = 0;
      double rate_hz = 0;
      uint64_t seed = 1000;
      int robot_timeout_ms = 500;
      bool json = false;
    };
    auto o = std::make_shared<Opts>();
    auto* cmd = app.add_subcommand("deploy", "Run the base policy + residual on a robot (a robot bridge, or the simulation in process)");
    cmd->add_option("--task", o->task, "task name (object names and horizon)")->required();
    cmd->add_option("--robot", o->robot,
                    "robot bridge endpoint (e.g. tcp://127.0.0.1:5560), or sim[:DOMAIN] for the simulation in process (default domain lab)")
        ->required();
    cmd->add_option("--poses", o->poses,
                    "pose stream endpoint (e.g. tcp://127.0.0.1:5561; required with a robot bridge), or with --robot sim: "
                    "estimator | truth | none | auto (default: the estimator model in lab, truth elsewhere)");
    cmd->add_option("--images", o->images_px,
                    "with --robot sim: render the cameras the base policy looks at headless at this square size (px); 0: off")
        ->default_val(0)
        ->check(CLI::Range(0, deploy::kMaxCameraSide_px));
    cmd->add_option("--base", o->base, "base policy: BC weights (.safetensors), a remote VLA (.yaml: openpi / GR00T, see docs/deploy.md), or recorded episodes to replay open-loop (.hdf5; episode j replays demo j with its seed)")->required();
    cmd->add_option("--residual", o->residual, "residual weights (.safetensors); 'none' for the base alone")->required();
    cmd->add_option("--episodes", o->episodes, "episodes")->default_val(1)->check(CLI::Range(1, 1000000));
    cmd->add_option("--seed", o->seed, "run seed (episode j: seed derived from it and j, sent to the robot's reset)")->default_val(1000);
    cmd->add_option("--log-dir", o->log_dir, "write each episode as <dir>/episode_<j>.hdf5 (robomimic layout)");
    cmd->add_option("--config", o->config, "deploy config YAML (src/deploy/deploy_config.h)");
    cmd->add_option("--rate-hz", o->rate_hz, "control rate (overrides the config)")->check(CLI::Range(0.001, 10000.0));
    cmd->add_option("--max-ticks", o->max_ticks, "episode length (default: the task horizon)")->check(CLI::Range(1, 10000000));
    cmd->add_option("--objects", o->objects, "comma-separated object names in the pose stream (default: the task's)");
    cmd->add_option("--robot-timeout-ms", o->robot_timeout_ms, "robot round-trip timeout")->default_val(500)->check(CLI::Range(1, 600000));
    cmd->add_flag("--json", o->json, "print one JSON object on stdout");
    cmd->callback([o] {
      auto task = tasks::make_task(o->task);
      deploy::DeployConfig dc;
      dc.max_ticks = task->info().horizon;
      if (!o->config.empty()) {
        const YAML::Node node = load_yaml_file(o->config);
        dc = deploy::parse_deploy_config(YamlFields(node, o->config));
        if (!node["max_ticks"]) dc.max_ticks = task->info().horizon;
      }
      if (o->max_ticks > 0) dc.max_ticks = o->max_ticks;
      if (o->rate_hz > 0) dc.rate_hz = o->rate_hz;
      dc.validate();
      // The base policy: a remote VLA described by a YAML file (deploy/remote_chunk_source.h), or the
      // built-in BC stand-in's weights.
      std::unique_ptr<policy::BcPolicy> bc;
      std::unique_ptr<deploy::ChunkSource> source;
      const std::string ext = std::filesystem::path(o->base).extension().string();
      std::vector<uint64_t> demo_seeds;  // replay: episode j resets the robot with demo j's seed
      if (ext == ".yaml" || ext == ".yml") {
        source = std::make_unique<deploy::RemoteChunkSource>(deploy::load_remote_base(o->base));
      } else if (ext == ".hdf5") {
        std::string args;
        auto demos = learn::load_episodes(o->base, &args);
        const auto j = nlohmann::json::parse(args, nullptr, false);
        if (j.is_discarded() || j.value("task", "") != o->task)
          throw InputError("'" + o->base + "' holds episodes of task '" + (j.is_discarded() ? std::string("?") : j.value("task", "?")) +
                           "', not '" + o->task + "'");
        if (static_cast<int>(demos.size()) < o->episodes)
          throw InputError("--episodes " + std::to_string(o->episodes) + " but '" + o->base + "' holds only " +
                           std::to_string(demos.size()) + " episodes to replay");
        for (const auto& d : demos) demo_seeds.push_back(d.seed);
        source = std::make_unique<DemoReplaySource>(std::move(demos));
      } else {
        bc = std::make_unique<policy::BcPolicy>(policy::BcPolicy::load_for_task(o->base, o->task));  // refuses another task's base
        source = std::make_unique<deploy::LocalChunkSource>(*bc);
      }
      std::optional<policy::ResidualModel> residual;
      if (o->residual != "none") {
        residual = policy::load_residual(o->residual);
        if (residual->task != o->task)
          throw InputError("'" + o->residual + "' is a residual for task '" + residual->task + "', not '" + o->task + "'");
      }
      // A base policy that looks at cameras (a remote VLA with `images:`) gets the frames the robot
      // delivers with its states (a bridge's images), or the in-process robot's rendering.
      deploy::FrameStore frames(source->camera_names());
      const DeployBackends backends =
          make_deploy_backends({o->task, o->robot, o->poses, o->objects, o->images_px, o->robot_timeout_ms}, frames);
      deploy::AsyncChunkSource base(*source, backends.cameras);
      const std::vector<std::string>& objects = backends.objects;
      StderrObserver observer;
      deploy::DeployLoop loop(dc, residual ? &*residual : nullptr, static_cast<int>(objects.size()), *backends.robot, *backends.poses,
                              base, &observer);
      if (!o->log_dir.empty()) std::filesystem::create_directories(o->log_dir);
      std::fprintf(stderr, "deploy: %s\n", backends.description.c_str());
      // Let the pose subscription reach the publisher before the first episode (ZeroMQ drops messages
      // published before a subscriber is connected).
      if (backends.pose_stream) std::this_thread::sleep_for(std::chrono::milliseconds(200));
      deploy::EpisodeLog log;
      int successes = 0, stops = 0;
      double total_ticks = 0;
      nlohmann::json episodes = nlohmann::json::array();
      for (int j = 0; j < o->episodes; ++j) {
        const uint64_t seed = demo_seeds.empty() ? episode_seed(o->seed, j) : demo_seeds[j];
        observer.events = nlohmann::json::array();
        const deploy::EpisodeResult r = loop.run_episode(static_cast<uint64_t>(j), seed, o->log_dir.empty() ? nullptr : &log);
        successes += r.success;
        stops += r.end == deploy::EpisodeEnd::kSafetyStop;
        total_ticks += r.ticks;
        std::fprintf(stderr, "episode %d seed %llu: %s%s%s, %d ticks, %d chunks, pose invalid %d ticks, max divergence %.3f m%s%s\n", j,
                     static_cast<unsigned long long>(seed), r.success ? "success" : "no success", ", ", deploy::episode_end_name(r.end),
                     r.ticks, r.chunks, r.pose_invalid_ticks, r.max_divergence_m,
                     r.end == deploy::EpisodeEnd::kSafetyStop ? " -- stop: " : "",
                     r.end == deploy::EpisodeEnd::kSafetyStop ? deploy::safety_kind_name(r.stop_kind) : "");
        nlohmann::json triggers = nlohmann::json::object();
        for (int k = 0; k < static_cast<int>(deploy::SafetyKind::kCount); ++k)
          if (r.triggers[k] > 0) triggers[deploy::safety_kind_name(static_cast<deploy::SafetyKind>(k))] = r.triggers[k];
        nlohmann::json ej{{"episode", j}, {"seed", seed}, {"success", r.success}, {"end", deploy::episode_end_name(r.end)},
                          {"ticks", r.ticks}, {"return", r.episode_return}, {"pose_invalid_ticks", r.pose_invalid_ticks},
                          {"pose_missing_scalars_ticks", r.pose_missing_scalars_ticks},
                          {"held_ticks", r.held_ticks}, {"max_divergence_m", r.max_divergence_m}, {"triggers", triggers}};
        if (r.end == deploy::EpisodeEnd::kSafetyStop) {
          ej["stop"] = deploy::safety_kind_name(r.stop_kind);
          ej["stop_detail"] = r.stop_detail;
        }
        episodes.push_back(ej);
        if (!o->log_dir.empty()) {
          const std::string path = o->log_dir + "/episode_" + std::to_string(j) + ".hdf5";
          nlohmann::json args{{"task", o->task}, {"domain", "deploy"}, {"robot", o->robot}, {"poses", o->poses}, {"backends", backends.description},
                              {"base", o->base}, {"residual", o->residual}, {"seed", seed}, {"run_seed", o->seed},
                              {"rate_hz", dc.rate_hz}, {"no_chunk", deploy::no_chunk_policy_name(dc.no_chunk)},
                              {"version", "0.1.0"}, {"result", ej}, {"safety_events", observer.events},
                              {"action", "absolute TCP target, base frame: position (m), quaternion (w x y z), gripper width (m)"}};
          log.save(path, args.dump());
        }
        if (g_stop) break;
      }
      const int n = static_cast<int>(episodes.size());
      std::fprintf(stderr, "%s | deploy | %s: %d/%d successes, %d safety stops, mean length %.1f ticks\n", o->task.c_str(),
                   residual ? "base+residual" : "base", successes, n, stops, n ? total_ticks / n : 0.0);
      if (o->json)
        std::cout << nlohmann::json{{"task", o->task}, {"domain", "deploy"}, {"policy", residual ? "base+residual" : "base"},
                                    {"episodes", n}, {"successes", successes},
                                    {"success_rate", n ? static_cast<double>(successes) / n : 0.0},
                                    {"mean_length", n ? total_ticks / n : 0.0}, {"safety_stops", stops}, {"seed", o->seed},
                                    {"per_episode", episodes}}
                         .dump()
                  << std::endl;
    });
  }
}

}  // namespace ocres::apps
