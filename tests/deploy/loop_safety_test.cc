// The deployment loop against real peer processes over loopback sockets (tests/deploy/peers): a
// kinematic robot bridge and a pose estimator written in Python, and the GR00T test server of
// tests/io/peers as the base policy. Each test makes one thing fail and checks what the loop does.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <thread>

#include "deploy/deploy_loop.h"
#include "deploy/remote_chunk_source.h"
#include "deploy/zmq_pose_source.h"
#include "deploy/zmq_robot_client.h"
#include "deploy_test_support.h"
#include "policy/replay_base_policy.h"

namespace ocres::deploy {
namespace {

using testing::Child;

std::string tcp(int port) { return "tcp://127.0.0.1:" + std::to_string(port); }

// The robot peer's home TCP pose: a base policy that holds it keeps every command safe.
Action home() { return Action{Vec3(0.45, 0.0, 0.30), Quat(0, 1, 0, 0), 0.08}; }

class Events : public DeployObserver {
 public:
  void on_safety_event(const SafetyEvent& e, std::span<const TickSnapshot> recent) override {
    events.push_back(e);
    recent_sizes.push_back(recent.size());
  }
  std::vector<SafetyEvent> events;
  std::vector<size_t> recent_sizes;
};

// A small residual with random (non-zero) weights: the residual path is exercised.
policy::ResidualModel random_residual(int num_objects) {
  policy::ResidualModel m;
  m.task = "test";
  m.layout.num_objects = num_objects;
  policy::MlpConfig c;
  c.input_dim = m.layout.dim();
  c.hidden = {32, 32};
  c.output_dim = policy::kResidualDim;
  c.tanh_output = true;
  m.actor = policy::Mlp(c, 7);
  m.obs_norm.mean.assign(c.input_dim, 0.0f);
  m.obs_norm.inv_std.assign(c.input_dim, 1.0f);
  return m;
}

struct Rig {
  DeployConfig config;
  policy::ReplayBasePolicy replay{std::vector<Action>{home()}};
  LocalChunkSource local{replay};
  Events events;
};

TEST(DeployLoop, PoseStreamStopsMidEpisodeThePoseIsZeroedAndTheEpisodeGoesOn) {
  Child robot_peer = Child::python("robot_peer.py", {});
  Child pose_peer = Child::python("pose_peer.py", {"--rate-hz", "100"});
  Rig rig;
  rig.config.max_ticks = 100;
  ZmqRobotClient robot({tcp(robot_peer.port()), 1000, 5000});
  ZmqPoseSource poses({tcp(pose_peer.port()), {"block"}, {}});
  AsyncChunkSource base(rig.local);
  policy::ResidualModel residual = random_residual(1);
  DeployLoop loop(rig.config, &residual, 1, robot, poses, base, &rig.events);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // subscription reaches the publisher
  EpisodeLog log;
  ASSERT_TRUE(loop.begin_episode(0, 1, &log));
  // 50 ticks at 50 Hz with the stream running, then the estimator process dies, then 50 more.
  int invalid_before = 0;
  for (int t = 0; t < 100; ++t) {
    if (t == 50) {
      invalid_before = loop.result().pose_invalid_ticks;
      pose_peer.stop();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_TRUE(loop.tick() || t == 99) << "stopped at tick " << t << ": " << safety_kind_name(loop.result().stop_kind);
  }
  const EpisodeResult& r = loop.result();
  EXPECT_EQ(r.end, EpisodeEnd::kTruncated);
  EXPECT_EQ(r.ticks, 100);
  EXPECT_LE(invalid_before, 5);  // the first tick(s) may precede the first estimate
  // Stale after max_age_s (0.25 s = 12.5 ticks), zeroed from then on; the episode went on.
  EXPECT_GE(r.pose_invalid_ticks - invalid_before, 50 - 15);
  EXPECT_GT(poses.stats().accepted, 40u);
  const std::string path = ::testing::TempDir() + "/ocres_pose_stops_" + std::to_string(getpid()) + ".hdf5";
  log.save(path, "{}");
  EXPECT_EQ(log.length(), 100);
  std::remove(path.c_str());
}

TEST(DeployLoop, NanAbsurdAndMalformedPosesAreDropped) {
  Child pose_peer = Child::python("pose_peer.py", {"--mode", "bad", "--rate-hz", "50"});
  ZmqPoseSource poses({tcp(pose_peer.port()), {"block"}, {}});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (poses.stats().accepted < 5 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const PoseSourceStats s = poses.stats();
  ASSERT_GE(s.accepted, 5u);
  // Per round: NaN, absurd, confidence 2, non-unit quaternion, garbage, two-part -> malformed (6);
  // unknown object (1); unknown frame (1); one good pose.
  EXPECT_GE(s.malformed, 5 * s.accepted);
  EXPECT_GE(s.unknown_object, s.accepted - 1);
  EXPECT_GE(s.unknown_frame, s.accepted - 1);
  perception::PoseEstimate e;
  poses.latest(std::span(&e, 1));
  EXPECT_TRUE(e.X_BO.p.allFinite());
  EXPECT_NEAR((e.X_BO.p - Vec3(0.5, 0.1, 0.02)).norm(), 0, 1e-12);  // only the good pose got through
  EXPECT_EQ(e.confidence, 0.9);
}

RemoteBaseConfig gr00t_config(int port) {
  RemoteBaseConfig c;
  c.kind = "gr00t";
  c.port = port;
  c.timeout_ms = 300;
  // tests/io/peers/gr00t_server.py: action.single_arm[t] = state.single_arm + 0.01 (t + 1) (16 x 7).
  c.state = {{"state.single_arm", {"tcp_position", "tcp_quaternion"}, true}, {"state.gripper", {"gripper_width"}, true}};
  c.position = {"action.single_arm", 0};
  c.quaternion = {"action.single_arm", 3};
  c.gripper = {"action.gripper", 0};
  return c;
}

void base_server_dies(NoChunkPolicy mode) {
  Child robot_peer = Child::python("robot_peer.py", {});
  Child pose_peer = Child::python("pose_peer.py", {});
  // The GR00T stand-in answers two chunks, then its process exits.
  Child server({"/usr/bin/python3", testing::source_dir() + "/tests/io/peers/gr00t_server.py", "--watch-stdin", "--die-after", "2"});
  RemoteChunkSource remote(gr00t_config(server.port()));
  DeployConfig config;
  config.rate_hz = 100;
  config.max_ticks = 200;
  config.base_timeout_s = 1.0;
  config.no_chunk = mode;
  ZmqRobotClient robot({tcp(robot_peer.port()), 1000, 5000});
  ZmqPoseSource poses({tcp(pose_peer.port()), {"block"}, {}});
  AsyncChunkSource base(remote);
  Events events;
  DeployLoop loop(config, nullptr, 1, robot, poses, base, &events);
  const auto t0 = std::chrono::steady_clock::now();
  const EpisodeResult r = loop.run_episode(0, 1, nullptr);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.end, EpisodeEnd::kSafetyStop);
  EXPECT_EQ(r.stop_kind, SafetyKind::kBaseTimeout) << safety_kind_name(r.stop_kind);
  EXPECT_EQ(r.chunks, 2);
  if (mode == NoChunkPolicy::kWait) {
    EXPECT_EQ(r.ticks, 32);  // two chunks of 16 executed, then no third
  } else {
    EXPECT_GT(r.held_ticks, 0);  // the robot kept getting the last target meanwhile
    EXPECT_LE(r.ticks - r.held_ticks, 32);
  }
  EXPECT_LT(secs, 5.0);
  ASSERT_FALSE(events.events.empty());
  EXPECT_EQ(events.events.back().kind, SafetyKind::kBaseTimeout);
  EXPECT_GT(events.recent_sizes.back(), 0u);  // the last ticks came with the event
}

TEST(DeployLoop, BaseServerDiesSafeStopWhenWaiting) { base_server_dies(NoChunkPolicy::kWait); }
TEST(DeployLoop, BaseServerDiesSafeStopWhenHolding) { base_server_dies(NoChunkPolicy::kHold); }

EpisodeResult run_against_robot(const std::vector<std::string>& robot_args, DeployConfig config, Events& events) {
  Child robot_peer = Child::python("robot_peer.py", robot_args);
  Child pose_peer = Child::python("pose_peer.py", {});
  Rig rig;
  ZmqRobotClient robot({tcp(robot_peer.port()), 300, 5000});
  ZmqPoseSource poses({tcp(pose_peer.port()), {"block"}, {}});
  AsyncChunkSource base(rig.local);
  DeployLoop loop(config, nullptr, 1, robot, poses, base, &events);
  return loop.run_episode(0, 1, nullptr);
}

TEST(DeployLoop, RobotBridgeDiesSafeStop) {
  DeployConfig c;
  c.rate_hz = 100;
  c.max_ticks = 100;
  Events events;
  const EpisodeResult r = run_against_robot({"--die-after", "20"}, c, events);
  EXPECT_EQ(r.end, EpisodeEnd::kSafetyStop);
  EXPECT_EQ(r.stop_kind, SafetyKind::kRobotLink);
  EXPECT_LT(r.ticks, 20);
}

TEST(DeployLoop, StaleProprioceptionSafeStop) {
  DeployConfig c;
  c.rate_hz = 100;
  c.max_ticks = 200;
  c.max_state_age_s = 0.2;
  Events events;
  const EpisodeResult r = run_against_robot({"--freeze-after", "10"}, c, events);
  EXPECT_EQ(r.end, EpisodeEnd::kSafetyStop);
  EXPECT_EQ(r.stop_kind, SafetyKind::kStaleState);
  EXPECT_GE(r.ticks, 10);
  EXPECT_LT(r.ticks, 40);
}

TEST(DeployLoop, GarbageFromTheRobotSafeStop) {
  DeployConfig c;
  c.rate_hz = 100;
  c.max_ticks = 100;
  Events events;
  const EpisodeResult r = run_against_robot({"--garbage-after", "10"}, c, events);
  EXPECT_EQ(r.end, EpisodeEnd::kSafetyStop);
  EXPECT_EQ(r.stop_kind, SafetyKind::kRobotLink);
  EXPECT_STREQ(r.stop_detail, "protocol_error");
}

TEST(DeployLoop, DivergenceSafeStop) {
  // The robot never moves while the base policy asks for a target 20 cm away.
  Child robot_peer = Child::python("robot_peer.py", {"--stuck"});
  Child pose_peer = Child::python("pose_peer.py", {});
  Action far = home();
  far.p_BT += Vec3(0.2, 0, 0);
  policy::ReplayBasePolicy replay(std::vector<Action>{far});
  LocalChunkSource local(replay);
  DeployConfig c;
  c.rate_hz = 100;
  c.max_ticks = 200;
  c.divergence_m = 0.1;
  c.divergence_s = 0.3;
  ZmqRobotClient robot({tcp(robot_peer.port()), 1000, 5000});
  ZmqPoseSource poses({tcp(pose_peer.port()), {"block"}, {}});
  AsyncChunkSource base(local);
  Events events;
  DeployLoop loop(c, nullptr, 1, robot, poses, base, &events);
  const EpisodeResult r = loop.run_episode(0, 1, nullptr);
  EXPECT_EQ(r.end, EpisodeEnd::kSafetyStop);
  EXPECT_EQ(r.stop_kind, SafetyKind::kDivergence);
  EXPECT_GT(r.max_divergence_m, 0.1);
  // The per-tick translation limit clamped the 20 cm jump, and that was reported too.
  EXPECT_GT(r.triggers[static_cast<int>(SafetyKind::kStepLimit)], 0);
}

}  // namespace
}  // namespace ocres::deploy
