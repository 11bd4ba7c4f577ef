#include "learn/replay_buffer.h"

#include <gtest/gtest.h>

namespace ocres::learn {
namespace {

std::vector<float> v(float x) { return {x}; }

// Reads back every stored transition in insertion order (buffer not wrapped).
std::vector<std::array<float, 4>> contents(const ReplayBuffer& b) {
  std::vector<std::array<float, 4>> out;
  for (int i = 0; i < b.size(); ++i) {
    const float* row = b.storage().data() + i * 5;  // obs, action, next_obs, reward, discount
    out.push_back({row[0], row[2], row[3], row[4]});
  }
  return out;
}

TEST(NStep, ReturnsMatchHandComputedValuesAndBootstrapOnTruncation) {
  ReplayBuffer buf(100, 1, 1);
  NStepAccumulator acc(3, 0.5);
  // Episode of 4 steps (states 0..4), rewards 1, 2, 3, 4, truncated at the end.
  for (int t = 0; t < 4; ++t) acc.add(v(t), v(0), static_cast<float>(t + 1), v(t + 1), false, t == 3, buf);
  const auto c = contents(buf);
  ASSERT_EQ(c.size(), 4u);
  // t=0: 1 + 0.5*2 + 0.25*3 = 2.75, bootstrap from s3 with 0.125.
  EXPECT_FLOAT_EQ(c[0][0], 0);
  EXPECT_FLOAT_EQ(c[0][1], 3);
  EXPECT_FLOAT_EQ(c[0][2], 2.75f);
  EXPECT_FLOAT_EQ(c[0][3], 0.125f);
  // t=1: 2 + 1.5 + 1 = 4.5 -> s4, 0.125.
  EXPECT_FLOAT_EQ(c[1][2], 4.5f);
  EXPECT_FLOAT_EQ(c[1][1], 4);
  // t=2 (flushed at truncation): 3 + 0.5*4 = 5 -> s4, bootstrap 0.25 (truncation is not terminal).
  EXPECT_FLOAT_EQ(c[2][2], 5.0f);
  EXPECT_FLOAT_EQ(c[2][3], 0.25f);
  // t=3: 4 -> s4, 0.5.
  EXPECT_FLOAT_EQ(c[3][2], 4.0f);
  EXPECT_FLOAT_EQ(c[3][3], 0.5f);
}

TEST(NStep, TerminationStopsBootstrapping) {
  ReplayBuffer buf(100, 1, 1);
  NStepAccumulator acc(3, 0.5);
  acc.add(v(0), v(0), 1, v(1), false, false, buf);
  acc.add(v(1), v(0), 1, v(2), true, false, buf);
  const auto c = contents(buf);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_FLOAT_EQ(c[0][2], 1.5f);
  EXPECT_FLOAT_EQ(c[0][3], 0.0f);
  EXPECT_FLOAT_EQ(c[1][2], 1.0f);
  EXPECT_FLOAT_EQ(c[1][3], 0.0f);
}

TEST(ReplayBuffer, IsBoundedAndOverwritesOldest) {
  ReplayBuffer buf(3, 1, 1);
  for (int i = 0; i < 5; ++i) {
    const float x = static_cast<float>(i);
    buf.add(&x, &x, x, &x, 1.0f);
  }
  EXPECT_EQ(buf.size(), 3);
  EXPECT_EQ(buf.total_added(), 5);
  ReplayBuffer::Batch b;
  b.resize(1, 1, 200);
  Rng rng(1);
  buf.sample(rng, 200, 0, b);
  for (int i = 0; i < 200; ++i) {
    EXPECT_GE(b.obs[i], 2.0f);  // 0 and 1 were overwritten
    EXPECT_EQ(b.obs[i], b.reward[i]);
  }
}

}  // namespace
}  // namespace ocres::learn
