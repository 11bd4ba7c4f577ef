#include "learn/improve_report.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "eval/report.h"

namespace ocres::learn {

namespace {

std::string cell(const ImproveRow* r) {
  if (!r) return "—";
  const eval::Interval ci = eval::wilson_interval(r->successes, r->episodes);
  char buf[160];
  std::snprintf(buf, sizeof(buf), "%d/%d (%.0f%%) [%.0f–%.0f%%]", r->successes, r->episodes, 100 * r->success_rate(), 100 * ci.low,
                100 * ci.high);
  std::string s = buf;
  if (!std::isnan(r->mean_success_length)) {
    std::snprintf(buf, sizeof(buf), " · %.0f steps", r->mean_success_length);
    s += buf;
  }
  return s;
}

std::string training(const ImproveRow& r) {
  if (r.base == "original") return "— (trained on " + std::to_string(r.train_demos) + " demos)";
  const bool control = r.base == "control" || r.base == "multi-task control";
  const std::string rollouts = control ? "base-alone" : "base + residual";
  std::string s = std::to_string(r.train_demos) + " demos + " + std::to_string(r.train_rollouts) + " successful " + rollouts + " rollouts";
  if (r.base.rfind("multi-task", 0) == 0) s = "from scratch, every task's data (this task: " + s + ")";
  return s;
}

std::string number(double v) {
  if (std::isnan(v)) return "";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

}  // namespace

std::string format_improve_markdown(const std::vector<ImproveRow>& rows, const std::vector<CollectionRow>& collections,
                                    const ImproveReportContext& ctx) {
  std::ostringstream out;
  out << "# Self-improvement on `" << ctx.domain << "`\n\n"
      << ctx.eval_episodes << " held-out episodes per cell (episode seeds `episode_seed(" << ctx.eval_seed
      << ", j)`, disjoint from the demos' and the collections' seeds), the same episodes in every cell. "
      << "*corrected*: fine-tuned on the demos + the successful base + residual rollouts; *control*: fine-tuned on the demos + "
      << "the successful base-alone rollouts of the same collection seeds";
  if (!ctx.multi_task_base.empty())
    out << "; *multi-task*: one base for every task, trained from scratch on every task's demos + successful base + residual "
           "rollouts (`"
        << ctx.multi_task_base << "`); *multi-task control*: the same training on the demos + the successful base-alone rollouts (`"
        << ctx.multi_task_control_base << "`)";
  out << ". The residual is the same, unchanged, in every `+ residual` column.\n";
  std::vector<std::string> tasks;
  for (const ImproveRow& r : rows)
    if (std::find(tasks.begin(), tasks.end(), r.task) == tasks.end()) tasks.push_back(r.task);
  for (const std::string& task : tasks) {
    out << "\n## " << task << "\n\n| Round | Base | Fine-tuned on | Base alone | Base + residual |\n|---|---|---|---|---|\n";
    // Pairs (round, base) in first-appearance order.
    std::vector<std::pair<int, std::string>> keys;
    for (const ImproveRow& r : rows)
      if (r.task == task && std::find(keys.begin(), keys.end(), std::pair{r.round, r.base}) == keys.end())
        keys.emplace_back(r.round, r.base);
    for (const auto& [round, base] : keys) {
      const ImproveRow *alone = nullptr, *with = nullptr;
      for (const ImproveRow& r : rows)
        if (r.task == task && r.round == round && r.base == base) (r.with_residual ? with : alone) = &r;
      const ImproveRow& any = alone ? *alone : *with;
      out << "| " << round << " | " << base << " | " << training(any) << " | " << cell(alone) << " | " << cell(with) << " |\n";
    }
    bool first = true;
    for (const CollectionRow& c : collections) {
      if (c.task != task) continue;
      out << (first ? "\nCollections (episodes kept by the success filter / run): " : "; ");
      out << "round " << c.round << " " << (c.arm == "corrected" ? "base + residual" : "base alone") << " " << c.kept << "/"
          << c.episodes;
      first = false;
    }
    if (!first) out << ".\n";
  }
  out << "\nCells: successes/episodes (rate) [95% Wilson interval] · mean episode length on successes (20 Hz control "
         "steps; shorter is better).\n";
  return out.str();
}

std::string format_improve_csv(const std::vector<ImproveRow>& rows) {
  std::ostringstream out;
  out << "task,round,base,residual,episodes,successes,success_rate,ci95_low,ci95_high,mean_length,mean_success_length,"
         "train_demos,train_rollouts,base_path\n";
  for (const ImproveRow& r : rows) {
    const eval::Interval ci = eval::wilson_interval(r.successes, r.episodes);
    out << r.task << "," << r.round << "," << r.base << "," << (r.with_residual ? 1 : 0) << "," << r.episodes << "," << r.successes << ","
        << number(r.success_rate()) << "," << number(ci.low) << "," << number(ci.high) << "," << number(r.mean_length) << ","
        << number(r.mean_success_length) << "," << r.train_demos << "," << r.train_rollouts << "," << r.base_path << "\n";
  }
  return out.str();
}

std::string format_improve_json(const std::vector<ImproveRow>& rows, const std::vector<CollectionRow>& collections,
                                const ImproveReportContext& ctx) {
  nlohmann::json jr = nlohmann::json::array(), jc = nlohmann::json::array();
  for (const ImproveRow& r : rows) {
    jr.push_back({{"task", r.task},
                  {"round", r.round},
                  {"base", r.base},
                  {"residual", r.with_residual},
                  {"episodes", r.episodes},
                  {"successes", r.successes},
                  {"success_rate", r.success_rate()},
                  {"mean_length", r.mean_length},
                  {"mean_success_length", std::isnan(r.mean_success_length) ? nlohmann::json(nullptr) : nlohmann::json(r.mean_success_length)},
                  {"train_demos", r.train_demos},
                  {"train_rollouts", r.train_rollouts},
                  {"base_path", r.base_path}});
    if (!r.episode_success.empty()) {  // per held-out episode, in order
      jr.back()["episode_success"] = r.episode_success;
      jr.back()["episode_length"] = r.episode_length;
    }
  }
  for (const CollectionRow& c : collections)
    jc.push_back({{"task", c.task},
                  {"round", c.round},
                  {"arm", c.arm},
                  {"collection_seed", c.collection_seed},
                  {"episodes", c.episodes},
                  {"kept", c.kept},
                  {"dataset", c.dataset},
                  {"base_out", c.base_out}});
  return nlohmann::json{{"domain", ctx.domain},
                        {"eval_episodes", ctx.eval_episodes},
                        {"eval_seed", ctx.eval_seed},
                        {"rows", jr},
                        {"collections", jc},
                        {"multi_task_base", ctx.multi_task_base.empty() ? nlohmann::json(nullptr) : nlohmann::json(ctx.multi_task_base)},
                        {"multi_task_control_base",
                         ctx.multi_task_control_base.empty() ? nlohmann::json(nullptr) : nlohmann::json(ctx.multi_task_control_base)}}
      .dump();
}

}  // namespace ocres::learn
