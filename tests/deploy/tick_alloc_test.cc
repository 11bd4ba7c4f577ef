// The control tick allocates nothing (SPEC §8): this binary replaces the global operator new and counts
// every call while counting is on. The loop runs with a residual (random weights, a normaliser), a
// base policy on its worker thread, and (a) an in-process kinematic robot and pose source, (b) the real
// ZeroMQ robot client and pose subscriber against peer processes. Counted: operator new in the whole
// process (every thread); not counted: libzmq's internal malloc, which is C, not ours.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <thread>

#include "deploy/deploy_loop.h"
#include "deploy/kinematic_robot.h"
#include "deploy/zmq_pose_source.h"
#include "deploy/zmq_robot_client.h"
#include "deploy_test_support.h"
#include "policy/replay_base_policy.h"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, std::align_val_t a) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
  const std::size_t al = static_cast<std::size_t>(a);
  if (void* p = std::aligned_alloc(al, (n + al - 1) / al * al)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return operator new(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace ocres::deploy {
namespace {


// An estimator that is always fresh and confident, with a little motion.
class FreshPoses : public PoseSource {
 public:
  explicit FreshPoses(KinematicRobot& robot) : robot_(robot) {}
  void latest(std::span<perception::PoseEstimate> out) override {
    BridgeState s;
    robot_.read_state(s);
    for (auto& e : out) e = {Pose{Vec3(0.5, 0.05 + 0.001 * (++n_ % 10), 0.02), Quat::Identity()}, 0.9, s.stamp_s};
  }
  void clear() override {}

 private:
  KinematicRobot& robot_;
  int n_ = 0;
};

policy::ResidualModel residual_model() {
  policy::ResidualModel m;
  m.layout.num_objects = 1;
  policy::MlpConfig c;
  c.input_dim = m.layout.dim();
  c.hidden = {256, 256};
  c.output_dim = policy::kResidualDim;
  c.tanh_output = true;
  m.actor = policy::Mlp(c, 3);
  m.obs_norm.mean.assign(c.input_dim, 0.1f);
  m.obs_norm.inv_std.assign(c.input_dim, 2.0f);
  return m;
}

std::vector<Action> wiggle() {
  std::vector<Action> a;
  for (int i = 0; i < 400; ++i) a.push_back(Action{Vec3(0.45 + 0.05 * std::sin(0.05 * i), 0.0, 0.3), Quat(0, 1, 0, 0), 0.08});
  return a;
}

long count_tick_allocations(DeployLoop& loop, int ticks) {
  EXPECT_TRUE(loop.begin_episode(0, 1, nullptr));
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(loop.tick());  // warm-up: first chunk, caches
  g_allocations = 0;
  g_counting = true;
  for (int i = 0; i < ticks; ++i)
    if (!loop.tick()) break;
  g_counting = false;
  EXPECT_EQ(loop.result().end, EpisodeEnd::kRunning) << safety_kind_name(loop.result().stop_kind);
  return g_allocations.load();
}

TEST(DeployTick, TheCounterSeesAllocations) {
  g_allocations = 0;
  g_counting = true;
  void* p = ::operator new(64);
  g_counting = false;
  ::operator delete(p);
  EXPECT_EQ(g_allocations.load(), 1);
}

TEST(DeployTick, AllocatesNothingInProcess) {
  KinematicRobot robot;
  FreshPoses poses(robot);
  policy::ReplayBasePolicy replay(wiggle());
  LocalChunkSource local(replay);
  AsyncChunkSource base(local);
  policy::ResidualModel residual = residual_model();
  DeployConfig config;
  config.max_ticks = 1000;
  DeployLoop loop(config, &residual, 1, robot, poses, base);
  EpisodeLog log;  // recording is part of the tick
  ASSERT_TRUE(loop.begin_episode(0, 1, &log));
  EXPECT_EQ(count_tick_allocations(loop, 300), 0);
  EXPECT_EQ(loop.result().pose_invalid_ticks, 0);
}

TEST(DeployTick, AllocatesNothingWithTheZeroMqClients) {
  auto robot_peer = testing::Child::python("robot_peer.py", {});
  auto pose_peer = testing::Child::python("pose_peer.py", {"--rate-hz", "200"});
  ZmqRobotClient robot({"tcp://127.0.0.1:" + std::to_string(robot_peer.port()), 1000, 5000});
  ZmqPoseSource poses({"tcp://127.0.0.1:" + std::to_string(pose_peer.port()), {"block"}, {}});
  policy::ReplayBasePolicy replay(wiggle());
  LocalChunkSource local(replay);
  AsyncChunkSource base(local);
  policy::ResidualModel residual = residual_model();
  DeployConfig config;
  config.max_ticks = 1000;
  DeployLoop loop(config, &residual, 1, robot, poses, base);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // The pose thread decodes and stores every message while we count: it must not allocate either.
  EXPECT_EQ(count_tick_allocations(loop, 200), 0);
}

}  // namespace
}  // namespace ocres::deploy
