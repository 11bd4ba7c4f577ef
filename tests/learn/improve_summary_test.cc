// `ocres improve-summary`'s aggregation: JSON round trip, mean ± std and pooled lengths over runs, the
// corrected-vs-control verdict, and the refusals (different experiments, the same seed twice, bad JSON).
#include "learn/improve_summary.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "learn/improve_report.h"

namespace ocres::learn {
namespace {

ImproveRow row(const std::string& base, int round, bool residual, int successes, double success_length) {
  ImproveRow r;
  r.task = "drawer";
  r.round = round;
  r.base = base;
  r.with_residual = residual;
  r.episodes = 100;
  r.successes = successes;
  r.mean_length = 200;
  r.mean_success_length = successes > 0 ? success_length : NAN;
  r.train_demos = 30;
  r.train_rollouts = base == "original" ? 0 : 50;
  r.base_path = "/x/" + base + ".safetensors";
  return r;
}

// One run of `ocres improve --rounds 1`, written and parsed back as `improve-summary` reads it.
ImproveRun run(uint64_t seed, int corrected, double corrected_len, int control, double control_len) {
  const std::vector<ImproveRow> rows = {row("original", 0, false, 48, 70),          row("original", 0, true, 90, 63),
                                        row("corrected", 1, false, corrected, corrected_len), row("corrected", 1, true, 95, 60),
                                        row("control", 1, false, control, control_len),       row("control", 1, true, 88, 64)};
  std::vector<CollectionRow> collections;
  for (const char* arm : {"corrected", "control"}) {
    CollectionRow c;
    c.task = "drawer";
    c.round = 1;
    c.arm = arm;
    c.collection_seed = seed;
    c.episodes = 100;
    c.kept = 50;
    collections.push_back(c);
  }
  const ImproveReportContext ctx{"lab", 100, 2000000, "", ""};
  return parse_improve_json(format_improve_json(rows, collections, ctx), "run" + std::to_string(seed));
}

TEST(ImproveSummary, JsonRoundTripKeepsEveryField) {
  const ImproveRun r = run(7, 0, 0, 49, 71);
  EXPECT_EQ(r.domain, "lab");
  EXPECT_EQ(r.eval_episodes, 100);
  EXPECT_EQ(r.eval_seed, 2000000u);
  ASSERT_EQ(r.rows.size(), 6u);
  EXPECT_EQ(r.rows[2].base, "corrected");
  EXPECT_EQ(r.rows[2].successes, 0);
  EXPECT_TRUE(std::isnan(r.rows[2].mean_success_length));  // null in the JSON
  EXPECT_EQ(r.rows[4].mean_success_length, 71);
  EXPECT_TRUE(r.rows[3].with_residual);
  ASSERT_EQ(r.collections.size(), 2u);
  EXPECT_EQ(r.collections[1].arm, "control");
  EXPECT_EQ(r.collections[1].collection_seed, 7u);
}

TEST(ImproveSummary, MeanStdOverRunsAndLengthsPooledOverSuccesses) {
  // Corrected alone: 94, 80, 90 successes with mean lengths 64, 80, 60; control 49, 48, 50 at 70.
  const ImproveSummary s = summarize_improve({run(0, 94, 64, 49, 70), run(1, 80, 80, 48, 70), run(2, 90, 60, 50, 70)});
  ASSERT_EQ(s.cells.size(), 6u);
  const ImproveSummaryCell& c = s.cells[2];
  ASSERT_EQ(c.base, "corrected");
  ASSERT_FALSE(c.with_residual);
  ASSERT_EQ(c.rates.size(), 3u);
  EXPECT_DOUBLE_EQ(c.rates[1], 0.80);
  EXPECT_NEAR(c.mean_rate, (0.94 + 0.80 + 0.90) / 3, 1e-12);
  const double m = (0.94 + 0.80 + 0.90) / 3;
  EXPECT_NEAR(c.std_rate, std::sqrt(((0.94 - m) * (0.94 - m) + (0.80 - m) * (0.80 - m) + (0.90 - m) * (0.90 - m)) / 2), 1e-12);
  EXPECT_EQ(c.successes, 264);
  EXPECT_EQ(c.episodes, 300);
  // Pooled: every successful episode weighs the same, not every run.
  EXPECT_NEAR(c.mean_success_length, (94 * 64.0 + 80 * 80.0 + 90 * 60.0) / 264, 1e-9);

  ASSERT_EQ(s.verdicts.size(), 1u);
  const ImproveVerdict& v = s.verdicts[0];
  EXPECT_EQ(v.round, 1);
  EXPECT_EQ(v.runs, 3);
  EXPECT_EQ(v.runs_corrected_higher, 3);
  EXPECT_TRUE(v.higher_success());
  EXPECT_TRUE(v.shorter_successes());  // 67.3 < 70
  const std::string md = format_improve_summary_markdown(s);
  EXPECT_NE(md.find("| 1 | corrected | 88 ± 7% (94/80/90) | 67 |"), std::string::npos) << md;
  EXPECT_NE(md.find("Both (higher success and shorter successful episodes): 1 of 1 task(s)."), std::string::npos) << md;
  const auto j = nlohmann::json::parse(format_improve_summary_json(s));
  EXPECT_EQ(j["verdicts"][0]["runs_corrected_higher"], 3);
  EXPECT_EQ(j["cells"][2]["successes"], 264);
}

TEST(ImproveSummary, AVerdictCanBeNegativeAndNoSuccessIsNotShorter) {
  // Corrected never succeeds: lower success, and no length to be shorter with.
  const ImproveSummary s = summarize_improve({run(0, 0, 0, 49, 70), run(1, 60, 50, 48, 70)});
  ASSERT_EQ(s.verdicts.size(), 1u);
  EXPECT_EQ(s.verdicts[0].runs_corrected_higher, 1);
  EXPECT_FALSE(s.verdicts[0].higher_success());  // 30% vs 48.5%
  EXPECT_NEAR(s.verdicts[0].corrected_success_length, 50, 1e-12);  // the only successes
  const ImproveSummary none = summarize_improve({run(0, 0, 0, 49, 70)});
  EXPECT_FALSE(none.verdicts[0].shorter_successes());
  EXPECT_NE(format_improve_summary_markdown(none).find("| drawer | 0% | 49% | 0/1 | — | 70 | no | no |"), std::string::npos);
}

TEST(ImproveSummary, RefusesRunsThatAreNotTheSameExperimentOrNotIndependent) {
  ImproveRun other = run(1, 90, 60, 50, 70);
  other.eval_seed = 5;
  EXPECT_THROW(summarize_improve({run(0, 90, 60, 50, 70), other}), InputError);
  ImproveRun sim = run(1, 90, 60, 50, 70);
  sim.domain = "sim";
  EXPECT_THROW(summarize_improve({run(0, 90, 60, 50, 70), sim}), InputError);
  try {
    summarize_improve({run(3, 90, 60, 50, 70), run(3, 91, 60, 50, 70)});
    FAIL() << "the same collection seed twice was averaged";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("same seed"), std::string::npos) << e.what();
  }
  EXPECT_THROW(summarize_improve({}), InputError);
}

TEST(ImproveSummary, MalformedJsonNamesTheRunAndTheField) {
  auto message = [](const std::string& text) {
    try {
      parse_improve_json(text, "runs/x");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("{").find("runs/x: not valid JSON"), std::string::npos);
  EXPECT_NE(message(R"({"domain":"lab","eval_episodes":1,"eval_seed":1,"rows":[]})").find("'collections'"), std::string::npos);
  EXPECT_NE(message(R"({"domain":"lab","eval_episodes":1,"eval_seed":1,"rows":[],"collections":[]})").find("no rows"), std::string::npos);
  const std::string bad_row =
      R"({"domain":"lab","eval_episodes":1,"eval_seed":1,"collections":[],"rows":[{"task":"lift","round":0,"base":"original",)"
      R"("residual":false,"episodes":1,"successes":2,"mean_length":3,"mean_success_length":3,"train_demos":1,"train_rollouts":0,"base_path":""}]})";
  EXPECT_NE(message(bad_row).find("2 successes out of 1 episodes"), std::string::npos) << message(bad_row);
  const std::string wrong_type =
      R"({"domain":"lab","eval_episodes":"many","eval_seed":1,"rows":[],"collections":[]})";
  EXPECT_NE(message(wrong_type).find("'eval_episodes' has the wrong type"), std::string::npos) << message(wrong_type);
}

}  // namespace
}  // namespace ocres::learn
