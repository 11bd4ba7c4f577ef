// Evaluation reports: statistics against independent checks, the table's cells and layout, the CSV and
// JSON shapes, metrics.csv parsing and the run-directory layout.
#include "eval/report.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace ocres::eval {
namespace {

namespace fs = std::filesystem;

std::string temp_dir(const std::string& stem) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const fs::path p = fs::temp_directory_path() / ("ocres_report_" + std::string(info->name()) + "_" + std::to_string(getpid()) + "_" + stem);
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

EvalRow row(const std::string& task, const std::string& cond, const std::string& domain, int seed, int successes, int episodes,
            double success_length = kNoValue) {
  EvalRow r;
  r.task = task;
  r.condition = cond;
  r.domain = domain;
  r.seed = seed;
  r.successes = successes;
  r.episodes = episodes;
  r.mean_length = 250;
  r.mean_success_length = successes > 0 ? success_length : kNoValue;
  return r;
}

ReportContext context(std::vector<std::string> domains) {
  ReportContext c;
  c.tasks = {"lift", "stack"};
  c.conditions = {"base", "full"};
  c.domains = std::move(domains);
  c.task_titles = {{"lift", "Cube Lift"}, {"stack", "Stack Cube"}};
  c.episodes_per_row = 20;
  c.eval_seed = 2000000;
  return c;
}

// lift: base 7/20; full seeds 15/20, 17/20. stack: base 10/20; full seeds 12/20, 14/20.
std::vector<EvalRow> sim_rows() {
  return {row("lift", "base", "sim", -1, 7, 20, 210), row("lift", "full", "sim", 0, 15, 20, 180), row("lift", "full", "sim", 1, 17, 20, 170),
          row("stack", "base", "sim", -1, 10, 20, 400), row("stack", "full", "sim", 0, 12, 20, 350),
          row("stack", "full", "sim", 1, 14, 20, 330)};
}

TEST(Wilson, MatchesPublishedValues) {
  // 0/10: 0-27.8% and 10/20: 29.9-70.1% (Wilson 1927; the usual worked examples).
  EXPECT_NEAR(wilson_interval(0, 10).low, 0.0, 1e-12);
  EXPECT_NEAR(wilson_interval(0, 10).high, 0.2775, 1e-4);
  EXPECT_NEAR(wilson_interval(10, 20).low, 0.2993, 1e-4);
  EXPECT_NEAR(wilson_interval(10, 20).high, 0.7007, 1e-4);
  EXPECT_NEAR(wilson_interval(20, 20).high, 1.0, 1e-12);
}

TEST(Wilson, BoundsSolveTheScoreEquation) {
  // The Wilson bounds are the p with |p_hat - p| = z sqrt(p (1 - p) / n).
  const double z = 1.959963984540054;
  for (auto [x, n] : {std::pair{7, 20}, {1, 3}, {99, 100}, {50, 300}}) {
    const Interval ci = wilson_interval(x, n);
    const double p_hat = static_cast<double>(x) / n;
    for (double p : {ci.low, ci.high}) EXPECT_NEAR(std::abs(p_hat - p), z * std::sqrt(p * (1 - p) / n), 1e-9) << x << "/" << n;
    EXPECT_LT(ci.low, p_hat);
    EXPECT_GT(ci.high, p_hat);
  }
}

TEST(Wilson, NoEpisodesGivesTheWholeInterval) {
  EXPECT_EQ(wilson_interval(0, 0).low, 0.0);
  EXPECT_EQ(wilson_interval(0, 0).high, 1.0);
}

TEST(MeanStd, UsesTheSampleStandardDeviation) {
  const MeanStd m = mean_std({0.75, 0.85, 0.95});
  EXPECT_NEAR(m.mean, 0.85, 1e-12);
  EXPECT_NEAR(m.std, 0.1, 1e-12);  // sqrt((0.01 + 0 + 0.01) / 2)
  EXPECT_EQ(m.n, 3);
  EXPECT_EQ(mean_std({0.4}).std, 0.0);
  EXPECT_TRUE(std::isnan(mean_std({}).mean));
}

TEST(PoolRows, PoolsEpisodesAndWeighsSuccessLengthsBySuccesses) {
  const auto rows = sim_rows();
  const CellStats c = pool_rows(select_rows(rows, "lift", "full", "sim"));
  EXPECT_EQ(c.rows, 2);
  EXPECT_EQ(c.successes, 32);
  EXPECT_EQ(c.episodes, 40);
  EXPECT_DOUBLE_EQ(c.rate, 0.8);
  EXPECT_NEAR(c.seed_rate.mean, 0.8, 1e-12);
  EXPECT_NEAR(c.seed_rate.std, std::sqrt(0.005), 1e-12);
  EXPECT_NEAR(c.mean_success_length, (15 * 180.0 + 17 * 170.0) / 32, 1e-9);
}

TEST(FormatCell, BaseShowsCountsAndInterval) {
  const auto rows = sim_rows();
  EXPECT_EQ(format_cell(pool_rows(select_rows(rows, "lift", "base", "sim")), false), "7/20 (35%) · [18–57%]");
  EXPECT_EQ(format_cell(pool_rows({}), false), "—");
}

TEST(FormatCell, ResidualAddsMeanAndStdOverSeeds) {
  const auto rows = sim_rows();
  // 32/40 = 80%; seeds 75% and 85%: 80 ± 7; Wilson on 32/40: 65.2-89.5%.
  EXPECT_EQ(format_cell(pool_rows(select_rows(rows, "lift", "full", "sim")), true), "32/40 (80%) · 80 ± 7% (2 seeds) · [65–90%]");
  const auto one = select_rows(rows, "lift", "full", "sim");
  EXPECT_EQ(format_cell(pool_rows({one[0]}), true), "15/20 (75%) · 75% (1 seed) · [53–89%]");
}

TEST(Table, HasThePaperLayoutWithAnAverageRow) {
  const auto rows = sim_rows();
  const std::string md = format_table_markdown(rows, "sim", context({"sim"}));
  EXPECT_NE(md.find("| Task | base | +res |\n|---|---|---|\n"), std::string::npos) << md;
  EXPECT_NE(md.find("| Cube Lift | 7/20 (35%) · [18–57%] | 32/40 (80%) · 80 ± 7% (2 seeds) · [65–90%] |"), std::string::npos) << md;
  // Average: base 17/40; full 58/80, seeds (0.75+0.6)/2 = 0.675 and (0.85+0.7)/2 = 0.775: 73 ± 7.
  EXPECT_NE(md.find("| **Average** | 17/40 ("), std::string::npos) << md;
  EXPECT_NE(md.find(" | 58/80 ("), std::string::npos) << md;
  EXPECT_NE(md.find("± 7% (2 seeds) · [62–81%] |\n"), std::string::npos) << md;
  EXPECT_EQ(md.find("sim→lab"), std::string::npos) << "no transfer gap with one domain";
}

TEST(Table, ShowsTheTransferGapWhenBothDomainsAreEvaluated) {
  auto rows = sim_rows();
  for (EvalRow r : sim_rows()) {
    r.domain = "lab";
    r.successes -= 3;  // 15% lower everywhere
    rows.push_back(r);
  }
  const std::string md = format_table_markdown(rows, "lab", context({"sim", "lab"}));
  EXPECT_NE(md.find("| sim→lab base | sim→lab +res |"), std::string::npos) << md;
  EXPECT_NE(md.find("35% → 20% (-15 pp) | 80% → 65% (-15 pp) |"), std::string::npos) << md;
  EXPECT_NE(md.find("estimator"), std::string::npos) << "the lab table says how poses reach the residual";
}

TEST(ResultsCsv, ParsesWhatItWritesAndRefusesDamagedFiles) {
  std::vector<EvalRow> rows = sim_rows();
  rows.push_back(row("lift", "full", "lab", 2, 0, 20));  // no success: empty mean_success_length
  rows[0].outcomes = {7, 1, 5, 2, 3, 1, 1};               // failure counts known for this row only
  const std::string csv = format_results_csv(rows);
  const std::vector<EvalRow> back = parse_results_csv(csv);
  ASSERT_EQ(back.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(back[i].task, rows[i].task);
    EXPECT_EQ(back[i].condition, rows[i].condition);
    EXPECT_EQ(back[i].domain, rows[i].domain);
    EXPECT_EQ(back[i].seed, rows[i].seed);
    EXPECT_EQ(back[i].episodes, rows[i].episodes);
    EXPECT_EQ(back[i].successes, rows[i].successes);
    EXPECT_DOUBLE_EQ(back[i].mean_length, rows[i].mean_length);
    EXPECT_EQ(std::isnan(back[i].mean_success_length), std::isnan(rows[i].mean_success_length));
    if (!std::isnan(rows[i].mean_success_length)) {
      EXPECT_DOUBLE_EQ(back[i].mean_success_length, rows[i].mean_success_length);
    }
    EXPECT_EQ(back[i].outcomes, rows[i].outcomes) << i;
  }
  EXPECT_THROW(parse_results_csv(csv.substr(0, csv.size() - 9)), InputError);  // truncated last row
  EXPECT_THROW(parse_results_csv("task,condition\n"), InputError);              // another header
  std::string bad = csv;
  bad.replace(bad.find(",20,7,"), 6, ",20,x7,");
  EXPECT_THROW(parse_results_csv(bad), InputError);
  bad = csv;
  bad.replace(bad.find(",20,7,"), 6, ",20,70,");  // more successes than episodes
  EXPECT_THROW(parse_results_csv(bad), InputError);
  bad = csv;
  bad.replace(bad.find(",1,5,2,3,1,1\n"), 13, ",1,5,2,3,1,2\n");  // outcomes do not add up to the episodes
  EXPECT_THROW(parse_results_csv(bad), InputError);
}

// A results.csv of an earlier version (11 columns) still resumes; its failure counts are unknown.
TEST(ResultsCsv, ReadsTheElevenColumnFilesOfEarlierVersions) {
  const auto back = parse_results_csv(
      "task,condition,domain,seed,episodes,successes,success_rate,ci95_low,ci95_high,mean_length,mean_success_length\n"
      "lift,base,sim,,20,7,0.35,0.181192,0.567146,250,210\n");
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].successes, 7);
  EXPECT_EQ(back[0].outcomes[0], -1);
}

TEST(FailureTable, PoolsSeedsAndSkipsRowsWithoutCounts) {
  auto rows = sim_rows();
  rows[1].outcomes = {15, 0, 3, 1, 1, 0, 0};  // lift full seed 0
  rows[2].outcomes = {17, 0, 1, 1, 1, 0, 0};  // lift full seed 1
  const std::string md = format_failure_table_markdown(rows, "sim", context({"sim"}));
  EXPECT_NE(md.find("| Cube Lift | +res | 40 | 32 (80%) | 0 (0%) | 4 (10%) | 2 (5%) | 2 (5%) | 0 (0%) | 0 (0%) |"), std::string::npos)
      << md;
  EXPECT_EQ(md.find("| Stack Cube |"), std::string::npos) << "rows without counts are left out";
  EXPECT_NE(md.find("stopped_short"), std::string::npos);
}

TEST(Table, MissingCellsAreDashes) {
  auto rows = sim_rows();
  rows.erase(rows.begin() + 4, rows.end());  // stack has no residual rows
  const std::string md = format_table_markdown(rows, "sim", context({"sim"}));
  EXPECT_NE(md.find("| Stack Cube | 10/20 (50%) · [30–70%] | — |"), std::string::npos) << md;
  EXPECT_NE(md.find("(1 of 2 tasks)"), std::string::npos) << md;
}

TEST(ResultsCsv, OneLinePerRowWithEmptySeedForTheBase) {
  const std::string csv = format_results_csv(sim_rows());
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "task,condition,domain,seed,episodes,successes,success_rate,ci95_low,ci95_high,mean_length,mean_success_length,"
            "never_reached,missed_grasp_hovering,dropped,stopped_short,misaligned,knocked_off");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 7);
  EXPECT_NE(csv.find("\nlift,base,sim,,20,7,0.35,0.181192,0.567146,250,210,,,,,,\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\nlift,full,sim,1,20,17,0.85,"), std::string::npos) << csv;
}

TEST(ResultsJson, OneDomainIsOneObjectWithRows) {
  auto rows = sim_rows();
  rows[3].successes = 0;
  rows[3].mean_success_length = kNoValue;
  const auto j = nlohmann::json::parse(format_results_json(rows, context({"sim"})));
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j.size(), 3u);
  EXPECT_EQ(j.at("domain"), "sim");
  EXPECT_EQ(j.at("episodes_per_row"), 20);
  ASSERT_EQ(j.at("rows").size(), 6u);
  const auto& r0 = j["rows"][0];
  EXPECT_EQ(r0.size(), 7u);
  EXPECT_EQ(r0.at("task"), "lift");
  EXPECT_EQ(r0.at("condition"), "base");
  EXPECT_TRUE(r0.at("seed").is_null());
  EXPECT_EQ(r0.at("episodes"), 20);
  EXPECT_EQ(r0.at("successes"), 7);
  EXPECT_DOUBLE_EQ(r0.at("success_rate").get<double>(), 0.35);
  EXPECT_DOUBLE_EQ(r0.at("mean_success_length").get<double>(), 210);
  EXPECT_EQ(j["rows"][1].at("seed"), 0);
  EXPECT_TRUE(j["rows"][3].at("mean_success_length").is_null());
}

TEST(ResultsJson, SeveralDomainsAreAListOfDomainObjects) {
  auto rows = sim_rows();
  for (EvalRow r : sim_rows()) {
    r.domain = "lab";
    rows.push_back(r);
  }
  const auto j = nlohmann::json::parse(format_results_json(rows, context({"sim", "lab"})));
  ASSERT_EQ(j.size(), 1u);
  ASSERT_EQ(j.at("domains").size(), 2u);
  EXPECT_EQ(j["domains"][0].at("domain"), "sim");
  EXPECT_EQ(j["domains"][1].at("domain"), "lab");
  EXPECT_EQ(j["domains"][1].at("rows").size(), 6u);
}

TEST(Charts, SuccessChartHasOneSeriesPerConditionWithIntervals) {
  const auto c = success_chart(sim_rows(), "sim", context({"sim"}));
  ASSERT_EQ(c.groups, (std::vector<std::string>{"Cube Lift", "Stack Cube"}));
  ASSERT_EQ(c.series.size(), 2u);
  EXPECT_DOUBLE_EQ(c.series[1].values[0], 0.8);
  EXPECT_NEAR(c.series[1].err_low[0], 0.6524, 1e-4);
  EXPECT_NEAR(c.series[1].err_high[0], 0.8950, 1e-4);
  const auto l = success_length_chart(sim_rows(), "sim", context({"sim"}));
  EXPECT_DOUBLE_EQ(l.series[0].values[0], 210);
  EXPECT_TRUE(std::isnan(l.series[0].err_low[0])) << "one row: no spread";
  EXPECT_NEAR(l.series[1].err_high[0], (15 * 180.0 + 17 * 170.0) / 32 + std::sqrt(50.0), 1e-9);
}

TEST(TrainingCurve, ReadsEvaluationsAndKeepsTheLastValueOfAResumedRun) {
  const std::string dir = temp_dir("m");
  const std::string path = dir + "/metrics.csv";
  std::ofstream(path) << "env_steps,updates,elapsed_s,env_steps_per_s,updates_per_s,train_success,eval_success,eval_mean_length,"
                         "critic_loss,actor_loss,q_mean\n"
                         "1000,0,1,1000,0,0,-1,0,0,0,0\n"
                         "2000,500,2,1000,250,0,0.25,300,0.1,0.2,0.3\n"
                         "3000,1000,3,1000,250,0,0.5,280,0.1,0.2,0.3\n"
                         "3000,1000,3,1000,250,0,0.75,280,0.1,0.2,0.3\n"
                         "4000,1500,4,1000,250,0,0.5,280,0.1,0.2,0.3\n";
  const TrainingCurve c = read_training_curve(path);
  EXPECT_EQ(c.env_steps, (std::vector<double>{2000, 3000, 4000}));
  EXPECT_EQ(c.eval_success, (std::vector<double>{0.25, 0.75, 0.5}));
  fs::remove_all(dir);
}

TEST(TrainingCurve, MalformedFilesNameTheFile) {
  const std::string dir = temp_dir("bad");
  const std::string path = dir + "/metrics.csv";
  std::ofstream(path) << "env_steps,eval_success\n100,abc\n";
  try {
    read_training_curve(path);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("abc"), std::string::npos) << e.what();
  }
  std::ofstream(path) << "env_steps,train_success\n100,0.5\n";
  EXPECT_THROW(read_training_curve(path), InputError);
  EXPECT_THROW(read_training_curve(dir + "/none.csv"), InputError);
  fs::remove_all(dir);
}

TEST(TrainingCurve, MeanOverSeedsUsesTheSeedsThatLoggedEachStep) {
  TrainingCurve a, b;
  a.env_steps = {10, 20};
  a.eval_success = {0.2, 0.4};
  b.env_steps = {10, 20, 30};
  b.eval_success = {0.4, 0.8, 1.0};
  const MeanCurve m = mean_over_seeds({&a, &b});
  EXPECT_EQ(m.x, (std::vector<double>{10, 20, 30}));
  EXPECT_NEAR(m.mean[0], 0.3, 1e-12);
  EXPECT_NEAR(m.mean[1], 0.6, 1e-12);
  EXPECT_NEAR(m.mean[2], 1.0, 1e-12);
  EXPECT_NEAR(m.min[1], 0.4, 1e-12);
  EXPECT_NEAR(m.max[1], 0.8, 1e-12);
  std::vector<TrainingCurve> curves = {a, b};
  for (auto& c : curves) c.task = "lift", c.condition = "full";
  const std::string svg = training_curves_svg(curves, sim_rows(), context({"sim"}));
  EXPECT_NE(svg.find("Cube Lift"), std::string::npos);
  EXPECT_EQ(svg.find("Stack Cube"), std::string::npos) << "a task without curves has no panel";
  EXPECT_NE(svg.find("base (sim eval)"), std::string::npos);
  EXPECT_EQ(training_curves_svg({}, sim_rows(), context({"sim"})), "");
}

TEST(RunLayout, DiscoversBasesResidualSeedsAndStrayEntries) {
  const std::string runs = temp_dir("runs");
  fs::create_directories(runs + "/bases");
  std::ofstream(runs + "/bases/lift_sim.safetensors") << "x";
  std::ofstream(runs + "/bases/lift_lab.safetensors") << "x";
  std::ofstream(runs + "/bases/notes.txt") << "x";
  for (const char* d : {"lift/full/seed0", "lift/full/seed2", "lift/full/seed10", "lift/no_noise/seed1", "lift/full/old", "stack/full/seed0"})
    fs::create_directories(runs + "/residuals/" + d);
  const RunsIndex idx = discover_runs(runs);
  EXPECT_EQ(idx.base_tasks, (std::vector<std::string>{"lift"}));
  EXPECT_EQ(idx.seeds("lift", "full"), (std::vector<int>{0, 2, 10}));
  EXPECT_EQ(idx.seeds("lift", "no_noise"), (std::vector<int>{1}));
  EXPECT_TRUE(idx.seeds("lift", "no_both").empty());
  EXPECT_EQ(idx.residual_tasks(), (std::vector<std::string>{"lift", "stack"}));
  EXPECT_EQ(idx.conditions("lift"), (std::vector<std::string>{"full", "no_noise"}));
  EXPECT_EQ(idx.ignored.size(), 2u);  // notes.txt, full/old
  EXPECT_EQ(idx.residuals[0].residual_path(), runs + "/residuals/lift/full/seed0/residual.safetensors");
  EXPECT_EQ(base_policy_path(runs, "lift", "lab"), runs + "/bases/lift_lab.safetensors");
  EXPECT_THROW(discover_runs(runs + "/nope"), InputError);
  fs::remove_all(runs);
}

}  // namespace
}  // namespace ocres::eval
