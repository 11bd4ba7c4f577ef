// The openpi client against a real peer process (tests/io/peers/openpi_server.py) on loopback.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "io/openpi_client.h"
#include "wire_test_support.h"

namespace ocres::wire {
namespace {

using namespace std::chrono_literals;
using testing::PeerProcess;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kPeer = "openpi_server.py";

OpenpiClientConfig config_for(int port) {
  OpenpiClientConfig config;
  config.port = port;
  config.connect_timeout = 5000ms;
  config.infer_timeout = 5000ms;
  return config;
}

// A DROID observation (SPEC §9) whose joint positions start at `base`.
Map droid_observation(float base) {
  Bytes exterior(224 * 224 * 3), wrist(224 * 224 * 3);
  for (std::size_t i = 0; i < exterior.size(); ++i) {
    exterior[i] = static_cast<std::uint8_t>(i * 7);
    wrist[i] = static_cast<std::uint8_t>(255 - i % 251);
  }
  std::vector<float> joints(7);
  for (int j = 0; j < 7; ++j) joints[static_cast<std::size_t>(j)] = base + 0.1f * static_cast<float>(j);
  return Map{{"observation/exterior_image_1_left", NdArray(DType::kUInt8, {224, 224, 3}, exterior)},
             {"observation/wrist_image_left", NdArray(DType::kUInt8, {224, 224, 3}, wrist)},
             {"observation/joint_position", NdArray::from_values<float>({7}, joints)},
             {"observation/gripper_position", NdArray::from_values<float>({1}, std::vector<float>{1.0f})},
             {"prompt", "put the marker in the cup"}};
}

// The peer's policy: actions[t, j] = joint[j] + 0.01 (t + 1) for j < 7; actions[t, 7] = gripper.
void expect_actions_follow(const RemoteResult& result, float base, int horizon) {
  ASSERT_TRUE(result.ok()) << to_string(result.status) << ": " << result.error;
  const Value* actions = result.response.find("actions");
  ASSERT_NE(actions, nullptr);
  const NdArray* array = actions->get_if<NdArray>();
  ASSERT_NE(array, nullptr) << "actions is a " << Value::kind_name(actions->kind());
  ASSERT_EQ(array->shape(), (std::vector<std::int64_t>{horizon, 8}));
  const std::vector<double> a = array->to_f64();
  for (int t = 0; t < horizon; ++t) {
    for (int j = 0; j < 7; ++j) {
      const double joint = static_cast<double>(base + 0.1f * static_cast<float>(j));
      EXPECT_NEAR(a[static_cast<std::size_t>(t * 8 + j)], joint + 0.01 * (t + 1), 1e-5) << "t=" << t << " j=" << j;
    }
    EXPECT_NEAR(a[static_cast<std::size_t>(t * 8 + 7)], 1.0, 1e-6);
  }
}

TEST(OpenpiClient, InfersActionsComputedFromTheObservationAndTheServerSeesExactlyWhatWeSent) {
  PeerProcess peer(kPeer, {"--horizon", "15"});
  OpenpiClient client(config_for(peer.port()));
  const Map observation = droid_observation(0.5f);
  const RemoteResult result = client.infer(observation);
  expect_actions_follow(result, 0.5f, 15);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.response.find("actions")->get<NdArray>().dtype(), DType::kFloat32);
  // numpy decoded our arrays and strings and encoded them back: identical dtype, shape and bytes.
  ASSERT_NE(result.response.find("echo"), nullptr);
  EXPECT_EQ(*result.response.find("echo"), Value(observation));
  const Value* timing = result.response.find("server_timing");
  ASSERT_NE(timing, nullptr);
  EXPECT_TRUE(timing->get<Map>().find("infer_ms")->number().has_value());
  EXPECT_TRUE(client.connected());
}

TEST(OpenpiClient, ConnectReadsTheMetadataMapAndRepeatedInfersReuseTheConnection) {
  PeerProcess peer(kPeer, {"--metadata", "some", "--actions-dtype", "float64", "--horizon", "4"});
  OpenpiClient client(config_for(peer.port()));
  const RemoteResult connected = client.connect();
  ASSERT_TRUE(connected.ok()) << connected.error;
  EXPECT_EQ(client.metadata(), (Map{{"policy", "stand-in"}, {"action_horizon", 4}}));
  for (int i = 0; i < 20; ++i) {
    const float base = 0.01f * static_cast<float>(i);
    const RemoteResult result = client.infer(droid_observation(base));
    expect_actions_follow(result, base, 4);
    EXPECT_EQ(result.response.find("actions")->get<NdArray>().dtype(), DType::kFloat64);
  }
}

TEST(OpenpiClient, EmptyMetadataIsAnEmptyMap) {
  PeerProcess peer(kPeer, {});
  OpenpiClient client(config_for(peer.port()));
  const RemoteResult connected = client.connect();
  ASSERT_TRUE(connected.ok()) << connected.error;
  EXPECT_TRUE(client.metadata().empty());
}

TEST(OpenpiClient, ServerErrorTextFrameBecomesServerErrorAndTheNextCallReconnects) {
  PeerProcess peer(kPeer, {"--mode", "error", "--bad-requests", "1"});
  OpenpiClient client(config_for(peer.port()));
  const RemoteResult failed = client.infer(droid_observation(0.0f));
  EXPECT_EQ(failed.status, RemoteStatus::kServerError);
  EXPECT_NE(failed.error.find("policy exploded on purpose"), std::string::npos) << failed.error;
  EXPECT_FALSE(client.connected());
  expect_actions_follow(client.infer(droid_observation(0.2f)), 0.2f, 10);
}

TEST(OpenpiClient, SlowServerTimesOutAndTheLateReplyIsNeverTakenForTheNextRequest) {
  PeerProcess peer(kPeer, {"--mode", "slow", "--delay-s", "1.5", "--bad-requests", "1"});
  OpenpiClientConfig config = config_for(peer.port());
  config.infer_timeout = 300ms;
  OpenpiClient client(config);
  ASSERT_TRUE(client.connect().ok());
  const auto start = Clock::now();
  const RemoteResult slow = client.infer(droid_observation(0.3f));
  const auto waited = Clock::now() - start;
  EXPECT_EQ(slow.status, RemoteStatus::kTimeout) << slow.error;
  EXPECT_GE(waited, 290ms);
  EXPECT_LT(waited, 1200ms);
  // A new connection answers promptly with the answer to the new observation (0.7), not the old (0.3).
  config.infer_timeout = 3000ms;
  expect_actions_follow(client.infer(droid_observation(0.7f)), 0.7f, 10);
}

TEST(OpenpiClient, MalformedRepliesAreProtocolErrors) {
  for (const char* mode : {"malformed-bytes", "not-map", "bad-array"}) {
    PeerProcess peer(kPeer, {"--mode", mode, "--bad-requests", "1"});
    OpenpiClient client(config_for(peer.port()));
    const RemoteResult bad = client.infer(droid_observation(0.0f));
    EXPECT_EQ(bad.status, RemoteStatus::kProtocolError) << mode << ": " << bad.error;
    EXPECT_FALSE(bad.error.empty());
    expect_actions_follow(client.infer(droid_observation(0.1f)), 0.1f, 10);
  }
}

TEST(OpenpiClient, AnUnsolicitedExtraMessageIsDiscardedWithItsConnection) {
  PeerProcess peer(kPeer, {"--mode", "double-reply", "--bad-requests", "1"});
  OpenpiClient client(config_for(peer.port()));
  expect_actions_follow(client.infer(droid_observation(0.1f)), 0.1f, 10);
  std::this_thread::sleep_for(200ms);  // the duplicate reply arrives meanwhile
  // Without the check, the duplicate (computed from 0.1) would be returned as this answer.
  expect_actions_follow(client.infer(droid_observation(0.6f)), 0.6f, 10);
}

TEST(OpenpiClient, RefusedConnectionIsUnavailableAndFast) {
  testing::RefusingPort port;
  OpenpiClient client(config_for(port.port()));
  const auto start = Clock::now();
  const RemoteResult result = client.infer(droid_observation(0.0f));
  EXPECT_EQ(result.status, RemoteStatus::kUnavailable) << result.error;
  EXPECT_LT(Clock::now() - start, 1000ms);
  EXPECT_NE(result.error.find(std::to_string(port.port())), std::string::npos) << result.error;
}

TEST(OpenpiClient, HungServerTimesOutWithinTheConnectTimeout) {
  testing::SilentPort port;
  OpenpiClientConfig config = config_for(port.port());
  config.connect_timeout = 300ms;
  OpenpiClient client(config);
  const auto start = Clock::now();
  const RemoteResult result = client.connect();
  EXPECT_EQ(result.status, RemoteStatus::kTimeout) << result.error;
  EXPECT_LT(Clock::now() - start, 1500ms);
}

TEST(OpenpiClient, ServerDeathIsUnavailableAndARestartedServerIsReconnected) {
  auto peer = std::make_unique<PeerProcess>(kPeer, std::vector<std::string>{"--die-after", "1"});
  const int port = peer->port();
  OpenpiClient client(config_for(port));
  expect_actions_follow(client.infer(droid_observation(0.1f)), 0.1f, 10);
  ASSERT_TRUE(peer->wait_exit(5s).has_value());
  const RemoteResult dead = client.infer(droid_observation(0.2f));
  EXPECT_EQ(dead.status, RemoteStatus::kUnavailable) << dead.error;
  EXPECT_EQ(client.infer(droid_observation(0.2f)).status, RemoteStatus::kUnavailable);
  peer = std::make_unique<PeerProcess>(kPeer, std::vector<std::string>{"--port", std::to_string(port)});
  expect_actions_follow(client.infer(droid_observation(0.3f)), 0.3f, 10);
}

TEST(OpenpiClient, DisconnectThenInferReconnects) {
  PeerProcess peer(kPeer, {});
  OpenpiClient client(config_for(peer.port()));
  expect_actions_follow(client.infer(droid_observation(0.1f)), 0.1f, 10);
  client.disconnect();
  EXPECT_FALSE(client.connected());
  expect_actions_follow(client.infer(droid_observation(0.4f)), 0.4f, 10);
}

TEST(OpenpiHealthz, RunningServerAnswers200AndARefusedPortIsUnavailable) {
  PeerProcess peer(kPeer, {});
  const RemoteResult healthy = openpi_healthz("127.0.0.1", peer.port());
  EXPECT_TRUE(healthy.ok()) << healthy.error;
  testing::RefusingPort refusing;
  EXPECT_EQ(openpi_healthz("127.0.0.1", refusing.port()).status, RemoteStatus::kUnavailable);
  testing::SilentPort silent;
  EXPECT_EQ(openpi_healthz("127.0.0.1", silent.port(), 200ms).status, RemoteStatus::kTimeout);
}

TEST(OpenpiClientConfig, InvalidValuesThrowInputErrorNamingTheField) {
  OpenpiClientConfig config;
  config.port = 0;
  EXPECT_THROW(OpenpiClient{config}, InputError);
  config = {};
  config.host = "";
  EXPECT_THROW(OpenpiClient{config}, InputError);
  config = {};
  config.infer_timeout = 0ms;
  try {
    OpenpiClient client(config);
    FAIL() << "accepted a zero timeout";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("infer_timeout"), std::string::npos);
  }
}

}  // namespace
}  // namespace ocres::wire
