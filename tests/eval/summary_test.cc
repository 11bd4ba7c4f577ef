#include <gtest/gtest.h>

#include <cmath>

#include "eval/outcome.h"
#include "eval/rollout.h"

namespace ocres::eval {
namespace {

EpisodeStats with_agreement(int steps, double dot, double learnt_sq, double scripted_sq) {
  EpisodeStats e;
  e.length = 10;
  e.scripted_steps = steps;
  e.scripted_dot = dot;
  e.learnt_sq = learnt_sq;
  e.scripted_sq = scripted_sq;
  return e;
}

// Pooled over episodes: the cosine of the summed dot product, not a mean of per-episode cosines.
TEST(Summarize, PoolsTheAgreementWithTheScriptedCorrectionOverEpisodes) {
  // Episode 0: learnt (1, 0) vs scripted (1, 0) at 2 steps; episode 1: learnt (0, 1) vs scripted (1, 0)
  // at 2 steps. Pooled: dot 2, |learnt|^2 4, |scripted|^2 4 -> cosine 0.5; rms 1 and 1.
  const Summary s = summarize({with_agreement(2, 2, 2, 2), with_agreement(2, 0, 2, 2)});
  EXPECT_EQ(s.scripted_steps, 4);
  EXPECT_DOUBLE_EQ(s.scripted_cosine, 0.5);
  EXPECT_DOUBLE_EQ(s.learnt_rms, 1.0);
  EXPECT_DOUBLE_EQ(s.scripted_rms, 1.0);
  // Opposite directions, the learnt one half as large.
  const Summary o = summarize({with_agreement(4, -2, 1, 4)});
  EXPECT_DOUBLE_EQ(o.scripted_cosine, -1.0);
  EXPECT_DOUBLE_EQ(o.learnt_rms, 0.5);
}

TEST(Summarize, AZeroResidualOrNoScriptedStepsHasCosineZero) {
  const Summary zero = summarize({with_agreement(3, 0, 0, 3)});
  EXPECT_EQ(zero.scripted_steps, 3);
  EXPECT_EQ(zero.scripted_cosine, 0.0);
  EXPECT_EQ(zero.learnt_rms, 0.0);
  EXPECT_DOUBLE_EQ(zero.scripted_rms, 1.0);
  const Summary none = summarize({with_agreement(0, 0, 0, 0)});
  EXPECT_EQ(none.scripted_steps, 0);
  EXPECT_EQ(none.scripted_cosine, 0.0);
  EXPECT_TRUE(std::isfinite(none.learnt_rms));
}

TEST(EpisodesCsv, OneRowPerEpisodeWithTheOutcomeByName) {
  EpisodeStats won, lost;
  won.index = 0, won.seed = 17, won.success = true, won.length = 66, won.episode_return = 12.5;
  won.outcome = static_cast<int>(Outcome::kSuccess);
  lost.index = 1, lost.seed = 18446744073709551615ull, lost.length = 300, lost.episode_return = 0.25;
  lost.outcome = static_cast<int>(Outcome::kDropped);
  EXPECT_EQ(episodes_csv({won, lost}),
            "index,seed,success,length,return,outcome\n"
            "0,17,1,66,12.5,success\n"
            "1,18446744073709551615,0,300,0.25,dropped\n");
}

}  // namespace
}  // namespace ocres::eval
