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
#include <map>
#include <nlohmann/json.hpp>

#include "deploy_test_support.h"

namespace ocres {
namespace {

namespace fs = std::filesystem;
using deploy::testing::Child;

std::string run(const std::string& cmd, int* status) { return deploy::testing::run_command(cmd, status); }

class DeployImages : public ::testing::Test {
 protected:

  // A GR00T stand-in that holds the TCP and checks both cameras' frames, logging each one.
  Child vla() {
    return Child({"/usr/bin/python3", deploy::testing::source_dir() + "/tests/io/peers/gr00t_server.py", "--watch-stdin", "--hold",
                  "--expect-image", "video.front=1,224,224,3", "--expect-image", "video.wrist=1,224,224,3", "--image-log",
                  dir_.path("images.log")});
  }
  std::string write_config(int port) { return deploy::testing::write_gr00t_config(dir_.path("gr00t.yaml"), port, true); }
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

  deploy::testing::ScratchDir dir_{"ocres_deploy_images"};
};

TEST_F(DeployImages, RenderedFramesReachTheVlaServerInTheConfiguredShape) {
  Child server = vla();
  const int ticks = 20;
  const nlohmann::json j = deploy({"--images", "96"}, server.port(), ticks);
  ASSERT_FALSE(j.is_discarded());
  EXPECT_EQ(j["safety_stops"].get<int>(), 0) << j.dump();
  EXPECT_EQ(j["per_episode"][0]["ticks"].get<int>(), ticks) << j.dump();
  // One log line per checked image. Every chunk request carried both.
  std::map<std::string, int> seen = deploy::testing::read_image_log(dir_.path("images.log"), [](const deploy::testing::LoggedImage& im) {
    EXPECT_EQ(im.shape, "1,224,224,3") << im.line;
    EXPECT_EQ(im.dtype, "|u1") << im.line;
    EXPECT_LT(im.min, im.max) << im.line;
  });
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
  EXPECT_FALSE(fs::exists(dir_.path("images.log")));  // nothing reached the server
}

}  // namespace
}  // namespace ocres
