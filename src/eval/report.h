#pragma once
// Evaluation reports: the run directory layout (docs/runs.md), per-row results, the paper-style success
// tables (Markdown), results.csv, the --json object, and the data of the plots (svg_plot.h).
// Pure data in, text out: no simulator, no printing. `ocres eval` (apps/eval_commands.cc) runs the
// episodes and writes what these functions return.
//
// Statistics:
//  * a row is one (task, condition, domain, training seed) evaluated on N episodes;
//  * a cell (task, condition, domain) pools the rows of every training seed: successes / episodes;
//  * 95% interval: Wilson score interval on the pooled episodes (it treats the pooled episodes as one
//    binomial sample, so it does not include the seed-to-seed variance: the mean ± std over seeds shows that);
//  * mean ± std over training seeds: sample standard deviation (n - 1), of each seed's success rate.
#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "eval/outcome.h"
#include "eval/svg_plot.h"

namespace ocres::eval {

// ---------------------------------------------------------------------------------------------------
// Run layout:
//   RUNS/bases/<task>_lab.safetensors      the "real VLA" stand-in (trained on lab demos)
//   RUNS/bases/<task>_sim.safetensors      its sim twin (trained on the demos' sim replays)
//   RUNS/residuals/<task>/<condition>/seed<k>/residual.safetensors (+ metrics.csv)

// The conditions of the paper's tables, in column order: the base alone, then base + residual trained
// with pose noise and dropout, without noise, without dropout, without both.
const std::vector<std::string>& default_conditions();
inline bool is_base_condition(const std::string& condition) { return condition == "base"; }
// Column heading of a condition ("base", "+res", "+res no noise", ...); unknown names are returned as is.
std::string condition_title(const std::string& condition);

std::string base_policy_path(const std::string& runs_dir, const std::string& task, const std::string& domain);
std::string residual_seed_dir(const std::string& runs_dir, const std::string& task, const std::string& condition, int seed);

struct ResidualRun {
  std::string task, condition;
  int seed = 0;
  std::string dir;  // RUNS/residuals/<task>/<condition>/seed<k>
  std::string residual_path() const { return dir + "/residual.safetensors"; }
  std::string metrics_path() const { return dir + "/metrics.csv"; }
};

struct RunsIndex {
  std::vector<std::string> base_tasks;   // tasks with at least one file RUNS/bases/<task>_{sim,lab}.safetensors
  std::vector<ResidualRun> residuals;    // every seed<k> directory, sorted by task, condition, seed
  std::vector<std::string> ignored;      // entries that do not follow the layout (for a note to the user)
  // Training seeds found for (task, condition), ascending.
  std::vector<int> seeds(const std::string& task, const std::string& condition) const;
  std::vector<std::string> residual_tasks() const;
  std::vector<std::string> conditions(const std::string& task) const;
};
// Lists a run directory. Throws InputError if `runs_dir` is not a directory. Does not open any file.
RunsIndex discover_runs(const std::string& runs_dir);

// ---------------------------------------------------------------------------------------------------
// Rows and statistics.

static_assert(kNumOutcomes == 7, "EvalRow::outcomes lists one -1 per outcome");
inline constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

struct EvalRow {
  std::string task, condition, domain;
  int seed = -1;                           // training seed; -1 for `base` (no seed dimension)
  int episodes = 0, successes = 0;
  double mean_length = 0;                  // control steps, all episodes
  double mean_success_length = kNoValue;   // control steps, successful episodes only; NaN if none
  // Episodes per eval::Outcome (index 0: successes). All -1 when unknown (not filled in, or a CSV
  // written before the counts were recorded).
  std::array<int, kNumOutcomes> outcomes = {-1, -1, -1, -1, -1, -1, -1};
  double success_rate() const { return episodes > 0 ? static_cast<double>(successes) / episodes : 0.0; }
};

struct Interval {
  double low = 0, high = 1;
};
// Wilson score interval for `successes` out of `n` (z = 1.96: 95%). n = 0 gives [0, 1].
Interval wilson_interval(int successes, int n, double z = 1.959963984540054);

struct MeanStd {
  double mean = kNoValue, std = kNoValue;  // std: sample (n - 1); 0 for one value; NaN for none
  int n = 0;
};
MeanStd mean_std(const std::vector<double>& values);

// The rows of one (task, condition, domain) pooled over training seeds.
struct CellStats {
  int rows = 0, episodes = 0, successes = 0;
  double rate = 0;
  Interval ci95;
  MeanStd seed_rate;                        // success rate over training seeds (rows)
  double mean_success_length = kNoValue;    // over all successful episodes of the cell
};
CellStats pool_rows(const std::vector<const EvalRow*>& rows);
// Rows matching (task, condition, domain); empty strings match anything.
std::vector<const EvalRow*> select_rows(const std::vector<EvalRow>& rows, const std::string& task, const std::string& condition,
                                        const std::string& domain);

// ---------------------------------------------------------------------------------------------------
// Outputs.

struct ReportContext {
  std::vector<std::string> tasks;       // row order
  std::vector<std::string> conditions;  // column order (`base` first if present)
  std::vector<std::string> domains;     // evaluated domains, in order
  std::map<std::string, std::string> task_titles;  // e.g. lift -> "Cube Lift"; missing: the task name
  int episodes_per_row = 0;
  uint64_t eval_seed = 0;
};

// `successes/N (xx%)` for the base; residual conditions add ` · mean ± std% (k seeds) · [lo–hi%]`.
std::string format_cell(const CellStats& cell, bool residual);
// The paper's layout for one domain: rows = tasks + Average, columns = conditions; when the context
// has both `sim` and `lab`, sim→lab transfer-gap columns for `base` and the first residual condition
// (lab rate − sim rate, percentage points). A heading and a legend explain the cells.
std::string format_table_markdown(const std::vector<EvalRow>& rows, const std::string& domain, const ReportContext& ctx);
// Why episodes failed (failure_modes.h), per task and condition of one domain, pooled over training
// seeds: a markdown table with one column per failure mode (counts and share of the episodes).
std::string format_failure_table_markdown(const std::vector<EvalRow>& rows, const std::string& domain, const ReportContext& ctx);
// One line per row: task,condition,domain,seed,episodes,successes,success_rate,ci95_low,ci95_high,
// mean_length,mean_success_length, then one count per failure mode (never_reached, ...; the names of
// eval::outcome_name). seed and mean_success_length are empty when there is none.
std::string format_results_csv(const std::vector<EvalRow>& rows);
// Reads what format_results_csv wrote (for `ocres eval --resume`); also the 11-column files of earlier
// versions (failure counts unknown). Throws InputError naming the line of a malformed or truncated file.
std::vector<EvalRow> parse_results_csv(const std::string& text);
// One JSON object (one line): for a single domain
//   {"domain":..,"episodes_per_row":..,"rows":[{"task","condition","seed","episodes","successes",
//    "success_rate","mean_success_length"}]}
// and for several {"domains":[<one such object per domain>]}. seed and mean_success_length are null
// when there is none (base; no success).
std::string format_results_json(const std::vector<EvalRow>& rows, const ReportContext& ctx);

// Success per task (groups) and condition (series), pooled over seeds, with 95% Wilson intervals.
svg::BarChart success_chart(const std::vector<EvalRow>& rows, const std::string& domain, const ReportContext& ctx);
// Mean episode length on successes per task and condition; error bars: ± std over training seeds.
svg::BarChart success_length_chart(const std::vector<EvalRow>& rows, const std::string& domain, const ReportContext& ctx);

// ---------------------------------------------------------------------------------------------------
// Training curves (metrics.csv of `ocres train`).

struct TrainingCurve {
  std::string task, condition;
  int seed = 0;
  std::vector<double> env_steps, eval_success;  // only rows with an evaluation (eval_success >= 0)
};
// Reads env_steps and eval_success from a metrics.csv (columns found by the header). Rows logged before
// the first evaluation (eval_success < 0) are skipped; a resumed run's repeated env_steps keep the last
// value. Throws InputError naming the file for a missing file, missing columns or a malformed number.
TrainingCurve read_training_curve(const std::string& metrics_csv);

struct MeanCurve {
  std::vector<double> x, mean, min, max;  // at every env_steps any seed logged; over the seeds that logged it
};
MeanCurve mean_over_seeds(const std::vector<const TrainingCurve*>& curves);

// One panel per task (ctx.tasks order, tasks without curves left out): eval_success vs env_steps, one line
// per condition (mean over seeds, band min–max), and the base's sim success as a dashed line when `rows`
// has it. Empty string when there are no curves.
std::string training_curves_svg(const std::vector<TrainingCurve>& curves, const std::vector<EvalRow>& rows,
                                const ReportContext& ctx);

}  // namespace ocres::eval
