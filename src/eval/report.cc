#include "eval/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/error.h"

namespace ocres::eval {

namespace fs = std::filesystem;

namespace {

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, v);
  return buf;
}

// A rate as a whole percentage (ties to even, as printf rounds); gaps subtract these, so that a
// displayed "83% → 72%" reads "-11 pp", not the unrounded -10.3.
int pct_int(double rate) { return static_cast<int>(std::nearbyint(100 * rate)); }
std::string pct(double rate) { return std::to_string(pct_int(rate)) + "%"; }

// Colour of a condition, the same in every chart.
std::string condition_color(const std::string& condition, const ReportContext& ctx) {
  const auto& known = default_conditions();
  const auto it = std::find(known.begin(), known.end(), condition);
  if (it != known.end()) return svg::series_color(static_cast<int>(it - known.begin()));
  const auto jt = std::find(ctx.conditions.begin(), ctx.conditions.end(), condition);
  return svg::series_color(static_cast<int>(known.size() + (jt - ctx.conditions.begin())));
}

std::string task_title(const std::string& task, const ReportContext& ctx) {
  const auto it = ctx.task_titles.find(task);
  return it == ctx.task_titles.end() ? task : it->second;
}

// Parses "seed<k>" (k a non-negative integer); -1 otherwise.
int parse_seed_dir(const std::string& name) {
  if (name.size() < 5 || name.compare(0, 4, "seed") != 0) return -1;
  int k = 0;
  for (size_t i = 4; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9' || k > 100000000) return -1;
    k = 10 * k + (name[i] - '0');
  }
  return k;
}

std::vector<fs::directory_entry> sorted_entries(const fs::path& dir) {
  std::vector<fs::directory_entry> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path().filename() < b.path().filename(); });
  return out;
}

// Success rate per training seed averaged over tasks, for the Average row: seed k's mean over the tasks
// that have seed k.
MeanStd seed_average_over_tasks(const std::vector<EvalRow>& rows, const std::string& condition, const std::string& domain,
                                const std::vector<std::string>& tasks) {
  std::map<int, std::pair<double, int>> by_seed;
  for (const auto& task : tasks)
    for (const EvalRow* r : select_rows(rows, task, condition, domain)) {
      by_seed[r->seed].first += r->success_rate();
      by_seed[r->seed].second += 1;
    }
  std::vector<double> v;
  for (const auto& [seed, acc] : by_seed) v.push_back(acc.first / acc.second);
  return mean_std(v);
}

}  // namespace

const std::vector<std::string>& default_conditions() {
  static const std::vector<std::string> kConditions = {"base", "full", "no_noise", "no_dropout", "no_both"};
  return kConditions;
}

std::string condition_title(const std::string& c) {
  if (c == "base") return "base";
  if (c == "full") return "+res";
  if (c == "no_noise") return "+res no noise";
  if (c == "no_dropout") return "+res no dropout";
  if (c == "no_both") return "+res neither";
  return c;
}

std::string base_policy_path(const std::string& runs_dir, const std::string& task, const std::string& domain) {
  return (fs::path(runs_dir) / "bases" / (task + "_" + domain + ".safetensors")).string();
}

std::string residual_seed_dir(const std::string& runs_dir, const std::string& task, const std::string& condition, int seed) {
  return (fs::path(runs_dir) / "residuals" / task / condition / ("seed" + std::to_string(seed))).string();
}

std::vector<int> RunsIndex::seeds(const std::string& task, const std::string& condition) const {
  std::vector<int> out;
  for (const auto& r : residuals)
    if (r.task == task && r.condition == condition) out.push_back(r.seed);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> RunsIndex::residual_tasks() const {
  std::vector<std::string> out;
  for (const auto& r : residuals)
    if (std::find(out.begin(), out.end(), r.task) == out.end()) out.push_back(r.task);
  return out;
}

std::vector<std::string> RunsIndex::conditions(const std::string& task) const {
  std::vector<std::string> out;
  for (const auto& r : residuals)
    if (r.task == task && std::find(out.begin(), out.end(), r.condition) == out.end()) out.push_back(r.condition);
  return out;
}

RunsIndex discover_runs(const std::string& runs_dir) {
  std::error_code ec;
  if (!fs::is_directory(runs_dir, ec)) throw InputError("--runs '" + runs_dir + "' is not a directory");
  RunsIndex idx;
  const fs::path bases = fs::path(runs_dir) / "bases";
  if (fs::is_directory(bases, ec)) {
    for (const auto& e : sorted_entries(bases)) {
      const std::string name = e.path().filename().string();
      const std::string ext = ".safetensors";
      std::string stem;
      for (const char* d : {"_sim", "_lab"}) {
        const std::string suffix = d + ext;
        if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
          stem = name.substr(0, name.size() - suffix.size());
      }
      if (stem.empty() || !e.is_regular_file(ec)) {
        idx.ignored.push_back(e.path().string());
        continue;
      }
      if (std::find(idx.base_tasks.begin(), idx.base_tasks.end(), stem) == idx.base_tasks.end()) idx.base_tasks.push_back(stem);
    }
  }
  const fs::path residuals = fs::path(runs_dir) / "residuals";
  if (fs::is_directory(residuals, ec)) {
    for (const auto& t : sorted_entries(residuals)) {
      if (!t.is_directory(ec)) {
        idx.ignored.push_back(t.path().string());
        continue;
      }
      for (const auto& c : sorted_entries(t.path())) {
        if (!c.is_directory(ec)) {
          idx.ignored.push_back(c.path().string());
          continue;
        }
        std::vector<ResidualRun> found;
        for (const auto& s : sorted_entries(c.path())) {
          const int seed = parse_seed_dir(s.path().filename().string());
          if (seed < 0 || !s.is_directory(ec)) {
            idx.ignored.push_back(s.path().string());
            continue;
          }
          found.push_back({t.path().filename().string(), c.path().filename().string(), seed, s.path().string()});
        }
        std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.seed < b.seed; });
        idx.residuals.insert(idx.residuals.end(), found.begin(), found.end());
      }
    }
  }
  return idx;
}

Interval wilson_interval(int successes, int n, double z) {
  if (n <= 0) return {0.0, 1.0};
  const double p = static_cast<double>(successes) / n, z2 = z * z;
  const double denom = 1 + z2 / n;
  const double centre = (p + z2 / (2.0 * n)) / denom;
  const double half = z * std::sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denom;
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

MeanStd mean_std(const std::vector<double>& v) {
  MeanStd m;
  m.n = static_cast<int>(v.size());
  if (v.empty()) return m;
  double sum = 0;
  for (double x : v) sum += x;
  m.mean = sum / m.n;
  double ss = 0;
  for (double x : v) ss += (x - m.mean) * (x - m.mean);
  m.std = m.n > 1 ? std::sqrt(ss / (m.n - 1)) : 0.0;
  return m;
}

CellStats pool_rows(const std::vector<const EvalRow*>& rows) {
  CellStats c;
  std::vector<double> rates;
  double success_steps = 0;
  for (const EvalRow* r : rows) {
    ++c.rows;
    c.episodes += r->episodes;
    c.successes += r->successes;
    rates.push_back(r->success_rate());
    if (r->successes > 0 && std::isfinite(r->mean_success_length)) success_steps += r->mean_success_length * r->successes;
  }
  c.rate = c.episodes > 0 ? static_cast<double>(c.successes) / c.episodes : 0.0;
  c.ci95 = wilson_interval(c.successes, c.episodes);
  c.seed_rate = mean_std(rates);
  if (c.successes > 0) c.mean_success_length = success_steps / c.successes;
  return c;
}

std::vector<const EvalRow*> select_rows(const std::vector<EvalRow>& rows, const std::string& task, const std::string& condition,
                                        const std::string& domain) {
  std::vector<const EvalRow*> out;
  for (const auto& r : rows)
    if ((task.empty() || r.task == task) && (condition.empty() || r.condition == condition) && (domain.empty() || r.domain == domain))
      out.push_back(&r);
  return out;
}

std::string format_cell(const CellStats& c, bool residual) {
  if (c.rows == 0) return "—";
  std::string s = std::to_string(c.successes) + "/" + std::to_string(c.episodes) + " (" + pct(c.rate) + ")";
  if (residual) {
    s += " · " + fmt("%.0f", 100 * c.seed_rate.mean);
    if (c.seed_rate.n > 1) s += " ± " + fmt("%.0f", 100 * c.seed_rate.std);
    s += "% (" + std::to_string(c.seed_rate.n) + (c.seed_rate.n == 1 ? " seed)" : " seeds)");
  }
  s += " · [" + fmt("%.0f", 100 * c.ci95.low) + "–" + pct(c.ci95.high) + "]";
  return s;
}

std::string format_table_markdown(const std::vector<EvalRow>& rows, const std::string& domain, const ReportContext& ctx) {
  const bool both = std::find(ctx.domains.begin(), ctx.domains.end(), "sim") != ctx.domains.end() &&
                    std::find(ctx.domains.begin(), ctx.domains.end(), "lab") != ctx.domains.end();
  std::vector<std::string> gap_conditions;
  if (both) {
    if (std::find(ctx.conditions.begin(), ctx.conditions.end(), "base") != ctx.conditions.end()) gap_conditions.push_back("base");
    for (const auto& c : ctx.conditions)
      if (!is_base_condition(c)) {
        gap_conditions.push_back(c);
        break;
      }
  }
  std::ostringstream o;
  o << "# Success on `" << domain << "`\n\n";
  o << ctx.episodes_per_row << " episodes per row (one row = one task, condition and training seed), on held-out episode seeds "
    << "`episode_seed(" << ctx.eval_seed << ", j)`, the same episodes for every condition. ";
  o << (domain == "lab" ? "Base: the lab base policy (the \"real VLA\" stand-in); object poses reach the residual only through the "
                          "pose-estimator model and the deployment gate."
                        : "Base: the sim twin; the residual sees ground-truth object poses.")
    << "\n\n";
  o << "| Task |";
  for (const auto& c : ctx.conditions) o << " " << condition_title(c) << " |";
  for (const auto& c : gap_conditions) o << " sim→lab " << condition_title(c) << " |";
  o << "\n|---|";
  for (size_t i = 0; i < ctx.conditions.size() + gap_conditions.size(); ++i) o << "---|";
  o << "\n";
  auto gap_cell = [&](const std::vector<std::string>& tasks, const std::string& c) {
    double r[2];
    int k = 0;
    for (const char* d : {"sim", "lab"}) {
      std::vector<const EvalRow*> sel;
      for (const auto& t : tasks)
        for (const EvalRow* row : select_rows(rows, t, c, d)) sel.push_back(row);
      if (sel.empty()) return std::string("—");
      r[k++] = pool_rows(sel).rate;
    }
    const int gap = pct_int(r[1]) - pct_int(r[0]);
    return pct(r[0]) + " → " + pct(r[1]) + " (" + (gap >= 0 ? "+" : "") + std::to_string(gap) + " pp)";
  };
  for (const auto& t : ctx.tasks) {
    o << "| " << task_title(t, ctx) << " |";
    for (const auto& c : ctx.conditions) o << " " << format_cell(pool_rows(select_rows(rows, t, c, domain)), !is_base_condition(c)) << " |";
    for (const auto& c : gap_conditions) o << " " << gap_cell({t}, c) << " |";
    o << "\n";
  }
  o << "| **Average** |";
  for (const auto& c : ctx.conditions) {
    std::vector<const EvalRow*> sel;
    int tasks_with = 0;
    for (const auto& t : ctx.tasks) {
      const auto s = select_rows(rows, t, c, domain);
      tasks_with += !s.empty();
      sel.insert(sel.end(), s.begin(), s.end());
    }
    CellStats cell = pool_rows(sel);
    if (!is_base_condition(c)) cell.seed_rate = seed_average_over_tasks(rows, c, domain, ctx.tasks);
    std::string s = format_cell(cell, !is_base_condition(c));
    if (tasks_with > 0 && tasks_with < static_cast<int>(ctx.tasks.size()))
      s += " (" + std::to_string(tasks_with) + " of " + std::to_string(ctx.tasks.size()) + " tasks)";
    o << " " << s << " |";
  }
  for (const auto& c : gap_conditions) {
    std::vector<std::string> tasks_both;  // tasks evaluated in both domains under c
    for (const auto& t : ctx.tasks)
      if (!select_rows(rows, t, c, "sim").empty() && !select_rows(rows, t, c, "lab").empty()) tasks_both.push_back(t);
    o << " " << (tasks_both.empty() ? std::string("—") : gap_cell(tasks_both, c)) << " |";
  }
  o << "\n\nCells: successes/episodes (rate) · for base + residual, mean ± std of the success rate over training seeds "
       "(sample std) · 95% Wilson interval on the pooled episodes. Average: pooled over tasks; its ± is the std over "
       "training seeds of each seed's mean over tasks.";
  if (!gap_conditions.empty()) o << " sim→lab: pooled success in sim, then in lab, and the difference in percentage points.";
  o << "\n";
  return o.str();
}

namespace {

const std::string kCsvHeaderBase =
    "task,condition,domain,seed,episodes,successes,success_rate,ci95_low,ci95_high,mean_length,mean_success_length";

std::string csv_header() {
  std::string h = kCsvHeaderBase;
  for (int k = 1; k < kNumOutcomes; ++k) h += std::string(",") + outcome_name(static_cast<Outcome>(k));
  return h;
}

bool outcomes_known(const EvalRow& r) { return r.outcomes[0] >= 0; }

}  // namespace

std::string format_failure_table_markdown(const std::vector<EvalRow>& rows, const std::string& domain, const ReportContext& ctx) {
  std::ostringstream o;
  o << "# Failure modes on `" << domain << "`\n\n";
  o << "| Task | Condition | Episodes | success |";
  for (int k = 1; k < kNumOutcomes; ++k) o << " " << outcome_name(static_cast<Outcome>(k)) << " |";
  o << "\n|---|---|---|---|";
  for (int k = 1; k < kNumOutcomes; ++k) o << "---|";
  o << "\n";
  for (const auto& t : ctx.tasks)
    for (const auto& c : ctx.conditions) {
      std::array<int, kNumOutcomes> n{};
      int episodes = 0;
      for (const EvalRow* r : select_rows(rows, t, c, domain)) {
        if (!outcomes_known(*r)) continue;
        episodes += r->episodes;
        for (int k = 0; k < kNumOutcomes; ++k) n[k] += r->outcomes[k];
      }
      if (episodes == 0) continue;
      o << "| " << task_title(t, ctx) << " | " << condition_title(c) << " | " << episodes << " |";
      for (int k = 0; k < kNumOutcomes; ++k) o << " " << n[k] << " (" << pct(static_cast<double>(n[k]) / episodes) << ") |";
      o << "\n";
    }
  o << "\nEvery episode has exactly one outcome (src/eval/failure_modes.h): never_reached — the hand never came within "
       "5 cm of where it grasps the object; missed_grasp_hovering — it came near but never held it; dropped — it held it and lost it; "
       "stopped_short — progress stalled before the goal; misaligned — at the goal but outside the tolerance; "
       "knocked_off — a failure that ends the episode early.\n";
  return o.str();
}

std::string format_results_csv(const std::vector<EvalRow>& rows) {
  std::ostringstream o;
  o << csv_header() << "\n";
  for (const auto& r : rows) {
    const Interval ci = wilson_interval(r.successes, r.episodes);
    o << r.task << "," << r.condition << "," << r.domain << "," << (r.seed >= 0 ? std::to_string(r.seed) : "") << "," << r.episodes
      << "," << r.successes << "," << fmt("%.6g", r.success_rate()) << "," << fmt("%.6g", ci.low) << "," << fmt("%.6g", ci.high)
      << "," << fmt("%.6g", r.mean_length) << ","
      << (std::isfinite(r.mean_success_length) ? fmt("%.6g", r.mean_success_length) : "");
    for (int k = 1; k < kNumOutcomes; ++k) o << "," << (outcomes_known(r) ? std::to_string(r.outcomes[k]) : "");
    o << "\n";
  }
  return o.str();
}

std::vector<EvalRow> parse_results_csv(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || (line != csv_header() && line != kCsvHeaderBase))
    throw InputError("results CSV: the header is not '" + csv_header() + "'");
  const size_t num_fields = line == kCsvHeaderBase ? 11 : 11 + kNumOutcomes - 1;
  std::vector<EvalRow> rows;
  for (int n = 2; std::getline(in, line); ++n) {
    std::vector<std::string> f;
    std::stringstream ls(line);
    for (std::string cell; std::getline(ls, cell, ',');) f.push_back(cell);
    if (!line.empty() && line.back() == ',') f.push_back("");
    auto bad = [&](const std::string& why) { return InputError("results CSV line " + std::to_string(n) + ": " + why + ": '" + line + "'"); };
    if (f.size() != num_fields) throw bad("expected " + std::to_string(num_fields) + " fields");
    EvalRow r;
    r.task = f[0], r.condition = f[1], r.domain = f[2];
    try {
      size_t used = 0;
      auto whole = [&](const std::string& s) {
        const long v = std::stol(s, &used);
        if (used != s.size() || v < 0 || v > 1000000000) throw std::invalid_argument(s);
        return static_cast<int>(v);
      };
      auto real = [&](const std::string& s) {
        const double v = std::stod(s, &used);
        if (used != s.size() || !std::isfinite(v)) throw std::invalid_argument(s);
        return v;
      };
      r.seed = f[3].empty() ? -1 : whole(f[3]);
      r.episodes = whole(f[4]);
      r.successes = whole(f[5]);
      r.mean_length = real(f[9]);
      r.mean_success_length = f[10].empty() ? kNoValue : real(f[10]);
      r.outcomes.fill(-1);
      if (num_fields > 11 && !f[11].empty()) {
        int failures = 0;
        for (int k = 1; k < kNumOutcomes; ++k) failures += r.outcomes[k] = whole(f[10 + k]);
        r.outcomes[0] = whole(f[5]);
        if (r.outcomes[0] + failures != whole(f[4])) throw std::invalid_argument("outcome counts");
      }
    } catch (const std::exception&) {
      throw bad("not a number where one is expected");
    }
    if (r.task.empty() || r.condition.empty() || r.domain.empty() || r.successes > r.episodes) throw bad("inconsistent row");
    rows.push_back(r);
  }
  return rows;
}

std::string format_results_json(const std::vector<EvalRow>& rows, const ReportContext& ctx) {
  std::vector<std::string> domains = ctx.domains;
  if (domains.empty())
    for (const auto& r : rows)
      if (std::find(domains.begin(), domains.end(), r.domain) == domains.end()) domains.push_back(r.domain);
  nlohmann::json per_domain = nlohmann::json::array();
  for (const auto& d : domains) {
    nlohmann::json jr = nlohmann::json::array();
    for (const auto& r : rows) {
      if (r.domain != d) continue;
      jr.push_back({{"task", r.task},
                    {"condition", r.condition},
                    {"seed", r.seed >= 0 ? nlohmann::json(r.seed) : nlohmann::json(nullptr)},
                    {"episodes", r.episodes},
                    {"successes", r.successes},
                    {"success_rate", r.success_rate()},
                    {"mean_success_length", std::isfinite(r.mean_success_length) ? nlohmann::json(r.mean_success_length)
                                                                                 : nlohmann::json(nullptr)}});
    }
    per_domain.push_back({{"domain", d}, {"episodes_per_row", ctx.episodes_per_row}, {"rows", jr}});
  }
  if (per_domain.size() == 1) return per_domain[0].dump();
  return nlohmann::json{{"domains", per_domain}}.dump();
}

svg::BarChart success_chart(const std::vector<EvalRow>& rows, const std::string& domain, const ReportContext& ctx) {
  svg::BarChart c;
  c.title = "Success on " + domain + " (" + std::to_string(ctx.episodes_per_row) + " episodes per seed; bars: 95% Wilson interval)";
  c.y_label = "success rate";
  c.y_min = 0;
  c.y_max = 1;
  c.percent = true;
  for (const auto& t : ctx.tasks) c.groups.push_back(task_title(t, ctx));
  for (const auto& cond : ctx.conditions) {
    svg::BarSeries s;
    s.name = condition_title(cond);
    s.color = condition_color(cond, ctx);
    for (const auto& t : ctx.tasks) {
      const auto sel = select_rows(rows, t, cond, domain);
      const CellStats cell = pool_rows(sel);
      s.values.push_back(sel.empty() ? svg::kNaN : cell.rate);
      s.err_low.push_back(sel.empty() ? svg::kNaN : cell.ci95.low);
      s.err_high.push_back(sel.empty() ? svg::kNaN : cell.ci95.high);
    }
    c.series.push_back(std::move(s));
  }
  return c;
}

svg::BarChart success_length_chart(const std::vector<EvalRow>& rows, const std::string& domain, const ReportContext& ctx) {
  svg::BarChart c;
  c.title = "Mean episode length on successes, " + domain + " (bars: ± std over training seeds)";
  c.y_label = "control steps (20 Hz)";
  c.y_min = 0;
  for (const auto& t : ctx.tasks) c.groups.push_back(task_title(t, ctx));
  for (const auto& cond : ctx.conditions) {
    svg::BarSeries s;
    s.name = condition_title(cond);
    s.color = condition_color(cond, ctx);
    for (const auto& t : ctx.tasks) {
      const auto sel = select_rows(rows, t, cond, domain);
      const CellStats cell = pool_rows(sel);
      std::vector<double> per_seed;
      for (const EvalRow* r : sel)
        if (std::isfinite(r->mean_success_length)) per_seed.push_back(r->mean_success_length);
      const MeanStd ms = mean_std(per_seed);
      s.values.push_back(cell.mean_success_length);
      const bool bars = ms.n > 1;
      s.err_low.push_back(bars ? cell.mean_success_length - ms.std : svg::kNaN);
      s.err_high.push_back(bars ? cell.mean_success_length + ms.std : svg::kNaN);
    }
    c.series.push_back(std::move(s));
  }
  return c;
}

TrainingCurve read_training_curve(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError("'" + path + "': cannot read (missing metrics.csv?)");
  std::string line;
  if (!std::getline(in, line)) throw InputError("'" + path + "': empty file, expected a header line");
  auto split = [](const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string f;
    while (std::getline(ss, f, ',')) out.push_back(f);
    if (!s.empty() && s.back() == ',') out.emplace_back();
    return out;
  };
  const auto header = split(line);
  auto column = [&](const char* name) {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) throw InputError("'" + path + "': no column '" + name + "' in the header");
    return static_cast<size_t>(it - header.begin());
  };
  const size_t ci_steps = column("env_steps"), ci_eval = column("eval_success");
  std::map<double, double> by_step;  // later lines (a resumed run) replace earlier ones
  int line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    const auto f = split(line);
    auto number = [&](size_t i, const char* name) {
      if (i >= f.size()) throw InputError("'" + path + "' line " + std::to_string(line_no) + ": missing " + name);
      try {
        size_t used = 0;
        const double v = std::stod(f[i], &used);
        if (used != f[i].size()) throw std::invalid_argument(f[i]);
        return v;
      } catch (const std::exception&) {
        throw InputError("'" + path + "' line " + std::to_string(line_no) + ": " + name + " '" + f[i] + "' is not a number");
      }
    };
    const double steps = number(ci_steps, "env_steps"), ev = number(ci_eval, "eval_success");
    // A resumed run restarts from its checkpoint: drop what the killed run logged past that point.
    by_step.erase(by_step.upper_bound(steps), by_step.end());
    if (ev >= 0) by_step[steps] = ev;
  }
  TrainingCurve c;
  for (const auto& [s, v] : by_step) {
    c.env_steps.push_back(s);
    c.eval_success.push_back(v);
  }
  return c;
}

MeanCurve mean_over_seeds(const std::vector<const TrainingCurve*>& curves) {
  std::map<double, std::vector<double>> at;
  for (const TrainingCurve* c : curves)
    for (size_t i = 0; i < c->env_steps.size() && i < c->eval_success.size(); ++i) at[c->env_steps[i]].push_back(c->eval_success[i]);
  MeanCurve m;
  for (const auto& [x, v] : at) {
    m.x.push_back(x);
    m.mean.push_back(mean_std(v).mean);
    m.min.push_back(*std::min_element(v.begin(), v.end()));
    m.max.push_back(*std::max_element(v.begin(), v.end()));
  }
  return m;
}

std::string training_curves_svg(const std::vector<TrainingCurve>& curves, const std::vector<EvalRow>& rows, const ReportContext& ctx) {
  std::vector<svg::LinePanel> panels;
  for (const auto& t : ctx.tasks) {
    svg::LinePanel p;
    p.title = task_title(t, ctx);
    p.x_label = "environment steps";
    p.y_label = "eval success (sim)";
    p.y_min = 0;
    p.y_max = 1;
    p.percent = true;
    double xmin = svg::kNaN, xmax = svg::kNaN;
    std::vector<std::string> conds = ctx.conditions;
    for (const auto& c : curves)  // conditions with curves but not evaluated still show
      if (c.task == t && std::find(conds.begin(), conds.end(), c.condition) == conds.end()) conds.push_back(c.condition);
    for (const auto& cond : conds) {
      std::vector<const TrainingCurve*> sel;
      for (const auto& c : curves)
        if (c.task == t && c.condition == cond && !c.env_steps.empty()) sel.push_back(&c);
      if (sel.empty()) continue;
      const MeanCurve m = mean_over_seeds(sel);
      svg::LineSeries s;
      s.name = condition_title(cond);
      s.color = condition_color(cond, ctx);
      s.x = m.x;
      s.y = m.mean;
      if (sel.size() > 1) {
        s.band_low = m.min;
        s.band_high = m.max;
      }
      if (!m.x.empty()) {
        xmin = std::isfinite(xmin) ? std::min(xmin, m.x.front()) : m.x.front();
        xmax = std::isfinite(xmax) ? std::max(xmax, m.x.back()) : m.x.back();
      }
      p.series.push_back(std::move(s));
    }
    if (p.series.empty()) continue;
    const auto base = select_rows(rows, t, "base", "sim");
    if (!base.empty() && std::isfinite(xmin)) {
      svg::LineSeries s;
      s.name = "base (sim eval)";
      s.color = condition_color("base", ctx);
      s.dashed = true;
      s.x = {xmin, xmax};
      const double r = pool_rows(base).rate;
      s.y = {r, r};
      p.series.push_back(std::move(s));
    }
    panels.push_back(std::move(p));
  }
  if (panels.empty()) return "";
  return svg::line_panels_svg("Training curves: held-out sim success vs environment steps (mean over seeds; band: min–max)", panels,
                              3);
}

}  // namespace ocres::eval
