// The GR00T client against a real peer process (tests/io/peers/gr00t_server.py) on loopback.
#include <gtest/gtest.h>

#include <chrono>

#include "io/gr00t_client.h"
#include "wire_test_support.h"

namespace ocres::wire {
namespace {

using namespace std::chrono_literals;
using testing::PeerProcess;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kPeer = "gr00t_server.py";

Gr00tClientConfig config_for(int port) {
  Gr00tClientConfig config;
  config.port = port;
  config.connect_timeout = 3000ms;
  config.reply_timeout = 5000ms;
  return config;
}

// An N1.5-style flat observation (SPEC §9) whose arm state starts at `base`.
Map observation(double base) {
  std::vector<double> arm(7);
  for (int j = 0; j < 7; ++j) arm[static_cast<std::size_t>(j)] = base + 0.1 * j;
  Bytes video(64 * 48 * 3);
  for (std::size_t i = 0; i < video.size(); ++i) video[i] = static_cast<std::uint8_t>(i % 253);
  return Map{{"video.ego_view", NdArray(DType::kUInt8, {1, 64, 48, 3}, video)},
             {"state.single_arm", NdArray::from_values<double>({1, 7}, arm)},
             {"state.gripper", NdArray::from_values<float>({1, 1}, std::vector<float>{0.5f})},
             {"annotation.human.task_description", Array{"pick up the red cube"}}};
}

// The peer's policy: action.single_arm[t, j] = state[j] + 0.01 (t + 1); action.gripper[t] = gripper.
void expect_actions_follow(const RemoteResult& result, double base) {
  ASSERT_TRUE(result.ok()) << to_string(result.status) << ": " << result.error;
  const Value* arm = result.response.find("action.single_arm");
  const Value* gripper = result.response.find("action.gripper");
  ASSERT_TRUE(arm != nullptr && gripper != nullptr);
  ASSERT_NE(arm->get_if<NdArray>(), nullptr);
  ASSERT_EQ(arm->get<NdArray>().shape(), (std::vector<std::int64_t>{16, 7}));
  ASSERT_EQ(gripper->get<NdArray>().shape(), (std::vector<std::int64_t>{16, 1}));
  const std::vector<double> a = arm->get<NdArray>().to_f64();
  for (int t = 0; t < 16; ++t) {
    for (int j = 0; j < 7; ++j) {
      EXPECT_NEAR(a[static_cast<std::size_t>(t * 7 + j)], base + 0.1 * j + 0.01 * (t + 1), 1e-5)
          << "t=" << t << " j=" << j;
    }
  }
  for (double g : gripper->get<NdArray>().to_f64()) EXPECT_NEAR(g, 0.5, 1e-6);
}

TEST(Gr00tClient, GetActionComputesFromTheStateAndTheServerSeesExactlyWhatWeSent) {
  PeerProcess peer(kPeer, {});
  Gr00tClient client(config_for(peer.port()));
  const Map obs = observation(0.25);
  const RemoteResult result = client.get_action(obs);
  expect_actions_follow(result, 0.25);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.response.find("action.single_arm")->get<NdArray>().dtype(), DType::kFloat32);
  // numpy's np.load read our .npy files and np.save wrote them back: identical arrays.
  ASSERT_NE(result.response.find("echo"), nullptr);
  EXPECT_EQ(*result.response.find("echo"), Value(obs));
  for (int i = 0; i < 10; ++i) expect_actions_follow(client.get_action(observation(0.01 * i)), 0.01 * i);
}

TEST(Gr00tClient, PingAndModalityConfigAnswer) {
  PeerProcess peer(kPeer, {});
  Gr00tClient client(config_for(peer.port()));
  const RemoteResult ping = client.ping();
  ASSERT_TRUE(ping.ok()) << ping.error;
  EXPECT_EQ(*ping.response.find("status"), Value("ok"));
  const RemoteResult modality = client.get_modality_config();
  ASSERT_TRUE(modality.ok()) << modality.error;
  const Value* state = modality.response.find("state");
  ASSERT_NE(state, nullptr);
  EXPECT_NE(state->get<Map>().find("as_json")->get<std::string>().find("state.single_arm"), std::string::npos);
}

TEST(Gr00tClient, KillStopsTheServerAfterAnEmptyReply) {
  PeerProcess peer(kPeer, {});
  Gr00tClient client(config_for(peer.port()));
  const RemoteResult killed = client.kill();
  ASSERT_TRUE(killed.ok()) << killed.error;
  EXPECT_TRUE(killed.response.empty());
  EXPECT_EQ(peer.wait_exit(5s), 0);
}

TEST(Gr00tClient, ApiTokenIsSentOnlyWhenConfiguredAndAWrongOneIsAServerError) {
  PeerProcess peer(kPeer, {"--api-token", "s3cret"});
  Gr00tClientConfig config = config_for(peer.port());
  const RemoteResult without = Gr00tClient(config).ping();
  EXPECT_EQ(without.status, RemoteStatus::kServerError);
  EXPECT_NE(without.error.find("Unauthorized"), std::string::npos) << without.error;
  config.api_token = "wrong";
  EXPECT_EQ(Gr00tClient(config).get_action(observation(0.0)).status, RemoteStatus::kServerError);
  config.api_token = "s3cret";
  Gr00tClient client(config);
  EXPECT_TRUE(client.ping().ok());
  expect_actions_follow(client.get_action(observation(0.0)), 0.0);
}

TEST(Gr00tClient, ErrorReplyIsAServerErrorAndTheNextCallWorks) {
  PeerProcess peer(kPeer, {"--mode", "error", "--bad-requests", "1"});
  Gr00tClient client(config_for(peer.port()));
  const RemoteResult failed = client.get_action(observation(0.0));
  EXPECT_EQ(failed.status, RemoteStatus::kServerError);
  EXPECT_NE(failed.error.find("policy exploded on purpose"), std::string::npos) << failed.error;
  expect_actions_follow(client.get_action(observation(0.1)), 0.1);
  const RemoteResult unknown = client.call("no_such_endpoint");
  EXPECT_EQ(unknown.status, RemoteStatus::kServerError);
  EXPECT_NE(unknown.error.find("Unknown endpoint"), std::string::npos) << unknown.error;
}

TEST(Gr00tClient, ReplyTimeoutRecreatesTheSocketAndALateReplyIsNeverTakenForALaterRequest) {
  PeerProcess peer(kPeer, {"--mode", "slow", "--delay-s", "0.8", "--bad-requests", "1"});
  Gr00tClientConfig config = config_for(peer.port());
  config.reply_timeout = 300ms;
  Gr00tClient client(config);
  ASSERT_TRUE(client.ping().ok());
  const auto start = Clock::now();
  const RemoteResult slow = client.get_action(observation(0.3));
  const auto waited = Clock::now() - start;
  EXPECT_EQ(slow.status, RemoteStatus::kTimeout) << slow.error;
  EXPECT_GE(waited, 290ms);
  EXPECT_LT(waited, 1000ms);
  // The single-threaded server is still busy with the old request, so the next calls may time out too;
  // whichever call succeeds must carry the answer to its own observation (0.7), never the stale one (0.3).
  // A REQ socket that was not recreated would fail every call here with EFSM.
  RemoteResult next;
  for (int attempt = 0; attempt < 10; ++attempt) {
    next = client.get_action(observation(0.7));
    if (next.status != RemoteStatus::kTimeout) break;
  }
  expect_actions_follow(next, 0.7);
}

TEST(Gr00tClient, MalformedRepliesAreProtocolErrors) {
  for (const char* mode : {"malformed-bytes", "not-map", "bad-array"}) {
    PeerProcess peer(kPeer, {"--mode", mode, "--bad-requests", "1"});
    Gr00tClient client(config_for(peer.port()));
    const RemoteResult bad = client.get_action(observation(0.0));
    EXPECT_EQ(bad.status, RemoteStatus::kProtocolError) << mode << ": " << bad.error;
    expect_actions_follow(client.get_action(observation(0.2)), 0.2);
  }
}

TEST(Gr00tClient, NoServerIsUnavailableWithinTheConnectTimeout) {
  testing::RefusingPort port;
  Gr00tClientConfig config = config_for(port.port());
  config.connect_timeout = 300ms;
  Gr00tClient client(config);
  const auto start = Clock::now();
  const RemoteResult result = client.get_action(observation(0.0));
  EXPECT_EQ(result.status, RemoteStatus::kUnavailable) << result.error;
  EXPECT_LT(Clock::now() - start, 1500ms);
}

TEST(Gr00tClient, ServerDeathAndRestartOnTheSamePortIsRecovered) {
  auto peer = std::make_unique<PeerProcess>(kPeer, std::vector<std::string>{"--die-after", "1"});
  const int port = peer->port();
  Gr00tClientConfig config = config_for(port);
  config.connect_timeout = 300ms;
  config.reply_timeout = 300ms;
  Gr00tClient client(config);
  expect_actions_follow(client.get_action(observation(0.1)), 0.1);
  ASSERT_TRUE(peer->wait_exit(5s).has_value());
  const RemoteResult dead = client.get_action(observation(0.2));
  EXPECT_TRUE(dead.status == RemoteStatus::kUnavailable || dead.status == RemoteStatus::kTimeout) << dead.error;
  peer = std::make_unique<PeerProcess>(kPeer, std::vector<std::string>{"--port", std::to_string(port)});
  // ZeroMQ reconnects in the background (every 100 ms); allow a few attempts.
  RemoteResult revived = RemoteResult::failure(RemoteStatus::kUnavailable, "not tried");
  for (int attempt = 0; attempt < 10 && !revived.ok(); ++attempt) revived = client.get_action(observation(0.3));
  expect_actions_follow(revived, 0.3);
}

TEST(Gr00tClientConfig, InvalidValuesThrowInputError) {
  Gr00tClientConfig config;
  config.port = 70000;
  EXPECT_THROW(Gr00tClient{config}, InputError);
  config = {};
  config.reply_timeout = -1ms;
  EXPECT_THROW(Gr00tClient{config}, InputError);
}

}  // namespace
}  // namespace ocres::wire
