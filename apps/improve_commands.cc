// `ocres improve`: self-improvement of the base policy on residual-corrected rollouts (SPEC §1, stage 4;
// docs/improve.md), optionally with one multi-task base; `ocres merge-datasets`: concatenates robomimic
// datasets of one task, keeping each episode's provenance. Thin: flags in, library calls, files out.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

#include "apps/commands.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "learn/improve.h"
#include "learn/improve_provenance.h"
#include "learn/improve_report.h"
#include "learn/improve_summary.h"
#include "learn/multitask.h"
#include "sim/domain.h"
#include "tasks/registry.h"

namespace ocres::apps {

namespace {

// `pattern` with every "{task}" replaced by `task`.
std::string for_task(std::string pattern, const std::string& task) {
  for (size_t at = pattern.find("{task}"); at != std::string::npos; at = pattern.find("{task}", at + task.size()))
    pattern.replace(at, 6, task);
  return pattern;
}

}  // namespace

void register_improve_commands(CLI::App& app) {
  {
    struct Opts {
      std::string task, tasks, domain = "lab", base, residual, demos, out;
      int episodes = 100, eval_episodes = 100, rounds = 1, threads = 1, steps = 0, multi_steps = 0;
      double lr = 0;
      uint64_t seed = 0, eval_seed = learn::kImproveEvalSeed;
      bool multi_task = false, allow_empty = false, json = false;
    };
    auto o = std::make_shared<Opts>();
    auto* cmd = app.add_subcommand(
        "improve", "Fine-tune the base on its successful base + residual rollouts (vs. on base-alone rollouts) and compare");
    cmd->add_option("--task", o->task, "task name");
    cmd->add_option("--tasks", o->tasks, "several tasks (comma-separated, or 'all'); file flags then take {task} placeholders");
    cmd->add_flag("--multi-task", o->multi_task,
                  "also train one base for all --tasks on their demos + corrected rollouts, and compare it with the per-task bases");
    cmd->add_option("--base", o->base, "base policy to improve (.safetensors; {task} is replaced by the task name)")->required();
    cmd->add_option("--residual", o->residual, "residual of the task (.safetensors; {task} replaced)")->required();
    cmd->add_option("--demos", o->demos, "the demos the base was trained on (.hdf5; {task} replaced)")->required();
    cmd->add_option("--domain", o->domain, "where rollouts run and bases are evaluated (lab: the robot stand-in)")->default_val("lab");
    cmd->add_option("--episodes", o->episodes, "collection episodes per arm and round")->default_val(100)->check(CLI::Range(1, 1000000));
    cmd->add_option("--eval-episodes", o->eval_episodes, "held-out episodes per evaluated row")
        ->default_val(100)
        ->check(CLI::Range(1, 1000000));
    cmd->add_option("--seed", o->seed, "run seed (collection and fine-tuning seeds derive from it)")->default_val(0);
    cmd->add_option("--eval-seed", o->eval_seed, "held-out evaluation seed (episode j: episode_seed(seed, j); default: ocres eval's)")
        ->default_val(learn::kImproveEvalSeed);
    cmd->add_option("--rounds", o->rounds, "rounds of collection + fine-tuning")->default_val(1)->check(CLI::Range(1, 100));
    cmd->add_option("--steps", o->steps, "fine-tuning gradient steps per round (default 2000)")->check(CLI::Range(1, 10000000));
    cmd->add_option("--lr", o->lr, "fine-tuning learning rate (default 3e-4)")->check(CLI::PositiveNumber);
    cmd->add_option("--multi-steps", o->multi_steps, "gradient steps of the multi-task base (default 8000)")->check(CLI::Range(1, 10000000));
    cmd->add_option("--threads", o->threads, "threads (episodes run in parallel)")->default_val(1)->check(CLI::Range(1, 256));
    cmd->add_flag("--allow-empty", o->allow_empty, "an arm without any successful rollout is fine-tuned on the demos alone (else an error)");
    cmd->add_option("--out", o->out, "output directory (datasets, re-trained bases, results.md, results.csv, results.json)")->required();
    cmd->add_flag("--json", o->json, "print one JSON object on stdout");
    cmd->callback([o] {
      const auto t0 = std::chrono::steady_clock::now();
      if (o->task.empty() == o->tasks.empty()) throw InputError("give either --task T or --tasks T1,T2,... (or --tasks all)");
      std::vector<std::string> tasks = o->tasks == "all" ? tasks::task_names() : split_list(o->tasks.empty() ? o->task : o->tasks);
      if (tasks.empty()) throw InputError("--tasks is empty");
      for (const auto& t : tasks) {
        tasks::make_task(t);  // throws InputError naming an unknown task
        if (std::count(tasks.begin(), tasks.end(), t) > 1) throw InputError("--tasks: '" + t + "' given twice");
      }
      if (tasks.size() > 1)
        for (const auto& [flag, value] : {std::pair{"--base", o->base}, {"--residual", o->residual}, {"--demos", o->demos}})
          if (value.find("{task}") == std::string::npos)
            throw InputError(std::string(flag) + " '" + value + "' has no {task} placeholder, but " + std::to_string(tasks.size()) +
                             " tasks need one file each");
      const std::string domain = sim::load_domain(o->domain).name;
      auto progress = [](const std::string& m) { std::fprintf(stderr, "%s\n", m.c_str()); };

      std::vector<learn::ImproveConfig> configs;
      for (const auto& t : tasks) {
        learn::ImproveConfig c;
        c.task = t;
        c.domain = o->domain;
        c.base_path = for_task(o->base, t);
        c.residual_path = for_task(o->residual, t);
        c.demos_path = for_task(o->demos, t);
        // One task alone writes into --out; several (or --multi-task) into --out/<task>.
        c.out_dir = tasks.size() > 1 || o->multi_task ? (std::filesystem::path(o->out) / t).string() : o->out;
        c.episodes = o->episodes;
        c.eval_episodes = o->eval_episodes;
        c.rounds = o->rounds;
        c.seed = o->seed;
        c.eval_seed = o->eval_seed;
        c.threads = o->threads;
        c.allow_empty = o->allow_empty;
        if (o->steps > 0) c.fine_tune.steps = o->steps;
        if (o->lr > 0) c.fine_tune.lr = o->lr;
        configs.push_back(c);
      }
      std::vector<learn::ImproveRow> rows;
      std::vector<learn::CollectionRow> collections;
      learn::ImproveReportContext ctx{domain, o->eval_episodes, o->eval_seed, "", ""};
      if (o->multi_task) {
        learn::MultiTaskImproveConfig mc;
        mc.tasks = configs;
        mc.out_dir = o->out;
        if (o->multi_steps > 0) mc.train.steps = o->multi_steps;
        const learn::MultiTaskResult r = learn::run_multi_task_improve(mc, progress);
        rows = r.rows;
        for (const auto& t : r.per_task) collections.insert(collections.end(), t.collections.begin(), t.collections.end());
        ctx.multi_task_base = r.multi_task_base;
        ctx.multi_task_control_base = r.multi_task_control_base;
      } else {
        // Validate every task before the first long run.
        for (const auto& c : configs) learn::validate_improve_inputs(c);
        for (const auto& c : configs) {
          const learn::ImproveResult r = learn::run_improve(c, progress);
          rows.insert(rows.end(), r.rows.begin(), r.rows.end());
          collections.insert(collections.end(), r.collections.begin(), r.collections.end());
        }
      }
      std::filesystem::create_directories(o->out);
      const std::string table = learn::format_improve_markdown(rows, collections, ctx);
      const std::string md = (std::filesystem::path(o->out) / "results.md").string();
      const std::string csv = (std::filesystem::path(o->out) / "results.csv").string();
      const std::string json_path = (std::filesystem::path(o->out) / "results.json").string();
      const std::string json = learn::format_improve_json(rows, collections, ctx);
      write_file_atomic(md, table);
      write_file_atomic(csv, learn::format_improve_csv(rows));
      write_file_atomic(json_path, json + "\n");  // what `ocres improve-summary` reads
      std::fprintf(stderr, "\n%s\nwrote %s %s %s (%.0f s)\n", table.c_str(), md.c_str(), csv.c_str(), json_path.c_str(),
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      if (o->json) std::cout << json << std::endl;
    });
  }
  {
    struct SummaryOpts {
      std::vector<std::string> runs;
      std::string out;
      bool json = false;
    };
    auto o = std::make_shared<SummaryOpts>();
    auto* cmd = app.add_subcommand("improve-summary",
                                   "Aggregate `ocres improve` runs (one per seed): mean ± std per cell, corrected vs. control per task");
    cmd->add_option("runs", o->runs, "output directories of `ocres improve` (each holds results.json)")->required()->expected(1, -1);
    cmd->add_option("--out", o->out, "also write the Markdown table to this file (atomically)");
    cmd->add_flag("--json", o->json, "print one JSON object on stdout instead of the Markdown table");
    cmd->callback([o] {
      std::vector<learn::ImproveRun> runs;
      for (const std::string& dir : o->runs) {
        const std::string path = (std::filesystem::path(dir) / "results.json").string();
        if (!std::filesystem::is_regular_file(path))
          throw InputError("'" + path + "' not found: give the --out directory of a finished `ocres improve` run");
        runs.push_back(learn::parse_improve_json(read_file(path), dir));
      }
      const learn::ImproveSummary summary = learn::summarize_improve(runs);
      const std::string table = learn::format_improve_summary_markdown(summary);
      if (!o->out.empty()) {
        const std::filesystem::path out(o->out);
        if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
        write_file_atomic(o->out, table);
      }
      if (o->json)
        std::cout << learn::format_improve_summary_json(summary) << std::endl;
      else
        std::cout << table;
    });
  }
  {
    struct MergeOpts {
      std::vector<std::string> inputs;
      std::string out;
    };
    auto o = std::make_shared<MergeOpts>();
    auto* cmd = app.add_subcommand("merge-datasets", "Concatenate datasets of one task and domain, keeping per-episode provenance");
    cmd->add_option("--in", o->inputs, "input .hdf5 files (repeat the flag or list them)")->required()->expected(1, -1);
    cmd->add_option("--out", o->out, "output .hdf5 (written atomically)")->required();
    cmd->callback([o] {
      const std::filesystem::path out(o->out);
      if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
      const int n = learn::merge_datasets(o->inputs, o->out);
      std::fprintf(stderr, "merged %d episodes from %zu dataset(s) -> %s\n", n, o->inputs.size(), o->out.c_str());
    });
  }
}

}  // namespace ocres::apps
