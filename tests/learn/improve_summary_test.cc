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
  EXPECT_NE(format_improve_summary_markdown(none).find("| drawer | 0% | 49% | 0/1 | — | 70 | — | — | — | no | no |"),
            std::string::npos)
      << format_improve_summary_markdown(none);
}

// A run with per-episode outcomes: the corrected base solves episodes 0, 1, 2 (one of them a hard start
// that takes long), the control 0, 1, 3.
ImproveRun paired_run(uint64_t seed) {
  ImproveRun r = run(seed, 3, 0, 3, 0);
  for (ImproveRow& row : r.rows) {
    if (row.round != 1 || row.with_residual) continue;
    row.episodes = 4;
    const bool corrected = row.base == "corrected";
    row.episode_success = corrected ? std::vector<bool>{true, true, true, false} : std::vector<bool>{true, true, false, true};
    row.episode_length = corrected ? std::vector<int>{50, 60, 200, 500} : std::vector<int>{55, 58, 500, 40};
    row.mean_success_length = corrected ? (50 + 60 + 200) / 3.0 : (55 + 58 + 40) / 3.0;
  }
  return r;
}

TEST(ImproveSummary, LengthsArePairedOnTheEpisodesBothBasesSolve) {
  // Pooled over each base's own successes the corrected base looks slower (103 vs 51 steps) only because
  // it also solves a hard start; on the two episodes both solve it takes 55 vs 56.5 steps.
  const ImproveRun written = paired_run(0);
  const ImproveRun r =
      parse_improve_json(format_improve_json(written.rows, written.collections, ImproveReportContext{"lab", 100, 2000000, "", ""}), "run0");
  EXPECT_EQ(r.rows[2].episode_length, (std::vector<int>{50, 60, 200, 500}));  // survives the round trip
  EXPECT_EQ(r.rows[4].episode_success, (std::vector<bool>{true, true, false, true}));
  const ImproveSummary s = summarize_improve({r, paired_run(1)});
  ASSERT_EQ(s.verdicts.size(), 1u);
  const ImproveVerdict& v = s.verdicts[0];
  EXPECT_TRUE(v.paired);
  EXPECT_EQ(v.common_successes, 4);  // two per run
  EXPECT_DOUBLE_EQ(v.corrected_common_length, 55);
  EXPECT_DOUBLE_EQ(v.control_common_length, 56.5);
  EXPECT_EQ(v.common_corrected_shorter, 2);
  EXPECT_EQ(v.common_control_shorter, 2);
  EXPECT_GT(v.corrected_success_length, v.control_success_length);
  EXPECT_TRUE(v.shorter_successes());  // decided on the common episodes
  EXPECT_NE(format_improve_summary_markdown(s).find("| 4 | 55 / 56 | 2 / 2 |"), std::string::npos) << format_improve_summary_markdown(s);

  // One run without per-episode outcomes (older results): no pairing, the pooled lengths decide.
  const ImproveSummary mixed = summarize_improve({paired_run(0), run(1, 3, 60, 3, 70)});
  EXPECT_FALSE(mixed.verdicts[0].paired);
  EXPECT_TRUE(std::isnan(mixed.verdicts[0].corrected_common_length));

  // Outcomes that disagree with the row's counts are refused.
  ImproveRun bad = paired_run(0);
  bad.rows[2].episode_success[3] = true;
  const std::string text = format_improve_json(bad.rows, bad.collections, ImproveReportContext{"lab", 100, 2000000, "", ""});
  try {
    parse_improve_json(text, "runs/bad");
    FAIL() << "inconsistent per-episode outcomes accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("runs/bad: rows[2]: per-episode outcomes"), std::string::npos) << e.what();
  }
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
