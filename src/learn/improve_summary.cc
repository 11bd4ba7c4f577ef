#include "learn/improve_summary.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "core/error.h"
#include "eval/report.h"

namespace ocres::learn {

namespace {

using nlohmann::json;

template <typename T>
T field(const json& j, const char* key, const std::string& where) {
  if (!j.is_object() || !j.contains(key)) throw InputError(where + ": missing field '" + key + "'");
  try {
    return j.at(key).get<T>();
  } catch (const json::exception& e) {
    throw InputError(where + ": field '" + key + "' has the wrong type (" + e.what() + ")");
  }
}

std::string pct(double rate) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.0f%%", 100 * rate);
  return buf;
}

std::string steps(double length) {
  if (std::isnan(length)) return "—";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.0f", length);
  return buf;
}

std::string cell_text(const ImproveSummaryCell* c) {
  if (!c) return "— | —";
  char buf[160];
  std::snprintf(buf, sizeof(buf), "%.0f ± %.0f%% (", 100 * c->mean_rate, 100 * c->std_rate);
  std::string s = buf;
  for (size_t i = 0; i < c->rates.size(); ++i) {
    if (i > 0) s += '/';
    s += std::to_string(std::lround(100 * c->rates[i]));
  }
  s += ") | ";
  s += steps(c->mean_success_length);
  return s;
}

// The corrected and the control base of `task` in `round`, alone (without residual); null if absent.
// Works on runs' rows and on summary cells alike.
template <typename Row>
std::pair<const Row*, const Row*> bases_alone(const std::vector<Row>& rows, const std::string& task, int round) {
  const Row *corrected = nullptr, *control = nullptr;
  for (const Row& r : rows)
    if (r.task == task && r.round == round && !r.with_residual) {
      if (r.base == "corrected") corrected = &r;
      if (r.base == "control") control = &r;
    }
  return {corrected, control};
}

}  // namespace

ImproveRun parse_improve_json(const std::string& text, const std::string& label) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw InputError(label + ": not valid JSON (" + e.what() + ")");
  }
  ImproveRun run;
  run.label = label;
  run.domain = field<std::string>(j, "domain", label);
  run.eval_episodes = field<int>(j, "eval_episodes", label);
  run.eval_seed = field<uint64_t>(j, "eval_seed", label);
  const json rows = field<json>(j, "rows", label), collections = field<json>(j, "collections", label);
  if (!rows.is_array() || !collections.is_array()) throw InputError(label + ": 'rows' and 'collections' must be arrays");
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string where = label + ": rows[" + std::to_string(i) + "]";
    const json& r = rows[i];
    ImproveRow row;
    row.task = field<std::string>(r, "task", where);
    row.round = field<int>(r, "round", where);
    row.base = field<std::string>(r, "base", where);
    row.with_residual = field<bool>(r, "residual", where);
    row.episodes = field<int>(r, "episodes", where);
    row.successes = field<int>(r, "successes", where);
    row.mean_length = field<double>(r, "mean_length", where);
    const json len = field<json>(r, "mean_success_length", where);
    row.mean_success_length = len.is_null() ? NAN : field<double>(r, "mean_success_length", where);
    row.train_demos = field<int>(r, "train_demos", where);
    row.train_rollouts = field<int>(r, "train_rollouts", where);
    row.base_path = field<std::string>(r, "base_path", where);
    if (r.contains("episode_success") || r.contains("episode_length")) {  // absent in older results
      row.episode_success = field<std::vector<bool>>(r, "episode_success", where);
      row.episode_length = field<std::vector<int>>(r, "episode_length", where);
      const int solved = static_cast<int>(std::count(row.episode_success.begin(), row.episode_success.end(), true));
      if (static_cast<int>(row.episode_success.size()) != row.episodes || static_cast<int>(row.episode_length.size()) != row.episodes ||
          solved != row.successes)
        throw InputError(where + ": per-episode outcomes (" + std::to_string(row.episode_success.size()) + " outcomes, " +
                         std::to_string(solved) + " solved, " + std::to_string(row.episode_length.size()) +
                         " lengths) disagree with " + std::to_string(row.successes) + " successes out of " +
                         std::to_string(row.episodes) + " episodes");
    }
    if (row.episodes <= 0 || row.successes < 0 || row.successes > row.episodes)
      throw InputError(where + ": " + std::to_string(row.successes) + " successes out of " + std::to_string(row.episodes) + " episodes");
    if (row.successes > 0 && !(row.mean_success_length >= 0))
      throw InputError(where + ": successes without a mean success length");
    run.rows.push_back(row);
  }
  for (size_t i = 0; i < collections.size(); ++i) {
    const std::string where = label + ": collections[" + std::to_string(i) + "]";
    const json& c = collections[i];
    CollectionRow col;
    col.task = field<std::string>(c, "task", where);
    col.round = field<int>(c, "round", where);
    col.arm = field<std::string>(c, "arm", where);
    col.collection_seed = field<uint64_t>(c, "collection_seed", where);
    col.episodes = field<int>(c, "episodes", where);
    col.kept = field<int>(c, "kept", where);
    run.collections.push_back(col);
  }
  if (run.rows.empty()) throw InputError(label + ": no rows");
  return run;
}

ImproveSummary summarize_improve(const std::vector<ImproveRun>& runs) {
  if (runs.empty()) throw InputError("no improve runs to summarise");
  ImproveSummary s;
  s.domain = runs[0].domain;
  s.eval_episodes = runs[0].eval_episodes;
  s.eval_seed = runs[0].eval_seed;
  for (const ImproveRun& r : runs) {
    if (r.domain != s.domain || r.eval_episodes != s.eval_episodes || r.eval_seed != s.eval_seed)
      throw InputError(r.label + " was evaluated on " + std::to_string(r.eval_episodes) + " episodes of seed " +
                       std::to_string(r.eval_seed) + " in '" + r.domain + "', " + runs[0].label + " on " +
                       std::to_string(s.eval_episodes) + " of seed " + std::to_string(s.eval_seed) + " in '" + s.domain +
                       "': not the same experiment");
    s.labels.push_back(r.label);
  }
  // The same task collected with the same seed in two runs: the same episodes counted twice.
  std::map<std::pair<std::string, uint64_t>, std::string> seen;
  for (const ImproveRun& r : runs)
    for (const CollectionRow& c : r.collections) {
      if (c.round != 1 || c.arm != "corrected") continue;
      const auto [it, inserted] = seen.emplace(std::pair{c.task, c.collection_seed}, r.label);
      if (!inserted)
        throw InputError(r.label + " and " + it->second + " collected task '" + c.task +
                         "' with the same seed (same --seed): not independent runs");
    }

  // Cells: keyed by (task, round, base, residual), in first-appearance order.
  struct Acc {
    ImproveSummaryCell cell;
    double length_sum = 0;  // sum over runs of mean success length x successes
  };
  std::vector<Acc> acc;
  for (const ImproveRun& r : runs)
    for (const ImproveRow& row : r.rows) {
      auto it = std::find_if(acc.begin(), acc.end(), [&](const Acc& a) {
        return a.cell.task == row.task && a.cell.round == row.round && a.cell.base == row.base && a.cell.with_residual == row.with_residual;
      });
      if (it == acc.end()) {
        acc.push_back({});
        it = acc.end() - 1;
        it->cell.task = row.task;
        it->cell.round = row.round;
        it->cell.base = row.base;
        it->cell.with_residual = row.with_residual;
      }
      it->cell.rates.push_back(row.success_rate());
      it->cell.successes += row.successes;
      it->cell.episodes += row.episodes;
      if (row.successes > 0) it->length_sum += row.mean_success_length * row.successes;
    }
  // Group by task in first-appearance order (stable).
  std::vector<std::string> tasks;
  for (const Acc& a : acc)
    if (std::find(tasks.begin(), tasks.end(), a.cell.task) == tasks.end()) tasks.push_back(a.cell.task);
  for (const std::string& t : tasks)
    for (Acc& a : acc) {
      if (a.cell.task != t) continue;
      const eval::MeanStd m = eval::mean_std(a.cell.rates);
      a.cell.mean_rate = m.mean;
      a.cell.std_rate = m.std;
      a.cell.mean_success_length = a.cell.successes > 0 ? a.length_sum / a.cell.successes : NAN;
      s.cells.push_back(a.cell);
    }

  for (const std::string& t : tasks) {
    int last = -1;
    for (const ImproveSummaryCell& c : s.cells)
      if (c.task == t && c.base == "corrected") last = std::max(last, c.round);
    const auto [corrected, control] = bases_alone(s.cells, t, last);
    if (!corrected || !control) continue;
    ImproveVerdict v;
    v.task = t;
    v.round = last;
    v.corrected_rate = corrected->mean_rate;
    v.control_rate = control->mean_rate;
    v.corrected_success_length = corrected->mean_success_length;
    v.control_success_length = control->mean_success_length;
    // Per-run comparison: the k-th rate of each cell is the k-th run that has the row.
    v.runs = static_cast<int>(std::min(corrected->rates.size(), control->rates.size()));
    for (int k = 0; k < v.runs; ++k) v.runs_corrected_higher += corrected->rates[k] > control->rates[k];
    // Paired lengths: both arms were evaluated on the same held-out episodes of each run.
    v.paired = true;
    double corrected_sum = 0, control_sum = 0;
    for (const ImproveRun& r : runs) {
      const auto [a, b] = bases_alone(r.rows, t, last);
      if (!a || !b) continue;
      if (a->episode_success.empty() || b->episode_success.empty()) {
        v.paired = false;
        continue;
      }
      for (size_t j = 0; j < a->episode_success.size() && j < b->episode_success.size(); ++j) {
        if (!a->episode_success[j] || !b->episode_success[j]) continue;
        ++v.common_successes;
        corrected_sum += a->episode_length[j];
        control_sum += b->episode_length[j];
        v.common_corrected_shorter += a->episode_length[j] < b->episode_length[j];
        v.common_control_shorter += b->episode_length[j] < a->episode_length[j];
      }
    }
    if (v.paired && v.common_successes > 0) {
      v.corrected_common_length = corrected_sum / v.common_successes;
      v.control_common_length = control_sum / v.common_successes;
    }
    s.verdicts.push_back(v);
  }
  return s;
}

std::string format_improve_summary_markdown(const ImproveSummary& s) {
  std::ostringstream out;
  out << "# Self-improvement over " << s.labels.size() << " run(s) on `" << s.domain << "`\n\n"
      << s.eval_episodes << " held-out episodes per run and cell (episode seeds `episode_seed(" << s.eval_seed
      << ", j)`). Runs: ";
  for (size_t i = 0; i < s.labels.size(); ++i) out << (i ? ", " : "") << "`" << s.labels[i] << "`";
  out << ".\n";
  std::vector<std::string> tasks;
  for (const ImproveSummaryCell& c : s.cells)
    if (std::find(tasks.begin(), tasks.end(), c.task) == tasks.end()) tasks.push_back(c.task);
  for (const std::string& t : tasks) {
    out << "\n## " << t << "\n\n| Round | Base | Base alone | length | Base + residual | length |\n|---|---|---|---|---|---|\n";
    std::vector<std::pair<int, std::string>> keys;
    for (const ImproveSummaryCell& c : s.cells)
      if (c.task == t && std::find(keys.begin(), keys.end(), std::pair{c.round, c.base}) == keys.end()) keys.emplace_back(c.round, c.base);
    for (const auto& [round, base] : keys) {
      const ImproveSummaryCell *alone = nullptr, *with = nullptr;
      for (const ImproveSummaryCell& c : s.cells)
        if (c.task == t && c.round == round && c.base == base) (c.with_residual ? with : alone) = &c;
      out << "| " << round << " | " << base << " | " << cell_text(alone) << " | " << cell_text(with) << " |\n";
    }
  }
  out << "\nCells: success rate, mean ± std over runs (each run's rate); length: mean episode length on successes, "
         "pooled over the runs' successful episodes (20 Hz control steps; shorter is better).\n";
  if (!s.verdicts.empty()) {
    out << "\n## Corrected vs. control (re-trained bases alone, last round)\n\n"
        << "| Task | corrected | control | runs corrected higher | length corrected | length control | solved by both | length "
           "on those, corrected / control | corrected / control shorter | higher success | shorter |\n"
        << "|---|---|---|---|---|---|---|---|---|---|---|\n";
    int both = 0;
    bool all_paired = true;
    for (const ImproveVerdict& v : s.verdicts) {
      out << "| " << v.task << " | " << pct(v.corrected_rate) << " | " << pct(v.control_rate) << " | " << v.runs_corrected_higher << "/"
          << v.runs << " | " << steps(v.corrected_success_length) << " | " << steps(v.control_success_length) << " | ";
      if (v.paired)
        out << v.common_successes << " | " << steps(v.corrected_common_length) << " / " << steps(v.control_common_length) << " | "
            << v.common_corrected_shorter << " / " << v.common_control_shorter << " | ";
      else
        out << "— | — | — | ";
      out << (v.higher_success() ? "yes" : "no") << " | " << (v.shorter_successes() ? "yes" : "no") << " |\n";
      both += v.higher_success() && v.shorter_successes();
      all_paired = all_paired && v.paired;
    }
    out << "\nLengths: pooled over each base's own successes, then over the held-out episodes both bases solve (the same "
           "start states in each run; how many of those each base finished in fewer steps). \"shorter\" compares the "
        << (all_paired ? "latter" : "latter where every run recorded per-episode outcomes, else the former") << ".\n"
        << "\nBoth (higher success and shorter successful episodes): " << both << " of " << s.verdicts.size() << " task(s).\n";
  }
  return out.str();
}

std::string format_improve_summary_json(const ImproveSummary& s) {
  auto num = [](double v) { return std::isnan(v) ? json(nullptr) : json(v); };
  json cells = json::array(), verdicts = json::array();
  for (const ImproveSummaryCell& c : s.cells)
    cells.push_back({{"task", c.task},
                     {"round", c.round},
                     {"base", c.base},
                     {"residual", c.with_residual},
                     {"rates", c.rates},
                     {"successes", c.successes},
                     {"episodes", c.episodes},
                     {"mean_rate", c.mean_rate},
                     {"std_rate", c.std_rate},
                     {"mean_success_length", num(c.mean_success_length)}});
  for (const ImproveVerdict& v : s.verdicts)
    verdicts.push_back({{"task", v.task},
                        {"round", v.round},
                        {"corrected_rate", v.corrected_rate},
                        {"control_rate", v.control_rate},
                        {"corrected_success_length", num(v.corrected_success_length)},
                        {"control_success_length", num(v.control_success_length)},
                        {"runs", v.runs},
                        {"runs_corrected_higher", v.runs_corrected_higher},
                        {"paired", v.paired},
                        {"common_successes", v.common_successes},
                        {"corrected_common_length", num(v.corrected_common_length)},
                        {"control_common_length", num(v.control_common_length)},
                        {"common_corrected_shorter", v.common_corrected_shorter},
                        {"common_control_shorter", v.common_control_shorter},
                        {"higher_success", v.higher_success()},
                        {"shorter_successes", v.shorter_successes()}});
  return json{{"domain", s.domain}, {"eval_episodes", s.eval_episodes}, {"eval_seed", s.eval_seed}, {"runs", s.labels},
              {"cells", cells}, {"verdicts", verdicts}}
      .dump();
}

}  // namespace ocres::learn
