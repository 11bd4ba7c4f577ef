// `ocres train`: residual training (TD3, or PPO over held decisions) on top of a frozen base policy, in
// a simulated domain; and `ocres correction-value`: what the hand-written correction is worth to a
// per-step learner.
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "apps/commands.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "policy/residual_file.h"
#include "learn/correction_value.h"
#include "learn/train_config.h"
#include "policy/bc_policy.h"
#include "sim/domain.h"
#include "tasks/registry.h"

namespace ocres::apps {

namespace {

// Where a run writes.
struct RunFiles {
  std::string out, task;
  std::string checkpoint() const { return out + "/checkpoint.safetensors"; }
  std::string csv() const { return out + "/metrics.csv"; }
  std::string best_json() const { return out + "/best_residual.json"; }
};

constexpr const char* kCsvHeader =
    "env_steps,updates,elapsed_s,env_steps_per_s,updates_per_s,train_success,eval_success,eval_mean_length,critic_loss,actor_loss,q_mean\n";

// After a resume, rows logged after the checkpoint (by the killed process) are dropped: the resumed run
// logs them again, and the curve must not show them twice.
void keep_csv_rows_up_to(const std::string& csv, int64_t env_steps) {
  std::ifstream in(csv);
  if (!in) {
    write_file_atomic(csv, kCsvHeader);
    return;
  }
  std::string line, kept;
  bool header = true;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (header || std::atoll(line.c_str()) <= env_steps) kept += line + "\n";
    header = false;
  }
  write_file_atomic(csv, kept.empty() ? std::string(kCsvHeader) : kept);
}

// The loop both learners share: progress lines, metrics.csv, checkpoints, the best residual by held-out
// evaluation (its score survives a resume, so a resumed run never replaces it with a worse one), the
// final residual. `labels` name the three loss columns in the progress line (their CSV names are fixed).
template <class Trainer>
void run_training(Trainer& trainer, const RunFiles& files, policy::ResidualModel model, bool resume, bool checkpoint_every_log,
                  const std::array<const char*, 3>& labels) {
  const int64_t total = trainer.config().total_env_steps;
  if (resume) {
    if (!std::filesystem::exists(files.checkpoint())) throw InputError("--resume: no checkpoint at " + files.checkpoint());
    trainer.load_checkpoint(files.checkpoint());
    keep_csv_rows_up_to(files.csv(), trainer.metrics().env_steps);
    std::fprintf(stderr, "resumed from %s at %ld env steps\n", files.checkpoint().c_str(), static_cast<long>(trainer.metrics().env_steps));
  } else {
    write_file_atomic(files.csv(), kCsvHeader);
  }
  double best = -1;
  if (resume && std::filesystem::exists(files.best_json())) {
    std::ifstream in(files.best_json());
    std::string text((std::istreambuf_iterator<char>(in)), {});
    const auto pos = text.find("\"eval_success_rate\":");
    if (pos != std::string::npos) best = std::atof(text.c_str() + pos + 20);
  }
  auto current = [&]() -> policy::ResidualModel& {
    model.actor = trainer.actor();
    model.obs_norm = trainer.obs_normalizer();
    return model;
  };
  trainer.train([&](const learn::TrainMetrics& m) {
    const double frac = static_cast<double>(m.env_steps) / total;
    const double eta = m.env_steps_per_s > 0 ? std::max<double>(0, total - m.env_steps) / m.env_steps_per_s : 0;
    std::fprintf(stderr, "[%s] %7ld/%ld steps (%3.0f%%) | %5.0f steps/s %5.0f upd/s | train succ %3.0f%% | eval %s | %s %.4f %s %.3f %s %.2f | ETA %3.0fs\n",
                 files.task.c_str(), static_cast<long>(m.env_steps), static_cast<long>(total), 100 * std::min(1.0, frac), m.env_steps_per_s,
                 m.updates_per_s, 100 * m.train_success_rate,
                 m.eval_success_rate < 0 ? "  -  " : (std::to_string(static_cast<int>(100 * m.eval_success_rate + 0.5)) + "%").c_str(), labels[0],
                 m.critic_loss, labels[1], m.actor_loss, labels[2], m.q_mean, eta);
    std::ofstream(files.csv(), std::ios::app) << m.env_steps << "," << m.updates << "," << m.elapsed_s << "," << m.env_steps_per_s << ","
                                              << m.updates_per_s << "," << m.train_success_rate << "," << m.eval_success_rate << ","
                                              << m.eval_mean_length << "," << m.critic_loss << "," << m.actor_loss << "," << m.q_mean << "\n";
    if (checkpoint_every_log || m.eval_success_rate >= 0) trainer.save_checkpoint(files.checkpoint());
    if (m.eval_success_rate > best) {
      best = m.eval_success_rate;
      policy::save_residual(files.out + "/best_residual.safetensors", current());
      write_file_atomic(files.best_json(), "{\"eval_success_rate\":" + std::to_string(best) + ",\"env_steps\":" + std::to_string(m.env_steps) + "}\n");
    }
  });
  policy::save_residual(files.out + "/residual.safetensors", current());
  trainer.save_checkpoint(files.checkpoint());
  std::fprintf(stderr, "saved %s/residual.safetensors (final eval %.0f%% on %d held-out episodes, %.0f s)\n", files.out.c_str(),
               100 * trainer.metrics().eval_success_rate, trainer.config().eval_episodes, trainer.metrics().elapsed_s);
}

}  // namespace

void register_train_commands(CLI::App& app) {
  struct Opts {
    std::string task, base, domain = "sim", config, out;
    bool resume = false, no_noise = false, no_dropout = false;
    uint64_t seed = 0;
    int threads = 1;
    double steps = 0;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("train", "Train a residual on top of a frozen base policy (simulation): TD3, or PPO over held decisions (config `algorithm`)");
  cmd->add_option("--task", o->task, "task name")->required();
  cmd->add_option("--base", o->base, "frozen base policy (.safetensors), the sim twin")->required();
  cmd->add_option("--domain", o->domain, "training domain")->default_val("sim");
  cmd->add_option("--config", o->config, "YAML overriding the training config (see configs/train/README.md)");
  cmd->add_option("--out", o->out, "run directory (checkpoints, metrics.csv, residual.safetensors)")->required();
  cmd->add_option("--seed", o->seed, "training seed")->default_val(0);
  cmd->add_option("--threads", o->threads, "threads for environment stepping")->default_val(1)->check(CLI::Range(1, 256));
  cmd->add_option("--steps", o->steps, "override total environment steps");
  cmd->add_flag("--resume", o->resume, "continue from <out>/checkpoint.safetensors");
  cmd->add_flag("--no-noise", o->no_noise, "ablation: no pose noise in training");
  cmd->add_flag("--no-dropout", o->no_dropout, "ablation: no pose dropout in training");
  cmd->callback([o] {
    auto task = tasks::make_task(o->task);
    policy::BcPolicy::load_for_task(o->base, o->task);  // fails early on a bad file or another task's base
    const learn::ResidualTrainConfig config = learn::load_residual_train_config(o->config, o->task);
    const sim::DomainConfig domain = sim::load_domain(o->domain);
    auto scene = tasks::compile_task(o->task, domain);
    const std::string base_path = o->base, task_name = o->task;
    auto make_factory = [&](const learn::ResidualEnvConfig& env_config) -> learn::ResidualEnvFactory {
      return [=](int, bool for_eval) {
        learn::ResidualEnvConfig ec = env_config;
        ec.corrupt_poses = !for_eval;  // evaluation in the training domain sees the true poses
        return std::make_unique<learn::ResidualEnv>(tasks::make_env(scene, domain),
                                                    std::make_unique<policy::BcPolicy>(policy::BcPolicy::load_for_task(base_path, task_name)), ec);
      };
    };
    // Settings every algorithm takes from the command line.
    auto apply_cli = [&](auto& cfg) {
      cfg.seed = o->seed;
      cfg.threads = o->threads;
      if (o->steps > 0) cfg.total_env_steps = static_cast<int64_t>(o->steps);
      if (o->no_noise) cfg.env.corruption.noise = false;
      if (o->no_dropout) cfg.env.corruption.dropout = false;
    };
    std::filesystem::create_directories(o->out);
    const RunFiles files{o->out, o->task};
    policy::ResidualModel model{policy::Mlp{}, o->task, {}, {}, std::filesystem::path(o->base).filename().string(), {}};
    model.layout.num_objects = static_cast<int>(task->info().object_names.size());
    model.layout.num_scalars = static_cast<int>(task->info().scalar_names.size());
    if (config.algorithm == learn::ResidualAlgorithm::kHeldPpo) {
      learn::HeldPpoConfig cfg = config.held_ppo;
      apply_cli(cfg);
      model.scales = cfg.env.scales;
      learn::HeldPpoTrainer trainer(cfg, make_factory(cfg.env));
      run_training(trainer, files, model, o->resume, /*checkpoint_every_log=*/true, {"value loss", "surrogate", "V"});
    } else {
      learn::Td3Config cfg = config.td3;
      apply_cli(cfg);
      model.scales = cfg.env.scales;
      learn::Td3Trainer trainer(cfg, make_factory(cfg.env));
      run_training(trainer, files, model, o->resume, /*checkpoint_every_log=*/false, {"critic", "actor", "q"});
    }
  });

  // `ocres correction-value`: what the hand-written correction is worth to a per-step learner.
  struct CvOpts {
    learn::CorrectionValueConfig cfg;
    std::string holds = "1,4,16,64";
    std::string plot;  // SVG output, if given
    bool json = false;
  };
  auto cv = std::make_shared<CvOpts>();
  auto* cv_cmd = app.add_subcommand(
      "correction-value",
      "Paired same-seed rollouts: the discounted return of the base when the scripted x/y correction is applied at one moment for m steps, minus the base's");
  cv_cmd->add_option("--task", cv->cfg.task, "task name")->required();
  cv_cmd->add_option("--base", cv->cfg.base_path, "frozen base policy (.safetensors), the sim twin")->required();
  cv_cmd->add_option("--domain", cv->cfg.domain, "domain name or YAML file")->default_val("sim");
  cv_cmd->add_option("--episodes", cv->cfg.episodes, "episodes (held-out seeds)")->default_val(20)->check(CLI::Range(1, 100000));
  cv_cmd->add_option("--seed", cv->cfg.seed, "run seed (episode j uses a seed derived from it and j)")->default_val(2000000);
  cv_cmd->add_option("--threads", cv->cfg.threads, "worker threads")->default_val(1)->check(CLI::Range(1, 256));
  cv_cmd->add_option("--stride", cv->cfg.stride, "probe every N-th step at which the correction acts")->default_val(30)->check(CLI::Range(1, 100000));
  cv_cmd->add_option("--hold", cv->holds, "comma-separated numbers of steps the correction is held")->default_val("1,4,16,64");
  cv_cmd->add_option("--gamma", cv->cfg.gamma, "discount of the returns (the trainer's)")->default_val(0.95)->check(CLI::Range(0.0, 0.9999));
  cv_cmd->add_flag("--json", cv->json, "print one JSON object on stdout");
  cv_cmd->add_option("--plot", cv->plot, "also write the table as an SVG bar chart to this file");
  cv_cmd->callback([cv] {
    tasks::make_task(cv->cfg.task);  // validate the name before any work
    if (!cv->plot.empty()) {  // its directory is made (as other commands' outputs) before the measurement, not after it
      const auto dir = std::filesystem::absolute(cv->plot).parent_path();
      std::error_code ec;
      std::filesystem::create_directories(dir, ec);
      if (!std::filesystem::is_directory(dir)) throw InputError("--plot: cannot create directory " + dir.string());
    }
    policy::BcPolicy::load_for_task(cv->cfg.base_path, cv->cfg.task);
    cv->cfg.hold_steps.clear();
    for (const std::string& v : split_list(cv->holds)) {
      char* end = nullptr;
      const long m = std::strtol(v.c_str(), &end, 10);
      if (*end != '\0' || m < 0 || m > 100000) throw InputError("--hold: '" + v + "' is not a number of steps");
      cv->cfg.hold_steps.push_back(static_cast<int>(m));
    }
    if (cv->cfg.hold_steps.empty()) throw InputError("--hold: no values");
    const auto t0 = std::chrono::steady_clock::now();
    const std::string task = cv->cfg.task;
    const auto rows = learn::measure_correction_value(cv->cfg, [&](int done, int total) {
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::fprintf(stderr, "[correction-value %s] %d/%d episodes | %.0f s | ETA %.0f s\n", task.c_str(), done, total, secs, secs / done * (total - done));
    });
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "%s | %s | %d episodes, every %d-th correcting step, gamma %.3g, %.0f s\n", cv->cfg.task.c_str(), cv->cfg.domain.c_str(),
                 cv->cfg.episodes, cv->cfg.stride, cv->cfg.gamma, secs);
    nlohmann::json out{{"task", cv->cfg.task}, {"domain", cv->cfg.domain}, {"episodes", cv->cfg.episodes}, {"seed", cv->cfg.seed},
                       {"stride", cv->cfg.stride}, {"gamma", cv->cfg.gamma}, {"rows", nlohmann::json::array()}};
    std::FILE* table = cv->json ? stderr : stdout;
    std::fprintf(table, "| held steps | moments | correction: G - G(base) | negated: G - G(base) |\n|---|---|---|---|\n");
    for (const auto& r : rows) {
      std::fprintf(table, "| %d | %d | %+.3f ± %.3f | %+.3f ± %.3f |\n", r.hold_steps, r.moments, r.toward_mean, r.toward_sem, r.away_mean,
                   r.away_sem);
      out["rows"].push_back({{"hold_steps", r.hold_steps}, {"moments", r.moments}, {"toward_mean", r.toward_mean}, {"toward_sem", r.toward_sem},
                             {"away_mean", r.away_mean}, {"away_sem", r.away_sem}});
    }
    if (!cv->plot.empty()) {
      write_file_atomic(cv->plot, learn::correction_value_svg(cv->cfg, rows));
      std::fprintf(stderr, "wrote %s\n", cv->plot.c_str());
    }
    if (cv->json) std::cout << out.dump() << std::endl;
  });
}

}  // namespace ocres::apps
