// Deployment tick benchmark (SPEC §8): the tick's own cost, excluding the base policy (a replayed
// chunk, computed on the worker thread) and the estimator (an in-process source of fresh estimates),
// with an in-process robot so no network time is counted; then the start jitter of paced ticks at 20 Hz
// and 1 kHz; then resident memory over 100,000 ticks. Prints a table.
//   deploy_bench [--quick]   (--quick: fewer ticks, for smoke runs)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <vector>

#include "deploy/deploy_loop.h"
#include "deploy/kinematic_robot.h"
#include "policy/replay_base_policy.h"

namespace ocres::deploy {
namespace {


class FreshPoses : public PoseSource {
 public:
  explicit FreshPoses(const KinematicRobot& r) : r_(r) {}
  void latest(std::span<perception::PoseEstimate> out) override {
    for (auto& e : out) e = {Pose{Vec3(0.5, 0.05, 0.02), Quat::Identity()}, 0.9, r_.stamp()};
  }
  void clear() override {}

 private:
  const KinematicRobot& r_;
};

policy::ResidualModel residual_model(int width) {
  policy::ResidualModel m;
  m.layout.num_objects = 1;
  policy::MlpConfig c;
  c.input_dim = m.layout.dim();
  c.hidden = {width, width};
  c.output_dim = policy::kResidualDim;
  c.tanh_output = true;
  m.actor = policy::Mlp(c, 3);
  m.obs_norm.mean.assign(c.input_dim, 0.0f);
  m.obs_norm.inv_std.assign(c.input_dim, 1.0f);
  return m;
}

std::vector<Action> wiggle() {
  std::vector<Action> a;
  for (int i = 0; i < 1000; ++i) a.push_back(Action{Vec3(0.45 + 0.05 * std::sin(0.05 * i), 0.0, 0.3), Quat(0, 1, 0, 0), 0.08});
  return a;
}

struct Stats {
  double median, p99, max;
};
Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 99 / 100)], v.back()};
}

long resident_kb() {
  std::ifstream f("/proc/self/statm");
  long size = 0, resident = 0;
  f >> size >> resident;
  return resident * 4;  // 4 KiB pages
}

struct Rig {
  KinematicRobot robot;
  FreshPoses poses{robot};
  policy::ReplayBasePolicy replay{wiggle()};
  LocalChunkSource local{replay};
  AsyncChunkSource base{local};
  policy::ResidualModel residual;
  DeployConfig config;
  std::unique_ptr<DeployLoop> loop;
  Rig(int width, int max_ticks, double rate_hz) : residual(residual_model(width)) {
    config.max_ticks = max_ticks;
    config.rate_hz = rate_hz;
    config.no_chunk = NoChunkPolicy::kWait;
    loop = std::make_unique<DeployLoop>(config, &residual, 1, robot, poses, base);
  }
};

}  // namespace
}  // namespace ocres::deploy

int main(int argc, char** argv) {
  using namespace ocres::deploy;
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  std::printf("%-52s %10s %10s %10s\n", "measure", "median", "p99", "max");
  // 1. Tick latency, no pacing. Ticks that fetch a chunk include the hand-over from the worker thread
  // (the base policy's own compute runs there, not in the tick); they are reported separately.
  for (int width : {256, 512}) {
    Rig rig(width, 1000000, 20);
    rig.loop->begin_episode(0, 1, nullptr);
    std::vector<double> total, compute, chunk_ticks;
    const int n = quick ? 2000 : 20000;
    for (int i = 0; i < n; ++i) {
      rig.loop->tick();
      const TickTiming& t = rig.loop->last_timing();
      if (i % 16 == 0) chunk_ticks.push_back(t.total);
      else total.push_back(t.total);
      compute.push_back(t.compute);
    }
    const Stats a = stats(total), b = stats(compute), c = stats(chunk_ticks);
    std::printf("tick total, residual %dx%d, in-chunk ticks (us)       %10.2f %10.2f %10.2f\n", width, width, a.median, a.p99, a.max);
    std::printf("tick total, residual %dx%d, chunk-boundary ticks (us) %10.2f %10.2f %10.2f\n", width, width, c.median, c.p99, c.max);
    std::printf("  of which gate+residual+compose+safety (us)          %10.2f %10.2f %10.2f\n", b.median, b.p99, b.max);
  }
  // 2. Jitter of paced ticks (start time minus its deadline).
  for (double hz : {20.0, 1000.0}) {
    const int ticks = quick ? (hz < 100 ? 20 : 500) : (hz < 100 ? 100 : 5000);
    Rig rig(256, ticks, hz);
    EpisodeLog log;
    rig.loop->run_episode(0, 1, &log);
    std::vector<double> jitter;
    for (size_t i = 5; i < log.timing_us().size(); i += 6) jitter.push_back(log.timing_us()[i]);
    const Stats j = stats(jitter);
    std::printf("start jitter at %6.0f Hz, %5d ticks (us)               %10.2f %10.2f %10.2f\n", hz, ticks, j.median, j.p99, j.max);
  }
  // 3. Resident memory over 100,000 ticks (no episode log: its buffers are sized once per episode).
  {
    const int n = quick ? 20000 : 100000;
    Rig rig(256, n + 10, 20);
    rig.loop->begin_episode(0, 1, nullptr);
    std::printf("\nresident memory over %d ticks:\n%10s %12s\n", n, "tick", "RSS (KiB)");
    long first = 0, last = 0;
    for (int i = 0; i <= n; ++i) {
      if (i % (n / 10) == 0) {
        last = resident_kb();
        if (i == 0) first = last;
        std::printf("%10d %12ld\n", i, last);
      }
      if (i < n) rig.loop->tick();
    }
    std::printf("growth: %ld KiB\n", last - first);
  }
  return 0;
}
