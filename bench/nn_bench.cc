// Residual-network speed (SPEC §8): batch-1 forward (target <= 5 us on one core), batch-256 forward
// throughput, and one TD3-style critic+actor update at batch 256.
#include <benchmark/benchmark.h>

#include "policy/network.h"
#include "policy/optimizer.h"

using ocres::policy::Adam;
using ocres::policy::Mlp;

namespace {

constexpr int kObs = 32;  // Cube Lift residual observation (policy/residual_action.h: 10 + 7 + 8 + 1 + 6)

void BM_ResidualForwardBatch1(benchmark::State& state) {
  const int width = static_cast<int>(state.range(0));
  Mlp actor({kObs, {width, width}, 7, true, true, false}, 1);
  std::vector<float> in(kObs, 0.1f), out(7);
  for (auto _ : state) {
    actor.forward_one(in.data(), out.data());
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_ResidualForwardBatch1)->Arg(128)->Arg(256)->Arg(512);

void BM_ResidualForwardBatch256(benchmark::State& state) {
  const int width = static_cast<int>(state.range(0));
  Mlp actor({kObs, {width, width}, 7, true, true, false}, 1);
  Mlp::Mat x = Mlp::Mat::Random(kObs, 256);
  for (auto _ : state) benchmark::DoNotOptimize(actor.forward(x).data());
  state.SetItemsProcessed(state.iterations() * 256);
}
BENCHMARK(BM_ResidualForwardBatch256)->Arg(128)->Arg(256)->Arg(512);

// One TD3 gradient update: 2 target critics + target actor forward, 2 critics forward/backward/Adam,
// and (every other update, counted as half) the actor through critic 0.
void BM_Td3Update(benchmark::State& state) {
  const int width = static_cast<int>(state.range(0));
  const int B = 256;
  Mlp actor({kObs, {width, width}, 7, true, true, true}, 1), actor_t = actor;
  Mlp c0({kObs + 7, {width, width}, 1, true, false, false}, 2), c1({kObs + 7, {width, width}, 1, true, false, false}, 3);
  Mlp c0t = c0, c1t = c1;
  Adam oa(actor, {3e-4}), o0(c0, {3e-4}), o1(c1, {3e-4});
  Mlp::Mat s = Mlp::Mat::Random(kObs, B), in = Mlp::Mat::Random(kObs + 7, B), y = Mlp::Mat::Random(1, B);
  int k = 0;
  for (auto _ : state) {
    Mlp::Mat a2 = actor_t.forward(s);
    Mlp::Mat in2(kObs + 7, B);
    in2.topRows(kObs) = s;
    in2.bottomRows(7) = a2;
    Mlp::Mat q = c0t.forward(in2).cwiseMin(c1t.forward(in2));
    for (Mlp* c : {&c0, &c1}) {
      c->zero_grad();
      c->backward((c->forward(in) - y) * (2.0f / B));
    }
    o0.step(c0);
    o1.step(c1);
    if (++k % 2 == 0) {
      actor.zero_grad();
      Mlp::Mat ina(kObs + 7, B);
      ina.topRows(kObs) = s;
      ina.bottomRows(7) = actor.forward(s);
      c0.forward(ina);
      const Mlp::Mat g = c0.backward(Mlp::Mat::Constant(1, B, -1.0f / B));
      actor.backward(g.bottomRows(7));
      oa.step(actor);
    }
    benchmark::DoNotOptimize(q.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Td3Update)->Arg(128)->Arg(256)->Arg(512)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
