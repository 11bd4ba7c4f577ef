// Camera images end to end, with real processes on loopback: `ocres sim-bridge --images 96` renders the
// lab scene's front and wrist cameras headless; `ocres deploy` asks for them with each state read and
// sends them, resampled to 224x224 (nearest neighbour), to a GR00T stand-in (tests/io/peers) that
// checks every request carries video.front and video.wrist as uint8 (1, 224, 224, 3) frames that vary
// (rendered, not blank) and answers a chunk that holds the current TCP. Without --images the same
// deployment stops safely with the missing camera named.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "deploy_test_support.h"

namespace ocres {
namespace {

namespace fs = std::filesystem;
using deploy::testing::Child;

std::string run(const std::string& cmd, int* status) { return deploy::testing::run_command(cmd, status); }

class DeployImages : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ocres_deploy_images_" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A GR00T stand-in that holds the TCP and checks both cameras' frames, logging each one.
  Child vla() {
    return Child({"/usr/bin/python3", deploy::testing::source_dir() + "/tests/io/peers/gr00t_server.py", "--watch-stdin", "--hold",
                  "--expect-image", "video.front=1,224,224,3", "--expect-image", "video.wrist=1,224,224,3", "--image-log",
                  (dir_ / "images.log").string()});
  }
  std::string write_config(int port) {
    const std::string path = (dir_ / "gr00t.yaml").string();
    std::ofstream(path) << "kind: gr00t\nport: " << port << R"(
timeout_ms: 5000
chunk_size: 8
prompt_key: annotation.human.task_description
prompt: lift the block
state:
  - {key: state.single_arm, fields: [tcp_position, tcp_quaternion]}
  - {key: state.gripper, fields: [gripper_width]}
action:
  position: {key: action.single_arm, column: 0}
  quaternion: {key: action.single_arm, column: 3}
  gripper: {key: action.gripper, column: 0}
images:
  - {key: video.front, camera: front, size: [224, 224]}
  - {key: video.wrist, camera: wrist, size: [224, 224]}
)";
    return path;
  }
  nlohmann::json deploy(const std::vector<std::string>& bridge_flags, int vla_port, int ticks) {
    std::vector<std::string> argv = {OCRES_CLI, "sim-bridge", "--task", "lift", "--domain", "lab", "--exit-on-stdin-eof"};
    argv.insert(argv.end(), bridge_flags.begin(), bridge_flags.end());
    Child bridge(std::move(argv));
    const auto ports = nlohmann::json::parse(bridge.first_line());
    int status = 0;
    const std::string cmd = std::string(OCRES_CLI) + " deploy --task lift --robot " + ports["robot"].get<std::string>() +
                            " --poses " + ports["poses"].get<std::string>() + " --base " + write_config(vla_port) +
                            " --residual none --episodes 1 --max-ticks " + std::to_string(ticks) + " --rate-hz 100 --json";
    const std::string out = run(cmd, &status);
    EXPECT_EQ(status, 0) << cmd << "\n" << out;
    return nlohmann::json::parse(out, nullptr, false);
  }

  fs::path dir_;
};

TEST_F(DeployImages, RenderedFramesReachTheVlaServerInTheConfiguredShape) {
  Child server = vla();
  const int ticks = 20;
  const nlohmann::json j = deploy({"--images", "96"}, server.port(), ticks);
  ASSERT_FALSE(j.is_discarded());
  EXPECT_EQ(j["safety_stops"].get<int>(), 0) << j.dump();
  EXPECT_EQ(j["per_episode"][0]["ticks"].get<int>(), ticks) << j.dump();
  // One log line per checked image: "key shape dtype min max". Every chunk request carried both.
  std::ifstream log(dir_ / "images.log");
  std::map<std::string, int> seen;
  for (std::string line; std::getline(log, line);) {
    std::istringstream in(line);
    std::string key, shape, dtype;
    int lo = 0, hi = 0;
    in >> key >> shape >> dtype >> lo >> hi;
    EXPECT_EQ(shape, "1,224,224,3") << line;
    EXPECT_EQ(dtype, "|u1") << line;
    EXPECT_LT(lo, hi) << line;
    ++seen[key];
  }
  // 20 ticks of 8-step chunks: at least 3 requests (a prefetch may add one).
  EXPECT_GE(seen["video.front"], 3);
  EXPECT_EQ(seen["video.front"], seen["video.wrist"]);
}

TEST_F(DeployImages, ABridgeWithoutCamerasStopsSafelyNamingTheCamera) {
  Child server = vla();
  const nlohmann::json j = deploy({}, server.port(), 10);
  ASSERT_FALSE(j.is_discarded());
  ASSERT_EQ(j["safety_stops"].get<int>(), 1) << j.dump();
  const std::string detail = j["per_episode"][0]["stop_detail"].get<std::string>();
  EXPECT_NE(detail.find("camera 'front'"), std::string::npos) << detail;
  EXPECT_FALSE(fs::exists(dir_ / "images.log"));  // nothing reached the server
}

}  // namespace
}  // namespace ocres
