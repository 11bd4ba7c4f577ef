#include "core/parallel.h"

#include <gtest/gtest.h>

#include <atomic>

namespace ocres {
namespace {

TEST(ThreadPool, CallsEveryIndexExactlyOnceAcrossManyRounds) {
  ThreadPool pool(3);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::atomic<int>> hits(37);
    pool.parallel_for(37, [&](int i) { hits[i]++; });
    for (auto& h : hits) ASSERT_EQ(h.load(), 1);
  }
}

TEST(ThreadPool, SingleThreadRunsInline) {
  ThreadPool pool(1);
  int sum = 0;
  pool.parallel_for(10, [&](int i) { sum += i; });
  EXPECT_EQ(sum, 45);
}

}  // namespace
}  // namespace ocres
