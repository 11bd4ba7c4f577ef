// Remote base policies as chunk sources: the YAML mapping from our robot state to the server's keys and
// from the reply's columns to absolute TCP targets, against the openpi and GR00T stand-in servers of
// tests/io/peers (real processes, loopback), including the GR00T API token and camera images (the peers
// check dtype, shape and bytes).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "core/config.h"
#include "deploy/remote_chunk_source.h"
#include "deploy_test_support.h"
#include "image_pattern.h"

namespace ocres::deploy {
namespace {

using testing::Child;

Child io_peer(const std::string& script, std::vector<std::string> args) {
  std::vector<std::string> argv = {"/usr/bin/python3", testing::source_dir() + "/tests/io/peers/" + script, "--watch-stdin"};
  argv.insert(argv.end(), args.begin(), args.end());
  return Child(std::move(argv));
}

RemoteBaseConfig parse(const std::string& yaml) { return parse_remote_base(YamlFields(load_yaml_string(yaml, "remote.yaml"), "remote.yaml")); }

Observation robot_at(const Vec3& p) {
  Observation o;
  o.robot.X_BT = Pose{p, Quat(0, 1, 0, 0)};
  o.robot.gripper_width_m = 0.05;
  return o;
}

void expect_input_error(const std::string& yaml, const std::string& needle) {
  try {
    parse(yaml);
    ADD_FAILURE() << "accepted: " << yaml;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(RemoteBase, ConfigErrorsNameTheBadValue) {
  expect_input_error("kind: torchscript\n", "torchscript");
  expect_input_error("kind: openpi\napi_token: x\naction: {position: {key: actions}}\n", "api_token");
  expect_input_error("kind: gr00t\nstate: [{key: s, fields: [tcp_velocity]}]\naction: {position: {key: a}}\n", "tcp_velocity");
  expect_input_error("kind: gr00t\naction: {position: {key: a}}\nprot: 5\n", "prot");
  expect_input_error("kind: gr00t\nport: 99999\naction: {position: {key: a}}\n", "port");
  expect_input_error("kind: gr00t\n", "key");
  expect_input_error("kind: gr00t\naction: {position: {key: a}}\nimages: [{key: video.front}]\n", "camera");
  expect_input_error("kind: gr00t\naction: {position: {key: a}}\nimages: [{key: v, camera: c, size: [224]}]\n", "size");
  expect_input_error("kind: gr00t\naction: {position: {key: a}}\nimages: [{key: v, camera: c, size: [0, 5]}]\n", "size");
  expect_input_error("kind: gr00t\naction: {position: {key: a}}\nimages: [{key: v, camera: c}, {key: v, camera: d}]\n", "'v'");
  expect_input_error("kind: gr00t\naction: {position: {key: a}}\nimages: [{key: v, camera: c, colour: rgb}]\n", "colour");
}

// A frame holding the shared test pattern (tests/io/peers/image_checks.py).
CameraFrame pattern_frame(int height_px, int width_px, int seed) {
  CameraFrame f;
  f.height_px = height_px;
  f.width_px = width_px;
  f.stamp_s = 1.0;
  f.rgb = testing::image_pattern(static_cast<size_t>(height_px) * width_px * 3, seed);
  return f;
}

const char* kGr00tYaml = R"(
kind: gr00t
port: PORT
api_token: s3cret
timeout_ms: 2000
prompt_key: annotation.human.task_description
prompt: lift the block
state:
  - {key: state.single_arm, fields: [tcp_position, tcp_quaternion], batch_dim: true}
  - {key: state.gripper, fields: [gripper_width], batch_dim: true}
action:
  position: {key: action.single_arm, column: 0}
  quaternion: {key: action.single_arm, column: 3}
  gripper: {key: action.gripper, column: 0}
)";

std::string with_port(std::string yaml, int port) {
  yaml.replace(yaml.find("PORT"), 4, std::to_string(port));
  return yaml;
}

TEST(RemoteBase, Gr00tChunkWithApiToken) {
  Child server = io_peer("gr00t_server.py", {"--api-token", "s3cret"});
  RemoteChunkSource source(parse(with_port(kGr00tYaml, server.port())));
  std::vector<Action> chunk(16);
  const char* error = "";
  ASSERT_EQ(source.predict(robot_at(Vec3(0.4, 0.1, 0.2)), chunk, error), LinkStatus::kOk) << error;
  // The stand-in answers state + 0.01 (t + 1) per column: position moves, the quaternion is normalised.
  for (int t = 0; t < 16; ++t) {
    EXPECT_NEAR((chunk[t].p_BT - Vec3(0.4, 0.1, 0.2) - Vec3::Constant(0.01 * (t + 1))).norm(), 0, 1e-6);
    EXPECT_NEAR(chunk[t].q_BT.norm(), 1.0, 1e-12);
    EXPECT_NEAR(chunk[t].gripper_width_m, 0.05, 1e-7);
  }
  // The wrong token is refused by the server: a peer error, not an exception.
  std::string yaml = with_port(kGr00tYaml, server.port());
  yaml.replace(yaml.find("s3cret"), 6, "guess");
  RemoteChunkSource wrong(parse(yaml));
  EXPECT_EQ(wrong.predict(robot_at(Vec3(0.4, 0.1, 0.2)), chunk, error), LinkStatus::kPeerError);
  EXPECT_NE(std::string(error).find("Unauthorized"), std::string::npos) << error;
}

// The openpi stand-in's state keys (its policy reads them) and where our target is in its `actions`.
std::string openpi_yaml(int port) {
  return "kind: openpi\nport: " + std::to_string(port) + "\n" + R"(prompt_key: prompt
prompt: lift the block
state:
  - {key: observation/joint_position, fields: [tcp_position, tcp_quaternion], batch_dim: false}
  - {key: observation/gripper_position, fields: [gripper_closed], batch_dim: false}
action:
  position: {key: actions, column: 0}
  quaternion: {key: actions, column: 3}
  gripper: {key: actions, column: 7, scale: -0.08, offset: 0.08}
)";
}

TEST(RemoteBase, OpenpiChunkMappedByColumns) {
  Child server = io_peer("openpi_server.py", {"--horizon", "10"});
  RemoteChunkSource source(parse(openpi_yaml(server.port())));
  std::vector<Action> chunk(16);
  const char* error = "";
  ASSERT_EQ(source.predict(robot_at(Vec3(0.5, 0.0, 0.3)), chunk, error), LinkStatus::kOk) << error;
  for (int t = 0; t < 16; ++t) {
    const int row = std::min(t, 9);  // the server answers 10 rows: the last one is held
    EXPECT_NEAR((chunk[t].p_BT - Vec3(0.5, 0.0, 0.3) - Vec3::Constant(0.01 * (row + 1))).norm(), 0, 1e-6) << t;
    EXPECT_NEAR(chunk[t].gripper_width_m, 0.05, 1e-6);  // closed fraction 0.375 mapped back to a width
  }
}

// GR00T: video.<cam> as uint8 (1, H, W, 3); the peer checks dtype |u1, shape and every byte.
TEST(RemoteBase, Gr00tSendsCameraFramesAsBatchedUint8Video) {
  Child server = io_peer("gr00t_server.py", {"--api-token", "s3cret", "--expect-image", "video.front=1,6,8,3:1", "--expect-image",
                                             "video.wrist=1,4,4,3:2"});
  RemoteChunkSource source(parse(with_port(kGr00tYaml, server.port()) + R"(
images:
  - {key: video.front, camera: front}
  - {key: video.wrist, camera: wrist}
)"));
  ASSERT_EQ(source.camera_names(), (std::vector<std::string>{"front", "wrist"}));
  std::vector<Action> chunk(16);
  const char* error = "";
  std::vector<CameraFrame> frames = {pattern_frame(6, 8, 1), pattern_frame(4, 4, 2)};
  ASSERT_EQ(source.predict_with_frames(robot_at(Vec3(0.4, 0.1, 0.2)), frames, chunk, error), LinkStatus::kOk) << error;
  EXPECT_NEAR((chunk[0].p_BT - Vec3(0.41, 0.11, 0.21)).norm(), 0, 1e-6);
  // The peer really compares bytes: another pattern is refused, naming the key.
  frames[1] = pattern_frame(4, 4, 3);
  EXPECT_EQ(source.predict_with_frames(robot_at(Vec3(0.4, 0.1, 0.2)), frames, chunk, error), LinkStatus::kPeerError);
  EXPECT_NE(std::string(error).find("video.wrist"), std::string::npos) << error;
}

// openpi DROID: two 224x224x3 uint8 images without a batch dimension, plus a third resampled from 448
// to 112 (nearest neighbour: the peer checks shape and dtype). Prints the round-trip time.
TEST(RemoteBase, OpenpiSendsDroidImages) {
  Child server = io_peer("openpi_server.py", {"--horizon", "10", "--expect-image", "observation/exterior_image_1_left=224,224,3:1",
                                              "--expect-image", "observation/wrist_image_left=224,224,3:2", "--expect-image",
                                              "observation/small=112,112,3"});
  RemoteChunkSource source(parse(openpi_yaml(server.port()) + R"(
images:
  - {key: observation/exterior_image_1_left, camera: front}
  - {key: observation/wrist_image_left, camera: wrist}
  - {key: observation/small, camera: side, size: [112, 112]}
)"));
  const Observation obs = robot_at(Vec3(0.5, 0.0, 0.3));
  std::vector<CameraFrame> frames = {pattern_frame(224, 224, 1), pattern_frame(224, 224, 2), pattern_frame(448, 448, 5)};
  std::vector<Action> chunk(16);
  const char* error = "";
  std::vector<double> ms;
  for (int i = 0; i < 5; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_EQ(source.predict_with_frames(obs, frames, chunk, error), LinkStatus::kOk) << error;
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("openpi chunk request with 2 x 224x224 + 1 x 112x112 images over loopback: median %.2f ms, best %.2f ms\n",
              ms[ms.size() / 2], ms[0]);
}

TEST(RemoteBase, ACameraWithoutAFrameFailsTheRequestNamingIt) {
  // No server is needed: the request fails before it is sent.
  RemoteChunkSource source(parse(with_port(kGr00tYaml, 1) + "images: [{key: video.wrist, camera: wrist}]\n"));
  std::vector<Action> chunk(16);
  const char* error = "";
  std::vector<CameraFrame> frames(1);  // absent
  EXPECT_EQ(source.predict_with_frames(robot_at(Vec3(0.4, 0.1, 0.2)), frames, chunk, error), LinkStatus::kUnavailable);
  EXPECT_NE(std::string(error).find("camera 'wrist'"), std::string::npos) << error;
  EXPECT_EQ(source.predict(robot_at(Vec3(0.4, 0.1, 0.2)), chunk, error), LinkStatus::kUnavailable);
  EXPECT_NE(std::string(error).find("no frame"), std::string::npos) << error;
}

TEST(RemoteBase, DeadServerIsAStatusNotAnException) {
  Child server = io_peer("gr00t_server.py", {});
  const int port = server.port();
  server.stop();
  std::string yaml = with_port(kGr00tYaml, port);
  yaml.replace(yaml.find("timeout_ms: 2000"), 16, "timeout_ms: 200");
  RemoteChunkSource source(parse(yaml));
  std::vector<Action> chunk(16);
  const char* error = "";
  const LinkStatus s = source.predict(robot_at(Vec3(0.4, 0.1, 0.2)), chunk, error);
  EXPECT_TRUE(s == LinkStatus::kUnavailable || s == LinkStatus::kTimeout) << link_status_name(s) << " " << error;
}

}  // namespace
}  // namespace ocres::deploy
