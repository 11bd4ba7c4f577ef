#include "learn/improve.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <set>

#include "core/action_codec.h"
#include "core/error.h"
#include "learn/demo_io.h"
#include "learn/improve_provenance.h"
#include "learn/residual_eval.h"
#include "policy/bc_policy.h"
#include "policy/residual_file.h"
#include "sim/domain.h"
#include "tasks/registry.h"

namespace ocres::learn {

namespace {

bool uses_estimator(const std::string& domain) { return sim::load_domain(domain).name == "lab"; }

std::string fmt(const char* format, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof(buf), format, args...);
  return buf;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Validated inputs of one improvement run.
struct Inputs {
  policy::BcPolicy base;
  std::vector<EpisodeRecord> demos;  // with provenance
  std::string demos_domain;
};

Inputs load_inputs(const ImproveConfig& cfg) {
  const auto task = tasks::make_task(cfg.task);  // throws InputError naming an unknown task
  const int num_objects = static_cast<int>(task->info().object_names.size());
  const int num_scalars = static_cast<int>(task->info().scalar_names.size());
  if (cfg.episodes < 1 || cfg.eval_episodes < 1 || cfg.rounds < 1)
    throw InputError("episodes, eval episodes and rounds must be at least 1");
  for (const auto& [flag, path] : {std::pair{"base", cfg.base_path}, {"residual", cfg.residual_path}, {"demos", cfg.demos_path}}) {
    if (path.empty()) throw InputError(std::string("no ") + flag + " file given");
    if (!std::filesystem::is_regular_file(path)) throw InputError(std::string(flag) + " file '" + path + "' does not exist");
  }
  policy::BcPolicy base = policy::BcPolicy::load_for_task(cfg.base_path, cfg.task);
  if (base.info().multi_task())
    throw InputError("'" + cfg.base_path + "' is a multi-task base (tasks " + base.info().task_list() +
                     "): `ocres improve --task` fine-tunes a single-task base (use --multi-task for one base for several tasks)");
  const policy::ResidualModel residual = policy::load_residual(cfg.residual_path);
  if (residual.task != cfg.task)
    throw InputError("'" + cfg.residual_path + "' is a residual for task '" + residual.task + "', not '" + cfg.task + "'");
  if (residual.layout.num_objects != num_objects || residual.layout.num_scalars != num_scalars)
    throw InputError("'" + cfg.residual_path + "' has an observation layout of " + std::to_string(residual.layout.num_objects) +
                     " object(s) and " + std::to_string(residual.layout.num_scalars) + " scalar(s); task '" + cfg.task + "' has " +
                     std::to_string(num_objects) + " and " + std::to_string(num_scalars));
  std::string args;
  std::vector<EpisodeRecord> demos = load_with_provenance(cfg.demos_path, &args);
  const DatasetTaskDomain td = dataset_task_domain(args, cfg.demos_path);
  if (td.task != cfg.task)
    throw InputError("'" + cfg.demos_path + "' holds episodes of task '" + td.task + "', not '" + cfg.task + "'");
  const std::string domain = sim::load_domain(cfg.domain).name;
  if (td.domain != domain)
    throw InputError("'" + cfg.demos_path + "' was recorded in domain '" + td.domain + "'; the rollouts run in '" + domain +
                     "', and a fine-tuning dataset holds one domain's observations");
  if (demos.empty()) throw InputError("'" + cfg.demos_path + "' holds no episode");
  return {std::move(base), std::move(demos), td.domain};
}

// Evaluation episodes must be held out: neither a demo's nor a collection episode's seed.
void check_held_out(const ImproveConfig& cfg, const std::vector<EpisodeRecord>& demos) {
  std::set<uint64_t> eval_seeds;
  for (int j = 0; j < cfg.eval_episodes; ++j) eval_seeds.insert(episode_seed(cfg.eval_seed, j));
  for (const EpisodeRecord& d : demos)
    if (eval_seeds.count(d.seed))
      throw InputError("evaluation seed " + std::to_string(cfg.eval_seed) + " reuses the start state of a demo (episode seed " +
                       std::to_string(d.seed) + "): choose another --eval-seed");
  for (int r = 1; r <= cfg.rounds; ++r) {
    const uint64_t s = derive_seed(cfg.seed, static_cast<uint64_t>(r), kCollectionTag);
    for (int j = 0; j < cfg.episodes; ++j)
      if (eval_seeds.count(episode_seed(s, j)))
        throw InputError("evaluation seed " + std::to_string(cfg.eval_seed) + " overlaps the collection episodes of round " +
                         std::to_string(r) + ": choose another --eval-seed or --seed");
  }
}

std::string fine_tune_provenance(const ImproveConfig& cfg, const std::string& init_path, const std::string& dataset_path,
                                 const BcTrainConfig& tc, int round, const std::string& arm) {
  const FileRef init = file_ref(init_path), data = file_ref(dataset_path);
  return nlohmann::json{{"kind", "fine_tune"},
                        {"task", cfg.task},
                        {"domain", cfg.domain},
                        {"init", {{"path", init.path}, {"sha256", init.sha256}}},
                        {"dataset", {{"path", data.path}, {"sha256", data.sha256}}},
                        {"round", round},
                        {"arm", arm},
                        {"steps", tc.steps},
                        {"lr", tc.lr},
                        {"batch", tc.batch},
                        {"seed", tc.seed}}
      .dump();
}

}  // namespace

void validate_improve_inputs(const ImproveConfig& cfg) {
  const Inputs in = load_inputs(cfg);
  check_held_out(cfg, in.demos);
}

RolloutCollection collect_rollouts(const RolloutCollectionConfig& cfg, const std::function<void(int, int)>& on_episode_done) {
  ResidualEvalConfig ec;
  ec.task = cfg.task;
  ec.domain = cfg.domain;
  ec.base_path = cfg.base_path;
  ec.residual_path = cfg.residual_path;
  ec.episodes = cfg.episodes;
  ec.seed = cfg.seed;
  ec.threads = cfg.threads;
  ec.use_estimator = uses_estimator(cfg.domain);
  RolloutCollection out;
  out.episodes.resize(cfg.episodes);
  std::atomic<int> done{0};
  // Episode j is written only by the worker that runs it, and the vector is never resized meanwhile.
  auto record = [&](const ResidualStepView& v) {
    EpisodeRecord& rec = out.episodes[v.episode];
    append_observation(rec, *v.before);
    float encoded[kActionDim];
    encode_action(v.policy_action, encoded);
    rec.actions.insert(rec.actions.end(), encoded, encoded + kActionDim);
    rec.rewards.push_back(static_cast<float>(v.result->reward));
    const bool last = v.result->terminated || v.result->truncated;
    rec.dones.push_back(last ? 1.0f : 0.0f);
    ++rec.length;
    if (last) {
      rec.success = v.result->success;
      if (on_episode_done) on_episode_done(++done, cfg.episodes);
    }
  };
  out.stats = evaluate_residual(ec, record);
  for (int j = 0; j < cfg.episodes; ++j) {
    out.episodes[j].seed = out.stats[j].seed;
    OCRES_CHECK(out.episodes[j].length == out.stats[j].length && out.episodes[j].success == out.stats[j].success,
                "recorded episode differs from the evaluation's statistics");
  }
  return out;
}

std::vector<EpisodeRecord> keep_successes(std::vector<EpisodeRecord> episodes) {
  std::vector<EpisodeRecord> kept;
  for (EpisodeRecord& e : episodes)
    if (e.success) kept.push_back(std::move(e));
  return kept;
}

ImproveRow evaluate_pair(const std::string& task, const std::string& domain, const std::string& base_path,
                         const std::string& residual_path, int episodes, uint64_t eval_seed, int threads) {
  ResidualEvalConfig ec;
  ec.task = task;
  ec.domain = domain;
  ec.base_path = base_path;
  ec.residual_path = residual_path;
  ec.episodes = episodes;
  ec.seed = eval_seed;
  ec.threads = threads;
  ec.use_estimator = uses_estimator(domain);
  const std::vector<eval::EpisodeStats> stats = evaluate_residual(ec);
  const eval::Summary s = eval::summarize(stats);
  ImproveRow row;
  for (const eval::EpisodeStats& e : stats) {
    row.episode_success.push_back(e.success);
    row.episode_length.push_back(e.length);
  }
  row.task = task;
  row.with_residual = !residual_path.empty();
  row.base_path = base_path;
  row.episodes = s.episodes;
  row.successes = s.successes;
  row.mean_length = s.mean_length;
  if (s.successes > 0) row.mean_success_length = s.mean_success_length;
  return row;
}

ImproveResult run_improve(const ImproveConfig& cfg, const ImproveProgress& progress) {
  auto say = [&](const std::string& m) {
    if (progress) progress(m);
  };
  Inputs in = load_inputs(cfg);
  check_held_out(cfg, in.demos);
  std::filesystem::create_directories(cfg.out_dir);
  ImproveResult result;
  result.num_demos = static_cast<int>(in.demos.size());
  const std::string domain = sim::load_domain(cfg.domain).name;

  auto evaluate = [&](int round, const std::string& base_name, const std::string& base_path, bool with_residual, int demos,
                      int rollouts) {
    const auto t0 = std::chrono::steady_clock::now();
    ImproveRow row = evaluate_pair(cfg.task, cfg.domain, base_path, with_residual ? cfg.residual_path : "", cfg.eval_episodes,
                                   cfg.eval_seed, cfg.threads);
    row.round = round;
    row.base = base_name;
    row.train_demos = demos;
    row.train_rollouts = rollouts;
    say(fmt("[%s] eval round %d %-10s %-9s %3d/%-3d (%3.0f%%), mean length on successes %s  (%.0f s)", cfg.task.c_str(), round,
            base_name.c_str(), with_residual ? "+residual" : "alone", row.successes, row.episodes, 100 * row.success_rate(),
            std::isnan(row.mean_success_length) ? "-" : fmt("%.0f", row.mean_success_length).c_str(), seconds_since(t0)));
    result.rows.push_back(row);
  };

  say(fmt("[%s] %zu demos from %s; evaluating on %d held-out episodes (seed %llu) in %s", cfg.task.c_str(), in.demos.size(),
          cfg.demos_path.c_str(), cfg.eval_episodes, static_cast<unsigned long long>(cfg.eval_seed), domain.c_str()));
  evaluate(0, "original", cfg.base_path, false, result.num_demos, 0);
  evaluate(0, "original", cfg.base_path, true, result.num_demos, 0);

  struct Arm {
    std::string name;          // "corrected" | "control"
    bool residual;             // collect with the residual
    std::string base_path;     // the current base
    std::vector<EpisodeRecord> kept;  // kept rollouts of every round so far
    std::vector<std::string> collections;  // provenance of every collection so far
  };
  std::vector<Arm> arms = {{"corrected", true, cfg.base_path, {}, {}}, {"control", false, cfg.base_path, {}, {}}};
  for (int r = 1; r <= cfg.rounds; ++r) {
    const std::filesystem::path round_dir = std::filesystem::path(cfg.out_dir) / ("round" + std::to_string(r));
    std::filesystem::create_directories(round_dir);
    const uint64_t collection_seed = derive_seed(cfg.seed, static_cast<uint64_t>(r), kCollectionTag);
    for (Arm& arm : arms) {
      // Collect: same seeds for both arms, so they differ only in the residual.
      const auto t0 = std::chrono::steady_clock::now();
      RolloutCollectionConfig rc;
      rc.task = cfg.task;
      rc.domain = cfg.domain;
      rc.base_path = arm.base_path;
      rc.residual_path = arm.residual ? cfg.residual_path : "";
      rc.episodes = cfg.episodes;
      rc.seed = collection_seed;
      rc.threads = cfg.threads;
      std::mutex say_mutex;
      const std::string what = arm.residual ? "base + residual" : "base alone";
      RolloutCollection collected = collect_rollouts(rc, [&](int done, int total) {
        if (done % 10 == 0 || done == total) {
          std::lock_guard<std::mutex> lock(say_mutex);
          say(fmt("[%s] round %d: collecting %s in %s: %d/%d episodes", cfg.task.c_str(), r, what.c_str(), domain.c_str(), done, total));
        }
      });
      std::vector<EpisodeRecord> kept = keep_successes(std::move(collected.episodes));
      RolloutProvenance prov;
      prov.task = cfg.task;
      prov.domain = domain;
      prov.base = file_ref(arm.base_path);
      if (arm.residual) prov.residual = file_ref(cfg.residual_path);
      prov.collection_seed = collection_seed;
      prov.episodes = cfg.episodes;
      prov.kept = static_cast<int>(kept.size());
      prov.round = r;
      prov.arm = arm.name;
      const std::string prov_json = rollout_provenance_json(prov);
      say(fmt("[%s] round %d: %s kept %d/%d successful episodes (%.0f s)", cfg.task.c_str(), r, what.c_str(), prov.kept, cfg.episodes,
              seconds_since(t0)));
      if (kept.empty() && !cfg.allow_empty)
        throw InputError("task '" + cfg.task + "', round " + std::to_string(r) + ": no successful episode in " +
                         std::to_string(cfg.episodes) + " of " + what + " in " + domain +
                         ", so nothing to fine-tune on (more --episodes, or --allow-empty to fine-tune on the demos alone)");
      for (EpisodeRecord& e : kept) {
        e.provenance = prov_json;
        arm.kept.push_back(std::move(e));
      }
      arm.collections.push_back(prov_json);

      // The fine-tuning dataset: demos + every kept rollout so far (episodes carry their provenance).
      std::vector<EpisodeRecord> train = in.demos;
      train.insert(train.end(), arm.kept.begin(), arm.kept.end());
      const std::string dataset = (round_dir / (arm.name + "_train.hdf5")).string();
      save_episodes(dataset, train,
                    dataset_env_args(cfg.task, domain, "ocres improve: demos + successful " + what + " rollouts", train, arm.collections));

      // Fine-tune the current base of this arm; both arms use the same seed.
      const auto t1 = std::chrono::steady_clock::now();
      BcTrainConfig tc = cfg.fine_tune;
      tc.seed = derive_seed(cfg.seed, static_cast<uint64_t>(r), kFineTuneTag);
      const policy::BcPolicy init = policy::BcPolicy::load_for_task(arm.base_path, cfg.task);
      policy::BcPolicy tuned = fine_tune_bc(init, train, tc, [&](const BcProgress& p) {
        if (p.step % 500 == 0 || p.step + 1 == tc.steps)
          say(fmt("[%s] round %d: fine-tuning the %s base on %zu episodes: step %d/%d, loss %.4f", cfg.task.c_str(), r, arm.name.c_str(),
                  train.size(), p.step + 1, tc.steps, p.loss));
      });
      const std::string base_out = (round_dir / ("base_" + arm.name + ".safetensors")).string();
      tuned.set_provenance(fine_tune_provenance(cfg, arm.base_path, dataset, tc, r, arm.name));
      tuned.save(base_out);  // atomic (io::save_safetensors)
      say(fmt("[%s] round %d: wrote %s (%.0f s)", cfg.task.c_str(), r, base_out.c_str(), seconds_since(t1)));
      result.collections.push_back({cfg.task, r, arm.name, collection_seed, cfg.episodes, prov.kept, dataset, base_out});
      arm.base_path = base_out;
      if (r == cfg.rounds) {
        (arm.residual ? result.corrected_training_set : result.control_training_set) = std::move(train);
        (arm.residual ? result.corrected_dataset : result.control_dataset) = dataset;
      }
    }
    for (const Arm& arm : arms) {
      evaluate(r, arm.name, arm.base_path, false, result.num_demos, static_cast<int>(arm.kept.size()));
      evaluate(r, arm.name, arm.base_path, true, result.num_demos, static_cast<int>(arm.kept.size()));
    }
  }
  result.corrected_base = arms[0].base_path;
  result.control_base = arms[1].base_path;
  return result;
}

}  // namespace ocres::learn
