#pragma once
// The tables of `ocres improve`: pure data in, text out (the app writes and prints them).
#include <string>
#include <vector>

#include "learn/improve.h"

namespace ocres::learn {

struct ImproveReportContext {
  std::string domain;
  int eval_episodes = 0;
  uint64_t eval_seed = 0;
  std::string multi_task_base;          // empty: no multi-task base in this run
  std::string multi_task_control_base;
};

// Markdown: a heading and legend, then per task one table (rows: round, base; columns: base alone,
// base + residual), cells "successes/N (rate) [95% Wilson] · mean length on successes", and a line per
// collection (kept/run per arm and round).
std::string format_improve_markdown(const std::vector<ImproveRow>& rows, const std::vector<CollectionRow>& collections,
                                    const ImproveReportContext& ctx);
// One line per row: task,round,base,residual,episodes,successes,success_rate,ci95_low,ci95_high,
// mean_length,mean_success_length,train_demos,train_rollouts,base_path (mean_success_length empty
// without success).
std::string format_improve_csv(const std::vector<ImproveRow>& rows);
// One JSON object (one line): {"domain","eval_episodes","eval_seed","rows":[...],"collections":[...],
// "multi_task_base","multi_task_control_base"} (mean_success_length null without success; the bases
// null without them).
std::string format_improve_json(const std::vector<ImproveRow>& rows, const std::vector<CollectionRow>& collections,
                                const ImproveReportContext& ctx);

}  // namespace ocres::learn
