#pragma once
// `ocres improve-summary`: the paper's self-improvement comparison (Fig. 6c,d) over several `ocres
// improve` runs (one per seed): per task, round and base, the success rate as mean ± std over runs and
// the pooled mean episode length on successes; per task, whether fine-tuning on base + residual rollouts
// ("corrected") beat fine-tuning on base-alone rollouts ("control"). Pure: JSON text in, tables out.
#include <string>
#include <vector>

#include "learn/improve.h"

namespace ocres::learn {

// One `ocres improve` run as its results.json (= its --json output) describes it.
struct ImproveRun {
  std::string label;  // where it came from (the run directory), for messages and the table's legend
  std::string domain;
  int eval_episodes = 0;
  uint64_t eval_seed = 0;
  std::vector<ImproveRow> rows;
  std::vector<CollectionRow> collections;
};

// Parses format_improve_json()'s output. Throws InputError naming `label` on malformed input.
ImproveRun parse_improve_json(const std::string& text, const std::string& label);

// One (task, round, base, with/without residual) over the runs that have it.
struct ImproveSummaryCell {
  std::string task, base;
  int round = 0;
  bool with_residual = false;
  std::vector<double> rates;  // per run, in run order
  int successes = 0, episodes = 0;  // pooled over runs
  double mean_rate = 0, std_rate = 0;  // over runs (sample std; 0 for one run)
  double mean_success_length = NAN;    // pooled over every successful episode of every run; NaN without
};

// Per task, the last round's re-trained bases alone: corrected vs. control.
struct ImproveVerdict {
  std::string task;
  int round = 0;
  double corrected_rate = 0, control_rate = 0;                  // means over runs
  double corrected_success_length = NAN, control_success_length = NAN;  // pooled
  int runs = 0, runs_corrected_higher = 0;  // runs where the corrected base's rate is strictly higher
  // Lengths on the held-out episodes that both bases solve (the same start states), over every run:
  // a base that also solves harder starts is not penalised for their longer episodes. `paired` is false
  // when a run's results carry no per-episode outcomes; the pooled lengths decide then.
  bool paired = false;
  int common_successes = 0;                            // (run, episode) pairs solved by both
  int common_corrected_shorter = 0, common_control_shorter = 0;  // of those, strictly shorter
  double corrected_common_length = NAN, control_common_length = NAN;  // means over those
  bool higher_success() const { return corrected_rate > control_rate; }
  bool shorter_successes() const {  // false if a length is NaN
    return paired ? corrected_common_length < control_common_length : corrected_success_length < control_success_length;
  }
};

struct ImproveSummary {
  std::string domain;
  int eval_episodes = 0;
  uint64_t eval_seed = 0;
  std::vector<std::string> labels;
  std::vector<ImproveSummaryCell> cells;  // tasks in first-appearance order, then rows in run order
  std::vector<ImproveVerdict> verdicts;   // tasks that have both arms
};

// Aggregates runs of the same experiment with different seeds. Throws InputError if the runs differ in
// domain, evaluation seed or episodes (their rows would not be comparable), or if two runs collected
// with the same seed (the same episodes twice: not independent).
ImproveSummary summarize_improve(const std::vector<ImproveRun>& runs);

std::string format_improve_summary_markdown(const ImproveSummary& summary);
std::string format_improve_summary_json(const ImproveSummary& summary);

}  // namespace ocres::learn
