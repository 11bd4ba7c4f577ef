// `ocres eval`: base and base + residual on held-out seeds, for every task, condition, domain and training
// seed found in a run directory (layout: docs/runs.md); writes the paper-style tables, results.csv and
// SVG plots, prints a summary on stderr and, with --json, one JSON object on stdout.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <tuple>

#include "apps/commands.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "eval/report.h"
#include "eval/svg_plot.h"
#include "learn/residual_eval.h"
#include "policy/bc_policy.h"
#include "policy/residual_file.h"
#include "tasks/registry.h"

namespace ocres::apps {

namespace {

// Held-out evaluation seed: episode j uses episode_seed(kEvalSeed, j). Disjoint from demos (seed 0 by
// default), training episodes (derived from the training seed) and the trainer's own evaluation
// (Td3Config::eval_seed = 1000000).
constexpr uint64_t kEvalSeed = 2000000;
constexpr uint64_t kTrainingEvalSeed = 1000000;

bool contains(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

// One unit of work: N episodes of (task, condition, domain, seed).
struct Job {
  std::string task, condition, domain;
  int seed = -1;
  std::string base_path, residual_path;  // residual_path empty: base alone
};

}  // namespace

void register_eval_commands(CLI::App& app) {
  struct Opts {
    std::string runs, tasks, conditions, domains = "sim,lab", out, checkpoint = "best";
    int episodes = 100, threads = 1;
    uint64_t seed = kEvalSeed;
    bool json = false, resume = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("eval", "Evaluate base and base + residual policies of a run directory (tables, CSV, plots)");
  cmd->add_option("--runs", o->runs, "run directory (bases/, residuals/; see docs/runs.md)")->required();
  cmd->add_option("--tasks", o->tasks, "comma-separated tasks (default: every task found in the run directory)");
  cmd->add_option("--conditions", o->conditions,
                  "comma-separated conditions: base,full,no_noise,no_dropout,no_both (default: all; residual conditions "
                  "without residuals are skipped unless named here)");
  cmd->add_option("--domains", o->domains, "comma-separated domains: sim (sim twin, true poses), lab (lab base, estimated poses)")
      ->default_val("sim,lab");
  cmd->add_option("--episodes", o->episodes, "episodes per task, condition, domain and training seed")
      ->default_val(100)
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--seed", o->seed, "held-out evaluation seed (episode j uses episode_seed(seed, j))")->default_val(kEvalSeed);
  cmd->add_option("--threads", o->threads, "threads (episodes run in parallel)")->default_val(1)->check(CLI::Range(1, 256));
  cmd->add_option("--out", o->out, "output directory (default: <runs>/eval)");
  cmd->add_option("--checkpoint", o->checkpoint,
                  "best: best_residual.safetensors where present (selected on the trainer's evaluation seeds, which are "
                  "disjoint from these), else residual.safetensors; final: residual.safetensors")
      ->check(CLI::IsMember({"best", "final"}))
      ->default_val("best");
  cmd->add_flag("--json", o->json, "print one JSON object on stdout");
  cmd->add_flag("--resume", o->resume,
                "reuse the rows of an interrupted evaluation in --out (results.csv is rewritten after every row; "
                "rows are reused only if seed, episodes and --checkpoint match eval_meta.json)");
  cmd->callback([o] {
    const auto t0 = std::chrono::steady_clock::now();
    const eval::RunsIndex index = eval::discover_runs(o->runs);
    const std::string out_dir = o->out.empty() ? (std::filesystem::path(o->runs) / "eval").string() : o->out;
    if (o->seed == kTrainingEvalSeed)
      std::fprintf(stderr, "note: --seed %llu is the trainer's own evaluation seed: these episodes are not held out\n",
                   static_cast<unsigned long long>(o->seed));

    // Domains.
    const std::vector<std::string> domains = split_list(o->domains);
    if (domains.empty()) throw InputError("--domains is empty");
    for (const auto& d : domains) {
      if (d != "sim" && d != "lab") throw InputError("--domains: unknown domain '" + d + "' (expected sim and/or lab)");
      if (std::count(domains.begin(), domains.end(), d) > 1) throw InputError("--domains: '" + d + "' given twice");
    }

    // Tasks: as given, or every task with bases or residuals, in registry order.
    std::vector<std::string> tasks = split_list(o->tasks);
    const bool tasks_given = !tasks.empty();
    if (tasks_given) {
      for (const auto& t : tasks) tasks::make_task(t);  // throws InputError naming an unknown task
    } else {
      for (const auto& t : tasks::task_names())
        if (contains(index.base_tasks, t) || contains(index.residual_tasks(), t)) tasks.push_back(t);
      for (const auto& t : index.base_tasks)
        if (!contains(tasks, t)) std::fprintf(stderr, "note: %s/bases: '%s' is not a task; ignored\n", o->runs.c_str(), t.c_str());
      for (const auto& t : index.residual_tasks())
        if (!contains(tasks::task_names(), t))
          std::fprintf(stderr, "note: %s/residuals/%s: not a task; ignored\n", o->runs.c_str(), t.c_str());
      if (tasks.empty())
        throw InputError("'" + o->runs + "' holds no runs: expected bases/<task>_sim.safetensors, bases/<task>_lab.safetensors and "
                         "residuals/<task>/<condition>/seed<k>/residual.safetensors (docs/runs.md)");
    }
    for (const auto& path : index.ignored) std::fprintf(stderr, "note: %s does not follow the run layout; ignored\n", path.c_str());

    // Conditions.
    std::vector<std::string> conditions = split_list(o->conditions);
    const bool conditions_given = !conditions.empty();
    if (!conditions_given) conditions = eval::default_conditions();
    for (const auto& c : conditions) {
      if (std::count(conditions.begin(), conditions.end(), c) > 1) throw InputError("--conditions: '" + c + "' given twice");
      if (c.empty() || c.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") != std::string::npos)
        throw InputError("--conditions: '" + c + "' is not a condition name");
    }
    if (!conditions_given)
      for (const auto& t : tasks)
        for (const auto& c : index.conditions(t))
          if (!contains(conditions, c))
            std::fprintf(stderr, "note: %s/residuals/%s/%s not evaluated (not a default condition; name it in --conditions)\n",
                         o->runs.c_str(), t.c_str(), c.c_str());

    // Validate every file before any episode runs: a wrong file fails in seconds, not after hours.
    std::vector<Job> jobs;
    std::vector<eval::TrainingCurve> curves;
    std::vector<std::string> kept_conditions;
    for (const auto& t : tasks) {
      for (const auto& d : domains) {
        const std::string base = eval::base_policy_path(o->runs, t, d);
        if (!std::filesystem::is_regular_file(base))
          throw InputError("missing base policy '" + base + "' (task '" + t + "', domain '" + d + "'; docs/runs.md)");
        const auto probe = policy::BcPolicy::load_for_task(base, t);  // refuses another task's base
        if (probe.info().domain != d)
          std::fprintf(stderr, "note: '%s' was trained on %s observations, not %s\n", base.c_str(), probe.info().domain.c_str(),
                       d.c_str());
      }
    }
    for (const auto& c : conditions) {
      bool any = eval::is_base_condition(c);
      std::vector<std::string> without;  // tasks without residuals for c
      for (const auto& t : tasks) {
        if (eval::is_base_condition(c)) {
          for (const auto& d : domains) jobs.push_back({t, c, d, -1, eval::base_policy_path(o->runs, t, d), ""});
          continue;
        }
        const std::vector<int> seeds = index.seeds(t, c);
        if (seeds.empty()) {
          const std::string expected = eval::residual_seed_dir(o->runs, t, c, 0) + "/residual.safetensors";
          if (conditions_given)
            throw InputError("no residuals for task '" + t + "', condition '" + c + "' (expected e.g. '" + expected + "')");
          without.push_back(t);
          continue;
        }
        any = true;
        const auto task = tasks::make_task(t);
        const int num_objects = static_cast<int>(task->info().object_names.size());
        const int num_scalars = static_cast<int>(task->info().scalar_names.size());
        for (int seed : seeds) {
          const eval::ResidualRun run{t, c, seed, eval::residual_seed_dir(o->runs, t, c, seed)};
          const std::string best = run.dir + "/best_residual.safetensors";
          const std::string path =
              o->checkpoint == "best" && std::filesystem::is_regular_file(best) ? best : run.residual_path();
          if (!std::filesystem::is_regular_file(path))
            throw InputError("missing residual '" + path + "' (the seed directory exists; finish or remove that run)");
          const policy::ResidualModel m = policy::load_residual(path);
          if (m.task != t) throw InputError("'" + path + "' is a residual for task '" + m.task + "', not '" + t + "'");
          if (m.layout.num_objects != num_objects || m.layout.num_scalars != num_scalars)
            throw InputError("'" + path + "' has an observation layout of " + std::to_string(m.layout.num_objects) + " object(s) and " +
                             std::to_string(m.layout.num_scalars) + " scalar(s); task '" + t + "' has " +
                             std::to_string(num_objects) + " and " + std::to_string(num_scalars));
          const std::string twin = std::filesystem::path(eval::base_policy_path(o->runs, t, "sim")).filename().string();
          if (!m.base.empty() && m.base != twin)
            std::fprintf(stderr, "note: '%s' was trained on a base named '%s', not %s\n", path.c_str(), m.base.c_str(), twin.c_str());
          if (std::filesystem::is_regular_file(run.metrics_path())) {
            eval::TrainingCurve curve = eval::read_training_curve(run.metrics_path());
            curve.task = t;
            curve.condition = c;
            curve.seed = seed;
            curves.push_back(std::move(curve));
          } else {
            std::fprintf(stderr, "note: no %s (left out of training_curves.svg)\n", run.metrics_path().c_str());
          }
          for (const auto& d : domains) jobs.push_back({t, c, d, seed, eval::base_policy_path(o->runs, t, d), path});
        }
      }
      if (any) {
        kept_conditions.push_back(c);
        for (const auto& t : without)
          std::fprintf(stderr, "note: no residuals for task '%s', condition '%s' (its cells stay empty)\n", t.c_str(), c.c_str());
      } else {
        std::fprintf(stderr, "note: condition '%s': no residuals found under %s/residuals/<task>/%s/; skipped\n", c.c_str(),
                     o->runs.c_str(), c.c_str());
      }
    }
    if (jobs.empty()) throw InputError("nothing to evaluate in '" + o->runs + "'");
    // Row order: domain, task, condition, seed.
    auto rank = [](const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) - v.begin(); };
    std::stable_sort(jobs.begin(), jobs.end(), [&](const Job& a, const Job& b) {
      return std::make_tuple(rank(domains, a.domain), rank(tasks, a.task), rank(kept_conditions, a.condition), a.seed) <
             std::make_tuple(rank(domains, b.domain), rank(tasks, b.task), rank(kept_conditions, b.condition), b.seed);
    });
    std::fprintf(stderr, "evaluating %zu rows x %d episodes (held-out seed %llu) with %d thread(s)\n", jobs.size(), o->episodes,
                 static_cast<unsigned long long>(o->seed), o->threads);

    // results.csv is rewritten (atomically) after every row, so a killed evaluation loses at most the row
    // in flight; eval_meta.json says which settings those rows belong to.
    std::filesystem::create_directories(out_dir);
    const std::string csv_path = (std::filesystem::path(out_dir) / "results.csv").string();
    const std::string meta_path = (std::filesystem::path(out_dir) / "eval_meta.json").string();
    const nlohmann::json meta{{"seed", o->seed}, {"episodes", o->episodes}, {"checkpoint", o->checkpoint}};
    std::vector<eval::EvalRow> previous;
    if (o->resume && std::filesystem::exists(csv_path) && std::filesystem::exists(meta_path)) {
      nlohmann::json old;
      try {
        old = nlohmann::json::parse(read_file(meta_path));
      } catch (const nlohmann::json::exception& e) {
        throw InputError("'" + meta_path + "' is not valid JSON (" + e.what() + "); delete it or run without --resume");
      }
      if (old == meta) previous = eval::parse_results_csv(read_file(csv_path));
      else std::fprintf(stderr, "note: %s was made with other settings (%s); evaluating everything again\n", meta_path.c_str(), old.dump().c_str());
    }
    write_file_atomic(meta_path, meta.dump() + "\n");

    std::vector<eval::EvalRow> rows;
    for (size_t i = 0; i < jobs.size(); ++i) {
      const Job& j = jobs[i];
      const auto done = std::find_if(previous.begin(), previous.end(), [&](const eval::EvalRow& r) {
        return r.task == j.task && r.condition == j.condition && r.domain == j.domain && r.seed == j.seed && r.episodes == o->episodes;
      });
      if (done != previous.end()) {
        rows.push_back(*done);
        std::fprintf(stderr, "[%zu/%zu] %-4s %-10s %-10s %-6s %4d/%-4d (resumed from %s)\n", i + 1, jobs.size(), j.domain.c_str(),
                     j.task.c_str(), j.condition.c_str(), j.seed >= 0 ? ("seed" + std::to_string(j.seed)).c_str() : "",
                     done->successes, done->episodes, csv_path.c_str());
        continue;
      }
      learn::ResidualEvalConfig ec;
      ec.task = j.task;
      ec.domain = j.domain;
      ec.base_path = j.base_path;
      ec.residual_path = j.residual_path;
      ec.episodes = o->episodes;
      ec.seed = o->seed;
      ec.threads = o->threads;
      ec.use_estimator = j.domain == "lab";
      const auto r0 = std::chrono::steady_clock::now();
      const eval::Summary s = eval::summarize(learn::evaluate_residual(ec));
      eval::EvalRow row{j.task, j.condition, j.domain, j.seed, s.episodes, s.successes, s.mean_length, eval::kNoValue};
      if (s.successes > 0) row.mean_success_length = s.mean_success_length;
      for (int k = 0; k < eval::kNumOutcomes; ++k) row.outcomes[k] = s.outcomes[k];
      rows.push_back(row);
      std::fprintf(stderr, "[%zu/%zu] %-4s %-10s %-10s %-6s %4d/%-4d (%3.0f%%) mean success length %s  %.1f s\n", i + 1, jobs.size(),
                   j.domain.c_str(), j.task.c_str(), j.condition.c_str(), j.seed >= 0 ? ("seed" + std::to_string(j.seed)).c_str() : "",
                   s.successes, s.episodes, 100 * s.success_rate,
                   s.successes > 0 ? std::to_string(static_cast<int>(s.mean_success_length + 0.5)).c_str() : "-",
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - r0).count());
      write_file_atomic(csv_path, eval::format_results_csv(rows));
    }

    eval::ReportContext ctx;
    ctx.tasks = tasks;
    ctx.conditions = kept_conditions;
    ctx.domains = domains;
    for (const auto& t : tasks) ctx.task_titles[t] = tasks::make_task(t)->info().title;
    ctx.episodes_per_row = o->episodes;
    ctx.eval_seed = o->seed;
    std::filesystem::create_directories(out_dir);
    auto write = [&](const std::string& name, const std::string& text) {
      const std::string path = (std::filesystem::path(out_dir) / name).string();
      write_file_atomic(path, text);
      return path;
    };
    std::vector<std::string> written;
    for (const auto& d : domains) {
      const std::string table = eval::format_table_markdown(rows, d, ctx);
      written.push_back(write("table_" + d + ".md", table));
      written.push_back(write("success_" + d + ".svg", eval::svg::bar_chart_svg(eval::success_chart(rows, d, ctx))));
      written.push_back(write("success_length_" + d + ".svg", eval::svg::bar_chart_svg(eval::success_length_chart(rows, d, ctx))));
      const std::string failures = eval::format_failure_table_markdown(rows, d, ctx);
      written.push_back(write("failures_" + d + ".md", failures));
      std::fprintf(stderr, "\n%s\n%s", table.c_str(), failures.c_str());
    }
    written.push_back(write("results.csv", eval::format_results_csv(rows)));
    const std::string curves_svg = eval::training_curves_svg(curves, rows, ctx);
    if (!curves_svg.empty())
      written.push_back(write("training_curves.svg", curves_svg));
    else
      std::fprintf(stderr, "note: no training curves (no metrics.csv with an evaluation); training_curves.svg not written\n");
    std::fprintf(stderr, "\nwrote");
    for (const auto& p : written) std::fprintf(stderr, " %s", p.c_str());
    std::fprintf(stderr, "\n(%.1f s)\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (o->json) std::cout << eval::format_results_json(rows, ctx) << std::endl;
  });
}

}  // namespace ocres::apps
