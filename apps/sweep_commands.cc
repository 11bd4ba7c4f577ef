// `ocres sweep`: success versus perception degradation, base alone vs base + residual, on the same
// held-out episodes for every value (issue #5 item 3). One parameter of what the residual sees is swept:
//   noise    estimator per-step position noise std (m): noise_position_min_m = noise_position_max_m = v
//   dropout  extra per-step probability that the pose is withheld (zeroed), on top of the estimator and gate
//   burst    estimator occlusion-burst mean length (control steps)
//   latency  estimator latency (control steps, integer)
// Everything else keeps the estimator model's defaults. Writes DIR/sweep_<param>.csv and
// DIR/sweep_<param>.svg, a Markdown table on stderr and, with --json, one JSON object on stdout.
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

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

constexpr uint64_t kEvalSeed = 2000000;  // the held-out seed of `ocres eval`

struct ParamSpec {
  const char* name;
  const char* x_label;
  double min, max;  // accepted range (the estimator config's own ranges)
  bool integer;
};
// Ranges: perception/estimator_model.cc (parse_estimator_model); dropout is a probability.
constexpr ParamSpec kParams[] = {
    {"noise", "estimator position noise std (m)", 0, 0.1, false},
    {"dropout", "extra pose dropout probability per step", 0, 1, false},
    {"burst", "occlusion burst mean length (steps)", 1, 1000, false},
    {"latency", "estimator latency (control steps)", 0, 100, true},
};

const ParamSpec& find_param(const std::string& name) {
  for (const auto& p : kParams)
    if (name == p.name) return p;
  throw InputError("--param: unknown parameter '" + name + "' (expected noise, dropout, burst or latency)");
}

// Shortest text that reads back as the same double (0.01, not 0.01000000000000000021).
std::string format_value(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::vector<double> parse_values(const std::string& text, const ParamSpec& p) {
  std::vector<double> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
    if (b == std::string::npos) throw InputError("--values: empty value in '" + text + "'");
    item = item.substr(b, e - b + 1);
    double v = 0;
    const auto r = std::from_chars(item.data(), item.data() + item.size(), v);
    if (r.ec != std::errc() || r.ptr != item.data() + item.size() || !std::isfinite(v))
      throw InputError("--values: '" + item + "' is not a number");
    if (v < p.min || v > p.max)
      throw InputError("--values: " + std::string(p.name) + " value '" + item + "' is outside [" + format_value(p.min) + ", " +
                       format_value(p.max) + "]");
    if (p.integer && v != std::floor(v))
      throw InputError("--values: " + std::string(p.name) + " value '" + item + "' is not a whole number of steps");
    out.push_back(v);
  }
  if (out.empty()) throw InputError("--values is empty (expected e.g. 0,0.005,0.01)");
  return out;
}

// The evaluation settings of one sweep value.
void apply_value(const ParamSpec& p, double v, learn::ResidualEvalConfig& ec) {
  perception::EstimatorModelConfig est;  // the defaults, with one field changed
  const std::string name = p.name;
  if (name == "noise") {
    est.noise_position_min_m = est.noise_position_max_m = v;
  } else if (name == "burst") {
    est.burst_mean_steps = v;
  } else if (name == "latency") {
    est.latency_steps = static_cast<int>(v);
  } else {
    ec.extra_dropout_probability = v;
    return;
  }
  ec.estimator = est;
}

struct Point {
  double value = 0;
  int episodes = 0, base_successes = 0, residual_successes = 0;
  double base_rate() const { return static_cast<double>(base_successes) / episodes; }
  double residual_rate() const { return static_cast<double>(residual_successes) / episodes; }
};

std::string percent_cell(int successes, int n) {
  const eval::Interval ci = eval::wilson_interval(successes, n);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%d/%d (%.0f%%) [%.0f–%.0f%%]", successes, n, 100.0 * successes / n, 100 * ci.low, 100 * ci.high);
  return buf;
}

std::string table_markdown(const std::string& task, const std::string& domain, const ParamSpec& p, const std::vector<Point>& points,
                           uint64_t seed) {
  std::string s = "### Success vs " + std::string(p.x_label) + " — " + task + ", " + domain + "\n\n";
  s += "| " + std::string(p.name) + " | base | base + residual | Δ (pp) |\n|---|---|---|---|\n";
  for (const auto& pt : points) {
    char delta[32];
    std::snprintf(delta, sizeof delta, "%+.0f", 100 * (pt.residual_rate() - pt.base_rate()));
    s += "| " + format_value(pt.value) + " | " + percent_cell(pt.base_successes, pt.episodes) + " | " +
         percent_cell(pt.residual_successes, pt.episodes) + " | " + delta + " |\n";
  }
  s += "\nCells: successes/N (rate) [95% Wilson interval]; the same held-out episodes (seed " + std::to_string(seed) +
       ") for every value and both policies.\n";
  return s;
}

std::string csv(const ParamSpec& p, const std::vector<Point>& points) {
  std::string s = "param,value,episodes,base_successes,base_rate,base_ci95_low,base_ci95_high,residual_successes,residual_rate,"
                  "residual_ci95_low,residual_ci95_high\n";
  for (const auto& pt : points) {
    const eval::Interval b = eval::wilson_interval(pt.base_successes, pt.episodes);
    const eval::Interval r = eval::wilson_interval(pt.residual_successes, pt.episodes);
    s += std::string(p.name) + "," + format_value(pt.value) + "," + std::to_string(pt.episodes) + "," +
         std::to_string(pt.base_successes) + "," + format_value(pt.base_rate()) + "," + format_value(b.low) + "," +
         format_value(b.high) + "," + std::to_string(pt.residual_successes) + "," + format_value(pt.residual_rate()) + "," +
         format_value(r.low) + "," + format_value(r.high) + "\n";
  }
  return s;
}

// Two lines (base, base + residual), y = success, shaded band = 95% Wilson interval (the plot helper
// draws bands for line charts, not error bars).
std::string plot_svg(const std::string& task, const std::string& domain, const ParamSpec& p, const std::vector<Point>& points) {
  eval::svg::LinePanel panel;
  panel.title = task + " (" + domain + ", " + std::to_string(points.front().episodes) + " episodes per point)";
  panel.x_label = p.x_label;
  panel.y_label = "success";
  panel.percent = true;
  panel.y_min = 0;
  panel.y_max = 1;
  for (int which = 0; which < 2; ++which) {
    eval::svg::LineSeries s;
    s.name = which == 0 ? "base" : "base + residual";
    for (const auto& pt : points) {
      const int k = which == 0 ? pt.base_successes : pt.residual_successes;
      const eval::Interval ci = eval::wilson_interval(k, pt.episodes);
      s.x.push_back(pt.value);
      s.y.push_back(static_cast<double>(k) / pt.episodes);
      s.band_low.push_back(ci.low);
      s.band_high.push_back(ci.high);
    }
    panel.series.push_back(std::move(s));
  }
  return eval::svg::line_panels_svg("Success vs perception degradation: " + std::string(p.name), {panel}, 1, 520, 340);
}

}  // namespace

void register_sweep_commands(CLI::App& app) {
  struct Opts {
    std::string task, base, residual, domain = "lab", param, values, out = ".";
    int episodes = 50, threads = 1;
    uint64_t seed = kEvalSeed;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("sweep", "Success vs perception degradation (noise, dropout, burst, latency): base vs base + residual");
  cmd->add_option("--task", o->task, "task")->required();
  cmd->add_option("--base", o->base, "base policy (.safetensors)")->required();
  cmd->add_option("--residual", o->residual, "residual (.safetensors)")->required();
  cmd->add_option("--domain", o->domain, "domain: lab (estimated poses) or sim (true poses; only --param dropout applies)")
      ->default_val("lab");
  cmd->add_option("--param", o->param, "swept parameter: noise (m), dropout (probability), burst (steps), latency (steps)")->required();
  cmd->add_option("--values", o->values, "comma-separated values of the parameter, e.g. 0,0.005,0.01")->required();
  cmd->add_option("--episodes", o->episodes, "episodes per value and policy")->default_val(50)->check(CLI::Range(1, 1000000));
  cmd->add_option("--seed", o->seed, "held-out evaluation seed (episode j uses episode_seed(seed, j))")->default_val(kEvalSeed);
  cmd->add_option("--threads", o->threads, "threads (episodes run in parallel)")->default_val(1)->check(CLI::Range(1, 256));
  cmd->add_option("--out", o->out, "output directory for sweep_<param>.csv and sweep_<param>.svg")->default_val(".");
  cmd->add_flag("--json", o->json, "print one JSON object on stdout");
  cmd->callback([o] {
    const auto t0 = std::chrono::steady_clock::now();
    // Validate everything before any episode runs.
    const ParamSpec& p = find_param(o->param);
    const std::vector<double> values = parse_values(o->values, p);
    if (o->domain != "sim" && o->domain != "lab") throw InputError("--domain: unknown domain '" + o->domain + "' (expected sim or lab)");
    const bool use_estimator = o->domain == "lab";
    if (!use_estimator && std::string(p.name) != "dropout")
      throw InputError("--param " + o->param + " changes the pose estimator, which only the lab domain uses (with --domain sim, "
                       "sweep dropout)");
    tasks::make_task(o->task);  // throws InputError naming an unknown task
    const auto base = policy::BcPolicy::load_for_task(o->base, o->task);  // refuses another task's base
    const policy::ResidualModel residual = policy::load_residual(o->residual);
    if (residual.task != o->task)
      throw InputError("'" + o->residual + "' is a residual for task '" + residual.task + "', not '" + o->task + "'");
    std::fprintf(stderr, "sweeping %s over %zu value(s): 2 x %d episodes each (held-out seed %llu), %d thread(s)\n", p.name,
                 values.size(), o->episodes, static_cast<unsigned long long>(o->seed), o->threads);

    std::vector<Point> points;
    for (size_t i = 0; i < values.size(); ++i) {
      Point pt;
      pt.value = values[i];
      pt.episodes = o->episodes;
      for (int with_residual = 0; with_residual < 2; ++with_residual) {
        learn::ResidualEvalConfig ec;
        ec.task = o->task;
        ec.domain = o->domain;
        ec.base_path = o->base;
        ec.residual_path = with_residual ? o->residual : "";
        ec.episodes = o->episodes;
        ec.seed = o->seed;
        ec.threads = o->threads;
        ec.use_estimator = use_estimator;
        apply_value(p, pt.value, ec);
        const eval::Summary s = eval::summarize(learn::evaluate_residual(ec));
        (with_residual ? pt.residual_successes : pt.base_successes) = s.successes;
      }
      points.push_back(pt);
      std::fprintf(stderr, "[%zu/%zu] %s = %s: base %d/%d, base + residual %d/%d\n", i + 1, values.size(), p.name,
                   format_value(pt.value).c_str(), pt.base_successes, pt.episodes, pt.residual_successes, pt.episodes);
    }

    std::filesystem::create_directories(o->out);
    const std::string stem = (std::filesystem::path(o->out) / ("sweep_" + std::string(p.name))).string();
    write_file_atomic(stem + ".csv", csv(p, points));
    write_file_atomic(stem + ".svg", plot_svg(o->task, o->domain, p, points));
    std::fprintf(stderr, "\n%s\nwrote %s.csv %s.svg (%.1f s)\n", table_markdown(o->task, o->domain, p, points, o->seed).c_str(),
                 stem.c_str(), stem.c_str(), std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (o->json) {
      nlohmann::json j{{"task", o->task}, {"domain", o->domain}, {"param", p.name}, {"episodes", o->episodes}};
      j["points"] = nlohmann::json::array();
      for (const auto& pt : points)
        j["points"].push_back({{"value", pt.value},
                               {"base_successes", pt.base_successes},
                               {"residual_successes", pt.residual_successes},
                               {"base_rate", pt.base_rate()},
                               {"residual_rate", pt.residual_rate()}});
      std::cout << j.dump() << std::endl;
    }
  });
}

}  // namespace ocres::apps
