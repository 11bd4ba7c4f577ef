#include "learn/correction_value.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "core/error.h"

namespace ocres::learn {
namespace {

TEST(CorrectionValue, DiscountedReturnFromAStep) {
  const std::vector<double> r{1, 2, 3};
  EXPECT_DOUBLE_EQ(discounted_return_from(r, 2, 0.5), 3.0);
  EXPECT_DOUBLE_EQ(discounted_return_from(r, 1, 0.5), 2 + 0.5 * 3);
  EXPECT_DOUBLE_EQ(discounted_return_from(r, 0, 0.5), 1 + 0.5 * (2 + 0.5 * 3));
  EXPECT_DOUBLE_EQ(discounted_return_from(r, 3, 0.5), 0.0);
  EXPECT_DOUBLE_EQ(discounted_return_from(r, 0, 0.0), 1.0);
}

CorrectionValueConfig stack_config(int threads) {
  CorrectionValueConfig c;
  c.task = "stack";
  c.base_path = std::string(std::getenv("OCRES_SOURCE_DIR")) + "/checkpoints/bases/stack_sim.safetensors";
  c.episodes = 2;
  c.stride = 120;
  c.hold_steps = {0, 16};
  c.threads = threads;
  return c;
}

// Holding the correction for 0 steps re-runs the base alone: the paired difference must be exactly 0
// (the re-run is the same episode), while holding it for a chunk changes the return; and the pooled
// result does not depend on the number of threads.
TEST(CorrectionValue, PairedRerunsAreExactAndTheCorrectionChangesTheReturn) {
  const auto rows = measure_correction_value(stack_config(1));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].hold_steps, 0);
  EXPECT_GT(rows[0].moments, 0);
  EXPECT_EQ(rows[0].moments, rows[1].moments);
  EXPECT_EQ(rows[0].toward_mean, 0.0);
  EXPECT_EQ(rows[0].away_mean, 0.0);
  EXPECT_EQ(rows[0].toward_sem, 0.0);
  EXPECT_NE(rows[1].toward_mean, 0.0);
  EXPECT_NE(rows[1].away_mean, 0.0);
  const auto rows2 = measure_correction_value(stack_config(2));
  ASSERT_EQ(rows2.size(), 2u);
  EXPECT_EQ(rows2[1].moments, rows[1].moments);
  EXPECT_EQ(rows2[1].toward_mean, rows[1].toward_mean);
  EXPECT_EQ(rows2[1].away_mean, rows[1].away_mean);
}

TEST(CorrectionValue, BadSettingsAreClearErrors) {
  auto c = stack_config(1);
  c.stride = 0;
  EXPECT_THROW(measure_correction_value(c), InputError);
  c = stack_config(1);
  c.gamma = 1.0;
  EXPECT_THROW(measure_correction_value(c), InputError);
}

// The chart shows every row: a labelled group per held-step count, a bar per series with its value
// (signed, two decimals; the negated correction's bars below zero) and an error bar of ± sem.
TEST(CorrectionValue, PlotShowsEveryRowWithItsErrorBars) {
  CorrectionValueConfig c;
  c.task = "stack";
  const std::vector<CorrectionValueRow> rows = {{1, 151, 0.002, 0.011, -0.172, 0.073}, {16, 151, 0.432, 0.134, -0.408, 0.124}};
  const std::string svg = correction_value_svg(c, rows);
  auto count = [&](const std::string& needle) {
    int n = 0;
    for (size_t at = svg.find(needle); at != std::string::npos; at = svg.find(needle, at + 1)) ++n;
    return n;
  };
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
  EXPECT_NE(svg.find("1 step (151 moments)"), std::string::npos);
  EXPECT_NE(svg.find("16 steps (151 moments)"), std::string::npos);
  EXPECT_EQ(count("<title>correction, "), 2) << "one bar per row";
  EXPECT_EQ(count("<title>negated, "), 2);
  for (const char* value : {">+0.00<", ">-0.17<", ">+0.43<", ">-0.41<"}) EXPECT_NE(svg.find(value), std::string::npos) << value;
  EXPECT_NE(svg.find("text-anchor=\"end\">-0.5<"), std::string::npos) << "the y axis extends below zero";
}

}  // namespace
}  // namespace ocres::learn
