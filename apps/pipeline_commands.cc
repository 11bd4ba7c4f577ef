// `ocres pipeline`: the main job, end to end — demos -> paired bases -> residuals (with ablations) ->
// evaluation -> tables, plots and a side-by-side video.
//
// Every step is one `ocres` subcommand run as a child process with its own log (RUNS/logs/), so the
// pipeline is exactly what a user could type, steps of a stage run in parallel (--jobs), and a step
// whose output already exists is skipped: re-running after a kill continues where it stopped (a
// residual whose training was cut off resumes from its checkpoint).
#include <spawn.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "apps/commands.h"
#include "core/error.h"
#include "tasks/registry.h"

extern char** environ;

namespace ocres::apps {

namespace fs = std::filesystem;

namespace {

struct Profile {
  int demos = 30;
  int bc_steps = 4000;
  int seeds = 3;
  std::vector<std::string> conditions = {"full", "no_noise", "no_dropout", "no_both"};
  std::string train_config_dir = "configs/train";  // <task>.yaml per task (the full profile's settings)
  std::string train_config_override;                // if set, used for every task instead
  int eval_episodes = 100;
  bool all_videos = true;  // one comparison video per task (quick: the first task only, smaller)
  int video_width = 480, video_height = 360;
};

Profile quick_profile() {
  Profile p;
  p.demos = 5;
  p.bc_steps = 300;
  p.seeds = 1;
  p.conditions = {"full"};
  p.train_config_override = "configs/train/quick.yaml";
  p.eval_episodes = 10;
  p.all_videos = false;
  p.video_width = 240;
  p.video_height = 180;
  return p;
}

struct Step {
  std::string name;               // shown in progress lines, e.g. "train lift full seed0"
  std::vector<std::string> args;  // ocres arguments
  std::string output;             // the step is done when this path exists
};

std::string self_exe() { return fs::read_symlink("/proc/self/exe").string(); }

// Starts `ocres args...` with stdout+stderr to `log`; returns the pid.
pid_t spawn(const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> argv_s = {self_exe()};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("cannot start " + argv_s[0] + ": " + std::strerror(rc));
  return pid;
}

std::string tail_of(const std::string& path, int lines) {
  std::ifstream in(path);
  std::vector<std::string> all;
  for (std::string l; std::getline(in, l);) all.push_back(l);
  std::string out;
  for (size_t i = all.size() > static_cast<size_t>(lines) ? all.size() - lines : 0; i < all.size(); ++i) out += "    " + all[i] + "\n";
  return out;
}

std::string safe_name(std::string s) {
  for (char& c : s)
    if (c == ' ' || c == '/') c = '_';
  return s;
}

// Runs the steps of one stage, at most `jobs` at a time; steps whose output exists are skipped.
// Throws (after the running steps end) if a step fails, quoting the end of its log.
void run_stage(const std::string& stage, const std::vector<Step>& steps, int jobs, const std::string& log_dir) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  std::vector<const Step*> todo;
  int skipped = 0;
  for (const Step& s : steps) {
    if (fs::exists(s.output)) ++skipped;
    else todo.push_back(&s);
  }
  std::fprintf(stderr, "== %s: %zu step(s)%s\n", stage.c_str(), todo.size(),
               skipped ? (", " + std::to_string(skipped) + " already done").c_str() : "");
  std::map<pid_t, std::pair<const Step*, Clock::time_point>> running;
  size_t next = 0, done = 0;
  std::string failure;
  while (next < todo.size() || !running.empty()) {
    while (failure.empty() && next < todo.size() && static_cast<int>(running.size()) < jobs) {
      const Step* s = todo[next++];
      const std::string log = log_dir + "/" + safe_name(s->name) + ".log";
      running[spawn(s->args, log)] = {s, Clock::now()};
    }
    if (running.empty()) break;
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) throw std::runtime_error("waitpid failed");
    const auto it = running.find(pid);
    if (it == running.end()) continue;
    const Step* s = it->second.first;
    const double secs = std::chrono::duration<double>(Clock::now() - it->second.second).count();
    running.erase(it);
    ++done;
    const std::string log = log_dir + "/" + safe_name(s->name) + ".log";
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && fs::exists(s->output);
    std::fprintf(stderr, "  [%zu/%zu] %-36s %s (%.0f s)\n", done, todo.size(), s->name.c_str(), ok ? "done" : "FAILED", secs);
    if (!ok && failure.empty()) failure = "step '" + s->name + "' failed; end of " + log + ":\n" + tail_of(log, 12);
  }
  if (!failure.empty()) throw InputError(failure);
  std::fprintf(stderr, "   %s finished in %.0f s\n", stage.c_str(), std::chrono::duration<double>(Clock::now() - t0).count());
}

}  // namespace

void register_pipeline_commands(CLI::App& app) {
  struct Opts {
    std::string out = "runs/default", tasks, stop_after;
    bool quick = false;
    int jobs = 0, episodes = 0, seeds = 0;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("pipeline", "The main job: demos -> paired bases -> residuals (+ ablations) -> evaluation, tables, plots, video");
  cmd->add_option("--out", o->out, "run directory (every step's output and log; re-run to resume)")->default_val("runs/default");
  cmd->add_flag("--quick", o->quick, "reduced profile that runs in minutes (5 demos, 1 seed, full condition only, short training)");
  cmd->add_option("--tasks", o->tasks, "comma-separated tasks (default: all)");
  cmd->add_option("--jobs", o->jobs, "steps run in parallel (default: number of cores)")->check(CLI::Range(1, 256));
  cmd->add_option("--episodes", o->episodes, "evaluation episodes per row (default: 100; quick: 10)")->check(CLI::Range(1, 100000));
  cmd->add_option("--seeds", o->seeds, "training seeds per condition (default: 3; quick: 1)")->check(CLI::Range(1, 100));
  cmd->add_option("--stop-after", o->stop_after, "stop after a stage: demos | replay | bases | residuals | eval")
      ->check(CLI::IsMember({"demos", "replay", "bases", "residuals", "eval"}));
  cmd->callback([o] {
    Profile p = o->quick ? quick_profile() : Profile{};
    if (o->episodes > 0) p.eval_episodes = o->episodes;
    if (o->seeds > 0) p.seeds = o->seeds;
    const int jobs = o->jobs > 0 ? o->jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    std::vector<std::string> task_names;
    if (o->tasks.empty()) {
      task_names = tasks::task_names();
    } else {
      std::stringstream ss(o->tasks);
      for (std::string t; std::getline(ss, t, ',');) {
        tasks::make_task(t);  // unknown task: a clear error now, not after an hour
        task_names.push_back(t);
      }
    }
    const std::string R = o->out;
    for (const char* d : {"data", "bases", "residuals", "logs", "eval", "videos"}) fs::create_directories(R + "/" + d);
    const std::string logs = R + "/logs";
    const bool only_data = o->stop_after == "demos" || o->stop_after == "replay" || o->stop_after == "bases";
    auto train_config = [&](const std::string& task) {
      const std::string c = p.train_config_override.empty() ? p.train_config_dir + "/" + task + ".yaml" : p.train_config_override;
      if (!only_data && !fs::exists(c)) throw InputError("training config '" + c + "' not found (run from the repository root)");
      return c;
    };
    const auto t0 = std::chrono::steady_clock::now();

    std::vector<Step> demos, replays, bases, residuals;
    for (const auto& t : task_names) {
      const std::string lab = R + "/data/" + t + "_lab.hdf5", sim = R + "/data/" + t + "_sim.hdf5";
      demos.push_back({"demos " + t, {"demos", "--task", t, "--domain", "lab", "--count", std::to_string(p.demos), "--out", lab}, lab});
      replays.push_back({"replay " + t, {"replay", "--demos", lab, "--domain", "sim", "--out", sim}, sim});
      for (const char* d : {"lab", "sim"}) {
        const std::string out = R + "/bases/" + t + "_" + d + ".safetensors";
        bases.push_back({"base " + t + " " + d,
                         {"train-base", "--task", t, "--from", std::string(d) == std::string("lab") ? lab : sim, "--steps",
                          std::to_string(p.bc_steps), "--out", out},
                         out});
      }
      for (const auto& c : p.conditions)
        for (int k = 0; k < p.seeds; ++k) {
          const std::string dir = R + "/residuals/" + t + "/" + c + "/seed" + std::to_string(k);
          std::vector<std::string> a = {"train", "--task", t, "--base", R + "/bases/" + t + "_sim.safetensors", "--config",
                                        train_config(t), "--seed", std::to_string(k), "--out", dir};
          if (c == "no_noise" || c == "no_both") a.push_back("--no-noise");
          if (c == "no_dropout" || c == "no_both") a.push_back("--no-dropout");
          if (fs::exists(dir + "/checkpoint.safetensors")) a.push_back("--resume");
          residuals.push_back({"train " + t + " " + c + " seed" + std::to_string(k), a, dir + "/residual.safetensors"});
        }
    }
    auto stop = [&](const char* stage) {
      if (o->stop_after != stage) return false;
      std::fprintf(stderr, "stopped after '%s' (--stop-after) in %.0f s\n", stage,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      return true;
    };
    run_stage("demonstrations (lab, teleoperation emulation)", demos, jobs, logs);
    if (stop("demos")) return;
    run_stage("teleoperation replay in sim", replays, jobs, logs);
    if (stop("replay")) return;
    run_stage("paired base policies (real-VLA stand-in, sim twin)", bases, jobs, logs);
    if (stop("bases")) return;
    run_stage("residual training (sim, sim twin as base)", residuals, jobs, logs);
    if (stop("residuals")) return;
    std::string task_list;
    for (const auto& t : task_names) task_list += (task_list.empty() ? "" : ",") + t;
    std::vector<std::string> conditions = {"base"};
    conditions.insert(conditions.end(), p.conditions.begin(), p.conditions.end());
    std::string cond_list;
    for (const auto& c : conditions) cond_list += (cond_list.empty() ? "" : ",") + c;
    const std::string table = R + "/eval/table_lab.md";
    std::error_code ec;
    fs::remove(table, ec);  // evaluation always re-runs: its inputs may have changed
    run_stage("evaluation (sim and lab, held-out seeds)",
              {{"eval", {"eval", "--runs", R, "--tasks", task_list, "--conditions", cond_list, "--domains", "sim,lab", "--episodes",
                         std::to_string(p.eval_episodes), "--threads", std::to_string(jobs), "--out", R + "/eval"},
                table}},
              1, logs);
    if (stop("eval")) return;
    std::vector<Step> videos;
    for (const auto& t : task_names) {
      if (!p.all_videos && !videos.empty()) break;
      const std::string out = R + "/videos/" + t + "_lab_base_vs_residual.mp4";
      videos.push_back({"video " + t,
                        {"compare-video", "--task", t, "--domain", "lab", "--base", R + "/bases/" + t + "_lab.safetensors", "--residual",
                         R + "/residuals/" + t + "/full/seed0/residual.safetensors", "--out", out, "--frame-png",
                         R + "/videos/" + t + "_lab_base_vs_residual.png", "--width", std::to_string(p.video_width), "--height",
                         std::to_string(p.video_height)},
                        out});
    }
    run_stage("videos (lab: base left, base + residual right)", videos, jobs, logs);
    std::ifstream in(table);
    std::fprintf(stderr, "\n== lab (zero-shot) results: %s\n%s\n", table.c_str(),
                 std::string(std::istreambuf_iterator<char>(in), {}).c_str());
    std::fprintf(stderr, "pipeline finished in %.0f s: tables, CSV and plots in %s/eval, videos in %s/videos\n",
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), R.c_str(), R.c_str());
  });
}

}  // namespace ocres::apps
