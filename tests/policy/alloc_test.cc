// Proves the batch-1 residual forward is allocation-free: this binary counts global operator new.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "policy/network.h"

static std::atomic<long> g_allocations{0};
void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace ocres::policy {
namespace {

TEST(MlpAllocation, BatchOneForwardAllocatesNothing) {
  Mlp net({25, {256, 256}, 7, true, true, false}, 1);
  std::vector<float> in(25, 0.3f), out(7);
  net.forward_one(in.data(), out.data());  // warm-up
  const long before = g_allocations.load();
  for (int i = 0; i < 1000; ++i) net.forward_one(in.data(), out.data());
  EXPECT_EQ(g_allocations.load() - before, 0);
}

}  // namespace
}  // namespace ocres::policy
