// The behaviour-cloned base policy and demonstration recording, on one core:
//   BM_BcChunk          one 16-step chunk, batch 1: VLA-like localisation + features + normalisation + MLP
//                       forward + decoding into 16 absolute TCP targets (BcPolicy::predict_chunk), the
//                       default 256x256 network of `ocres train-base`, on a Cube Lift observation;
//   BM_BcForward        the MLP forward alone (Mlp::forward_one);
//   BM_CollectDemos     collect_demos on Cube Lift (teleoperation emulation around the expert, `sim` and
//                       `lab`), one thread: episodes/s and 20 Hz control steps/s, wall clock;
//   BM_RenderStepImages what `--images` adds per control step: the front and wrist cameras, 224x224 RGB
//                       (headless EGL; only in builds with the renderer).
// Run: ./build/bench/bc_bench  (add --benchmark_filter=Bc to skip the slow recording runs).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <memory>

#include "learn/demos.h"
#include "policy/bc_policy.h"
#include "sim/domain.h"
#include "tasks/registry.h"
#ifdef OCRES_HAVE_RENDER
#include "eval/render.h"
#endif

namespace {

using namespace ocres;

// A BC policy of the trained shape with untrained weights: the cost does not depend on their values.
policy::BcPolicy make_policy(int width) {
  policy::BcModelInfo info;
  info.task = "lift";
  info.domain = "sim";
  info.num_objects = 1;
  info.num_scalars = 0;
  info.horizon = 300;
  const int in_dim = policy::bc_input_dim(info.num_objects, info.num_scalars);
  policy::MlpConfig mc;
  mc.input_dim = in_dim;
  mc.hidden = {width, width};
  mc.output_dim = policy::kBcOutputDim;
  mc.layer_norm = true;
  policy::Normalizer in, out;
  Rng rng(5);
  std::vector<float> xs(64 * in_dim), ys(64 * policy::kBcOutputDim);
  for (float& v : xs) v = static_cast<float>(rng.uniform(-1, 1));
  for (float& v : ys) v = static_cast<float>(rng.uniform(-0.05, 0.05));
  in.fit(xs, in_dim);
  out.fit(ys, policy::kBcOutputDim);
  return policy::BcPolicy(policy::Mlp(mc, 1), std::move(in), std::move(out), info);
}

void BM_BcChunk(benchmark::State& state) {
  policy::BcPolicy bc = make_policy(static_cast<int>(state.range(0)));
  const sim::DomainConfig domain = sim::load_domain("sim");
  auto env = tasks::make_env(tasks::compile_task("lift", domain), domain);
  const Observation obs = env->reset(3);
  Rng rng(1);
  bc.reset(rng);
  std::array<Action, policy::kBcChunk> chunk;
  for (auto _ : state) {
    bc.predict_chunk(obs, chunk);
    benchmark::DoNotOptimize(chunk.data());
  }
}
BENCHMARK(BM_BcChunk)->Arg(256)->Arg(512);

void BM_BcForward(benchmark::State& state) {
  policy::BcPolicy bc = make_policy(static_cast<int>(state.range(0)));
  std::vector<float> in(bc.net().input_dim(), 0.1f), out(bc.net().output_dim());
  for (auto _ : state) {
    bc.net().forward_one(in.data(), out.data());
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_BcForward)->Arg(256)->Arg(512);

void BM_CollectDemos(benchmark::State& state, const char* domain) {
  learn::DemoCollectionConfig cfg;
  cfg.task = "lift";
  cfg.domain = domain;
  cfg.count = static_cast<int>(state.range(0));
  cfg.max_attempts = 20 * cfg.count;
  cfg.threads = 1;
  double attempts = 0, steps = 0;
  for (auto _ : state) {
    const learn::DemoCollectionResult r = learn::collect_demos(cfg);  // includes compiling the scene once
    attempts += r.attempts;
    for (const auto& d : r.demos) steps += d.length;
  }
  // Control steps of the kept demos (the Cube Lift expert keeps ~100%: attempts == kept).
  state.counters["episodes/s"] = benchmark::Counter(attempts, benchmark::Counter::kIsRate);
  state.counters["steps/s"] = benchmark::Counter(steps, benchmark::Counter::kIsRate);
  state.counters["steps/ep"] = benchmark::Counter(steps / std::max(attempts, 1.0));
}
BENCHMARK_CAPTURE(BM_CollectDemos, sim, "sim")->Arg(10)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_CollectDemos, lab, "lab")->Arg(10)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

#ifdef OCRES_HAVE_RENDER
void BM_RenderStepImages(benchmark::State& state) {
  const sim::DomainConfig domain = sim::load_domain("sim");
  auto env = tasks::make_env(tasks::compile_task("lift", domain), domain);
  env->reset(3);
  std::unique_ptr<eval::Renderer> renderer;
  try {
    renderer = std::make_unique<eval::Renderer>(env->model(), 224, 224);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  for (auto _ : state)
    for (const char* camera : {"front", "wrist"}) benchmark::DoNotOptimize(renderer->render(env->mutable_data(), camera).data());
  state.counters["steps/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RenderStepImages)->Unit(benchmark::kMillisecond)->UseRealTime();
#endif

}  // namespace

BENCHMARK_MAIN();
