// Commands of the simulation core: tasks, kinematics, ik, rollout --policy expert.
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "apps/commands.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/franka.h"
#include "eval/failure_modes.h"
#include "eval/rollout.h"
#include "learn/residual_eval.h"
#include "learn/teleop.h"
#include "sim/domain.h"
#include "policy/bc_policy.h"
#include "sim/cartesian_controller.h"
#include "tasks/registry.h"

namespace ocres::apps {
namespace {

std::vector<double> parse_numbers(const std::string& text, size_t expected, const std::string& flag) {
  std::vector<double> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      size_t used = 0;
      out.push_back(std::stod(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw InputError(flag + ": '" + item + "' is not a number");
    }
  }
  if (out.size() != expected)
    throw InputError(flag + ": expected " + std::to_string(expected) + " comma-separated numbers, got " +
                     std::to_string(out.size()) + " in '" + text + "'");
  for (double v : out)
    if (!std::isfinite(v)) throw InputError(flag + ": non-finite value in '" + text + "'");
  return out;
}

nlohmann::json pose_json(const Pose& X) {
  return {{"position_m", {X.p.x(), X.p.y(), X.p.z()}}, {"quaternion_wxyz", to_wxyz(canonical(X.q))}};
}

}  // namespace

void register_sim_commands(CLI::App& app) {
  auto* tasks_cmd = app.add_subcommand("tasks", "List the tasks");
  tasks_cmd->callback([] {
    for (const auto& name : tasks::task_names()) {
      auto t = tasks::make_task(name);
      std::printf("%-12s %-16s horizon %d steps, objects:", name.c_str(), t->info().title.c_str(), t->info().horizon);
      for (const auto& o : t->info().object_names) std::printf(" %s", o.c_str());
      std::printf("\n");
    }
  });

  struct KinOpts {
    std::string q;
    bool json = false;
  };
  auto kin = std::make_shared<KinOpts>();
  auto* kin_cmd = app.add_subcommand("kinematics", "TCP pose in the base frame for joint angles (FR3 DH model)");
  kin_cmd->add_option("--q", kin->q, "7 joint angles in rad, comma-separated")->required();
  kin_cmd->add_flag("--json", kin->json, "print one JSON object");
  kin_cmd->callback([kin] {
    const auto v = parse_numbers(kin->q, 7, "--q");
    franka::JointVec q = Eigen::Map<const franka::JointVec>(v.data());
    for (int i = 0; i < 7; ++i)
      if (q[i] < franka::kQMin[i] || q[i] > franka::kQMax[i])
        throw InputError("--q: joint " + std::to_string(i + 1) + " = " + std::to_string(q[i]) + " rad is outside [" +
                         std::to_string(franka::kQMin[i]) + ", " + std::to_string(franka::kQMax[i]) + "]");
    const Pose X = franka::tcp_pose(q);
    if (kin->json) {
      std::cout << pose_json(X).dump() << std::endl;
    } else {
      const auto w = to_wxyz(canonical(X.q));
      std::printf("TCP position (m): %.6f %.6f %.6f\nTCP quaternion (w,x,y,z): %.6f %.6f %.6f %.6f\n", X.p.x(), X.p.y(),
                  X.p.z(), w[0], w[1], w[2], w[3]);
    }
  });

  struct IkOpts {
    std::string pose;
    bool json = false;
  };
  auto ik = std::make_shared<IkOpts>();
  auto* ik_cmd = app.add_subcommand("ik", "Joint angles reaching a TCP pose (base frame), from the home posture");
  ik_cmd->add_option("--pose", ik->pose, "x,y,z,qw,qx,qy,qz (m, unit quaternion)")->required();
  ik_cmd->add_flag("--json", ik->json, "print one JSON object");
  ik_cmd->callback([ik] {
    const auto v = parse_numbers(ik->pose, 7, "--pose");
    const Quat q(v[3], v[4], v[5], v[6]);
    if (q.norm() < 1e-6) throw InputError("--pose: quaternion has zero norm");
    const Pose target{Vec3(v[0], v[1], v[2]), q.normalized()};
    sim::CartesianControllerConfig cfg;
    cfg.max_iterations = 500;
    cfg.velocity_scale = 1e6;  // a one-shot solve: no per-period velocity bound
    const sim::IkResult r = sim::CartesianController(cfg).solve(franka::to_vec(franka::kHomeQ), target);
    if (!r.converged)
      throw InputError("--pose " + ik->pose + " is unreachable: best solution misses by " +
                       std::to_string(r.position_error_m * 1000) + " mm and " + std::to_string(r.orientation_error_rad) +
                       " rad");
    if (ik->json) {
      std::cout << nlohmann::json{{"q_rad", std::vector<double>(r.q.data(), r.q.data() + 7)},
                                  {"position_error_m", r.position_error_m},
                                  {"orientation_error_rad", r.orientation_error_rad}}
                       .dump()
                << std::endl;
    } else {
      std::printf("q (rad):");
      for (int i = 0; i < 7; ++i) std::printf(" %.6f", r.q[i]);
      std::printf("\nerror: %.3g m, %.3g rad\n", r.position_error_m, r.orientation_error_rad);
    }
  });

  struct RolloutOpts {
    eval::RolloutConfig cfg;
    std::string policy = "expert";
    std::string base_path, residual_path, constant_residual, episodes_csv;
    bool json = false, scripted_residual = false;
  };
  auto ro = std::make_shared<RolloutOpts>();
  auto* ro_cmd = app.add_subcommand("rollout", "Run episodes of a policy and report success");
  ro_cmd->add_option("--task", ro->cfg.task, "task name (see `ocres tasks`)")->required();
  ro_cmd->add_option("--policy", ro->policy, "policy: expert | teleop (expert with human-like perturbations) | base")->default_val("expert");
  ro_cmd->add_option("--base", ro->base_path, "base policy weights (.safetensors) for --policy base / base+residual");
  ro_cmd->add_option("--residual", ro->residual_path, "residual weights (.safetensors) for --policy base+residual");
  ro_cmd->add_option("--domain", ro->cfg.domain, "domain name or YAML file")->default_val("sim");
  ro_cmd->add_option("--episodes", ro->cfg.episodes, "number of episodes")->default_val(10)->check(CLI::Range(1, 1000000));
  ro_cmd->add_option("--seed", ro->cfg.seed, "run seed (episode j uses a seed derived from it and j)")->default_val(0);
  ro_cmd->add_option("--threads", ro->cfg.threads, "worker threads")->default_val(1)->check(CLI::Range(1, 256));
  ro_cmd->add_flag("--json", ro->json, "print one JSON object on stdout");
  ro_cmd->add_option("--episodes-csv", ro->episodes_csv, "also write one row per episode here (index,seed,success,length,return,outcome)");
  ro_cmd->add_option("--constant-residual", ro->constant_residual,
                     "with --policy base+residual and no --residual: apply this fixed residual (7 values in [-1, 1]: dx dy dz rx ry rz dgrip) every step");
  ro_cmd->add_flag("--scripted-residual", ro->scripted_residual,
                   "with --policy base+residual and no --residual: the hand-written x/y correction (diagnostic; see policy/scripted_residual.h)");
  ro_cmd->callback([ro] {
    tasks::make_task(ro->cfg.task);  // validate the name before any work
    if (ro->policy != "expert" && ro->policy != "teleop" && ro->policy != "base" && ro->policy != "base+residual")
      throw InputError("unknown policy '" + ro->policy + "' (known: expert, teleop, base, base+residual)");
    if (ro->policy == "base+residual" && ro->residual_path.empty() && ro->constant_residual.empty() && !ro->scripted_residual)
      throw InputError("--policy base+residual needs --residual FILE (or --constant-residual or --scripted-residual)");
    std::vector<float> constant;
    if (!ro->constant_residual.empty()) {
      std::stringstream ss(ro->constant_residual);
      for (std::string v; std::getline(ss, v, ',');) {
        char* end = nullptr;
        const float x = std::strtof(v.c_str(), &end);
        if (v.empty() || *end != '\0' || !std::isfinite(x) || x < -1 || x > 1)
          throw InputError("--constant-residual: '" + v + "' is not a number in [-1, 1]");
        constant.push_back(x);
      }
      if (constant.size() != 7) throw InputError("--constant-residual: expected 7 values, got " + std::to_string(constant.size()));
    }
    const bool teleop = ro->policy == "teleop";
    const std::string base_path = ro->base_path;
    if (ro->policy == "base") {
      if (base_path.empty()) throw InputError("--policy base needs --base FILE");
      policy::BcPolicy::load_for_task(base_path, ro->cfg.task);  // fail early on a bad file or another task's base
    }
    if (const std::filesystem::path csv(ro->episodes_csv); csv.has_parent_path())
      std::filesystem::create_directories(csv.parent_path());  // before the episodes: a bad path costs nothing
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<eval::EpisodeStats> stats;
    if (ro->policy == "base+residual") {
      learn::ResidualEvalConfig rc;
      rc.task = ro->cfg.task;
      rc.domain = ro->cfg.domain;
      rc.base_path = base_path;
      rc.residual_path = ro->residual_path;
      rc.episodes = ro->cfg.episodes;
      rc.seed = ro->cfg.seed;
      rc.threads = ro->cfg.threads;
      rc.use_estimator = sim::load_domain(ro->cfg.domain).name == "lab";
      rc.constant_delta = constant;
      rc.scripted = ro->scripted_residual;
      stats = learn::evaluate_residual(rc);
    } else stats = eval::run_episodes(ro->cfg, [teleop, base_path](const sim::Env& env) -> std::unique_ptr<StepPolicy> {
      if (!base_path.empty())
        return std::make_unique<OwningChunkExecutor>(
            std::make_unique<policy::BcPolicy>(policy::BcPolicy::load_for_task(base_path, env.task_info().name)));
      auto expert = tasks::make_task(env.task_info().name)->make_expert();
      if (teleop) return std::make_unique<learn::TeleopEmulator>(std::move(expert));
      return expert;
    });
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!ro->episodes_csv.empty()) write_file_atomic(ro->episodes_csv, eval::episodes_csv(stats));
    const eval::Summary s = eval::summarize(stats);
    std::fprintf(stderr, "%s | %s | %s: %d/%d successes (%.1f%%), mean length %.1f steps, %.1f s\n",
                 ro->cfg.task.c_str(), ro->cfg.domain.c_str(), ro->policy.c_str(), s.successes, s.episodes,
                 100 * s.success_rate, s.mean_length, secs);
    if (ro->policy == "base+residual" && !stats.empty()) {
      std::array<double, 7> m{};
      for (const auto& e : stats)
        for (int k = 0; k < 7; ++k) m[k] += e.mean_abs_residual[k] / stats.size();
      std::fprintf(stderr, "  mean |residual| (x y z rx ry rz grip, units of the scales): %.2f %.2f %.2f %.2f %.2f %.2f %.2f\n", m[0], m[1],
                   m[2], m[3], m[4], m[5], m[6]);
      if (!ro->residual_path.empty())
        std::fprintf(stderr, "  x/y vs the scripted correction, at its %d steps: cosine %.2f, rms %.2f learnt / %.2f scripted\n",
                     s.scripted_steps, s.scripted_cosine, s.learnt_rms, s.scripted_rms);
    }
    nlohmann::json failures = nlohmann::json::object();
    for (int o = 1; o < eval::kNumOutcomes; ++o) {
      failures[eval::outcome_name(static_cast<eval::Outcome>(o))] = s.outcomes[o];
      if (s.outcomes[o] > 0) std::fprintf(stderr, "  failure %-22s %d\n", eval::outcome_name(static_cast<eval::Outcome>(o)), s.outcomes[o]);
    }
    if (ro->json) {
      nlohmann::json out{{"task", ro->cfg.task},         {"domain", ro->cfg.domain}, {"failures", failures},
                         {"policy", ro->policy},         {"episodes", s.episodes},
                         {"successes", s.successes},     {"success_rate", s.success_rate},
                         {"mean_length", s.mean_length}, {"seed", ro->cfg.seed}};
      if (ro->policy == "base+residual" && !ro->residual_path.empty())
        out["scripted_agreement"] = {{"steps", s.scripted_steps},
                                     {"cosine", s.scripted_cosine},
                                     {"learnt_rms", s.learnt_rms},
                                     {"scripted_rms", s.scripted_rms}};
      std::cout << out.dump() << std::endl;
    }
  });
}

}  // namespace ocres::apps
