// `ocres deploy --robot sim[:DOMAIN]`: the lab simulation, its estimator model and its cameras in the
// deploy process (apps/deploy_sim_robot.h) instead of behind `ocres sim-bridge`.
//
// Both paths run the same SimRobot in lockstep with the same seeds, so their episodes should agree one
// to one. They are not bit-identical by construction: the bridge protocol renormalises every quaternion
// it decodes (q / |q|, bridge_protocol.cc read_quat) -- the measured TCP orientation, the scene poses,
// the estimates and the commanded target -- which can move the last bit of a double; in process nothing
// is renormalised. A last-bit difference can in principle grow through contact physics, so returns are
// compared within 1e-6 and the test tolerates one episode of difference, as the bridge test
// (e2e_test.cc) does for message timing. Measured: success, length and pose-invalid ticks identical in
// every episode so far; returns differ by up to ~1e-8 (the test prints both).
//
// The in-process deployment must also match the in-process evaluation (learn::evaluate_residual, what
// `ocres eval` runs) within noise, and bad --robot / --poses / --images combinations must fail at
// startup with the bad value named. Every test is its own process (gtest_discover_tests), so each one
// builds only what it needs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "deploy_test_support.h"
#include "learn/residual_eval.h"
#include "test_residual.h"

namespace ocres {
namespace {

using deploy::testing::Child;

class DeploySimRobot : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return dir_.path(name); }

  // Runs an `ocres` command that must succeed; returns its stdout.
  std::string ocres(const std::string& args) {
    int status = 0;
    const std::string cmd = std::string(OCRES_CLI) + " " + args;
    const std::string out = deploy::testing::run_command(cmd + " 2>" + path("stderr.txt"), &status);
    std::ifstream err(path("stderr.txt"));
    std::stringstream log;
    log << err.rdbuf();
    EXPECT_EQ(status, 0) << cmd << "\n" << out << log.str();
    return out;
  }
  // Runs `ocres deploy ...` expected to fail at startup; returns stdout + stderr.
  std::string failing_deploy(const std::string& args) {
    int status = 0;
    const std::string cmd = std::string(OCRES_CLI) + " deploy --task lift --residual none " + args;
    const std::string out = deploy::testing::run_command(cmd + " 2>&1", &status);
    EXPECT_NE(status, 0) << cmd << "\n" << out;
    return out;
  }

  void write_residual(const std::string& name, uint64_t seed, const std::string& task, int num_scalars, bool zero_output) {
    deploy::testing::write_test_residual(path(name), task, num_scalars, seed, zero_output);
  }
  // A GR00T base description; no server needs to run for the startup checks.
  std::string write_gr00t(int port, bool images) {
    return deploy::testing::write_gr00t_config(path(images ? "gr00t_images.yaml" : "gr00t.yaml"), port, images);
  }

  // `ocres deploy` of `episodes` episodes from seed 1000, in process or through a fresh sim-bridge.
  nlohmann::json deploy(bool in_process, const std::string& task, const std::string& base, const std::string& residual,
                        int episodes) {
    std::string robot = "--robot sim:lab";
    std::optional<Child> bridge;
    if (!in_process) {
      bridge.emplace(std::vector<std::string>{OCRES_CLI, "sim-bridge", "--task", task, "--domain", "lab", "--exit-on-stdin-eof"});
      const auto ports = nlohmann::json::parse(bridge->first_line());
      robot = "--robot " + ports["robot"].get<std::string>() + " --poses " + ports["poses"].get<std::string>();
    }
    const std::string out = ocres("deploy --task " + task + " " + robot + " --base " + path(base) + " --residual " + path(residual) +
                                  " --episodes " + std::to_string(episodes) + " --seed 1000 --rate-hz 1000 --json");
    const auto j = nlohmann::json::parse(out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << out;
    if (j.is_discarded()) return j;
    EXPECT_EQ(j["episodes"].get<int>(), episodes);
    EXPECT_EQ(j["safety_stops"].get<int>(), 0) << out;
    return j;
  }

  // In process vs through the bridge, episode by episode (see the file comment for the tolerance).
  void expect_same_episodes(const nlohmann::json& in_process, const nlohmann::json& bridged, int episodes) {
    int same = 0;
    for (int e = 0; e < episodes; ++e) {
      const auto& a = in_process["per_episode"][e];
      const auto& b = bridged["per_episode"][e];
      EXPECT_EQ(a["seed"], b["seed"]);
      EXPECT_EQ(a["pose_missing_scalars_ticks"].get<int>(), 0);
      const bool agree = a["success"] == b["success"] && a["ticks"] == b["ticks"] &&
                         std::abs(a["return"].get<double>() - b["return"].get<double>()) < 1e-6 &&
                         a["pose_invalid_ticks"] == b["pose_invalid_ticks"];
      same += agree;
      std::printf("episode %d: in process %s in %d ticks, return %.9f, pose invalid %d; bridge %s in %d ticks, return %.9f, pose "
                  "invalid %d%s\n",
                  e, a["success"].get<bool>() ? "success" : "failure", a["ticks"].get<int>(), a["return"].get<double>(),
                  a["pose_invalid_ticks"].get<int>(), b["success"].get<bool>() ? "success" : "failure", b["ticks"].get<int>(),
                  b["return"].get<double>(), b["pose_invalid_ticks"].get<int>(), agree ? "" : "  <- differs");
    }
    std::printf("in process %d/%d, bridge %d/%d successes; %d/%d episodes identical\n", in_process["successes"].get<int>(), episodes,
                bridged["successes"].get<int>(), episodes, same, episodes);
    EXPECT_GE(same, episodes - 1);
    EXPECT_LE(std::abs(in_process["successes"].get<int>() - bridged["successes"].get<int>()), 1);
  }

  deploy::testing::ScratchDir dir_{"ocres_deploy_sim_robot"};
};

// Cube Lift with a BC "VLA" trained on 8 demos (2 of these 8 episodes succeed in lab) and a
// zero-initialised residual: in process, through the bridge, and in the evaluation code (what `ocres
// eval` runs) -- the same episodes. (The random residual is exercised by the drawer test below.)
TEST_F(DeploySimRobot, InProcessRobotMatchesTheBridgeAndTheEvaluationOnLift) {
  ocres("train-base --task lift --domain lab --demos 8 --steps 1000 --out " + path("base.safetensors"));
  write_residual("zero.safetensors", 1, "lift", 0, /*zero_last=*/true);
  const int episodes = 8;
  const nlohmann::json in_process = deploy(true, "lift", "base.safetensors", "zero.safetensors", episodes);
  const nlohmann::json bridged = deploy(false, "lift", "base.safetensors", "zero.safetensors", episodes);
  ASSERT_FALSE(in_process.is_discarded() || bridged.is_discarded());
  expect_same_episodes(in_process, bridged, episodes);

  learn::ResidualEvalConfig rc;
  rc.task = "lift";
  rc.domain = "lab";
  rc.base_path = path("base.safetensors");
  rc.residual_path = path("zero.safetensors");
  rc.episodes = episodes;
  rc.seed = 1000;
  rc.use_estimator = true;
  const std::vector<eval::EpisodeStats> evaluated = learn::evaluate_residual(rc);
  int evaluated_successes = 0, same_outcome = 0, same_length = 0;
  for (int e = 0; e < episodes; ++e) {
    const auto& d = in_process["per_episode"][e];
    EXPECT_EQ(d["seed"].get<uint64_t>(), evaluated[e].seed);
    evaluated_successes += evaluated[e].success;
    same_outcome += d["success"].get<bool>() == evaluated[e].success;
    same_length += d["ticks"].get<int>() == evaluated[e].length;
  }
  std::printf("evaluation %d/%d successes; in-process deploy has the evaluation's outcome in %d/%d and length in %d/%d episodes\n",
              evaluated_successes, episodes, same_outcome, episodes, same_length, episodes);
  // Within noise: the evaluation and the deployment share seeds, layout, gate and estimator stream, so
  // at most one episode may differ (as for the bridge in e2e_test.cc).
  EXPECT_LE(std::abs(in_process["successes"].get<int>() - evaluated_successes), 1);
  EXPECT_GE(same_outcome, episodes - 1);
  EXPECT_GE(same_length, episodes - 1);
}

// Close Drawer: the residual reads the drawer's opening, which the in-process robot hands over with the
// first object's estimate exactly as sim-bridge puts it on the pose stream.
TEST_F(DeploySimRobot, InProcessDrawerSendsTheOpeningWithTheEstimateAsTheBridgeDoes) {
  ocres("demos --task drawer --domain lab --count 2 --out " + path("drawer_demos.hdf5"));
  write_residual("drawer_random.safetensors", 3, "drawer", 1, /*zero_last=*/false);
  const nlohmann::json in_process = deploy(true, "drawer", "drawer_demos.hdf5", "drawer_random.safetensors", 2);
  const nlohmann::json bridged = deploy(false, "drawer", "drawer_demos.hdf5", "drawer_random.safetensors", 2);
  ASSERT_FALSE(in_process.is_discarded() || bridged.is_discarded());
  expect_same_episodes(in_process, bridged, 2);
}

TEST_F(DeploySimRobot, BadBackendCombinationsFailAtStartupNamingTheValue) {
  const std::string blind = " --base " + write_gr00t(1, false);
  const std::string seeing = " --base " + write_gr00t(1, true);
  auto expect_has = [](const std::string& out, const std::string& needle) {
    EXPECT_NE(out.find(needle), std::string::npos) << "expected '" << needle << "' in:\n" << out;
  };
  std::string out = failing_deploy("--robot sim --poses tcp://127.0.0.1:5999" + blind);
  expect_has(out, "--poses 'tcp://127.0.0.1:5999'");
  expect_has(out, "in-process robot");
  expect_has(failing_deploy("--robot sim:atlantis" + blind), "unknown domain 'atlantis'");
  expect_has(failing_deploy("--robot sim:" + blind), "--robot 'sim:' names no domain");
  expect_has(failing_deploy("--robot simulator" + blind), "--robot 'simulator' is neither");
  expect_has(failing_deploy("--robot tcp://127.0.0.1:5998 --poses estimator" + blind), "--poses 'estimator' needs the in-process robot");
  expect_has(failing_deploy("--robot tcp://127.0.0.1:5998" + blind), "needs --poses");
  expect_has(failing_deploy("--robot sim --poses everything" + blind), "poses 'everything'");
  expect_has(failing_deploy("--robot sim --objects block" + blind), "--objects 'block'");
  expect_has(failing_deploy("--robot tcp://127.0.0.1:5998 --poses tcp://127.0.0.1:5999 --images 64" + blind), "--images 64");
  // A base policy that looks at cameras: the in-process robot must render them.
  out = failing_deploy("--robot sim" + seeing);
  expect_has(out, "camera 'front'");
  expect_has(out, "--images");
}

// A VLA stand-in (GR00T protocol) that checks every request carries both cameras as (1, 224, 224, 3)
// uint8 frames that are not blank: the in-process robot renders them (96 px, resampled by the runtime).
TEST_F(DeploySimRobot, InProcessRobotRendersTheCamerasTheBaseLooksAt) {
  Child server({"/usr/bin/python3", deploy::testing::source_dir() + "/tests/io/peers/gr00t_server.py", "--watch-stdin", "--hold",
                "--expect-image", "video.front=1,224,224,3", "--expect-image", "video.wrist=1,224,224,3", "--image-log",
                path("images.log")});
  const int ticks = 20;
  const std::string out = ocres("deploy --task lift --robot sim --images 96 --base " + write_gr00t(server.port(), true) +
                                " --residual none --episodes 1 --max-ticks " + std::to_string(ticks) + " --rate-hz 1000 --json");
  const auto j = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << out;
  EXPECT_EQ(j["safety_stops"].get<int>(), 0) << out;
  EXPECT_EQ(j["per_episode"][0]["ticks"].get<int>(), ticks) << out;
  std::map<std::string, int> seen = deploy::testing::read_image_log(path("images.log"), [](const deploy::testing::LoggedImage& im) {
    EXPECT_EQ(im.shape, "1,224,224,3") << im.line;
    EXPECT_EQ(im.dtype, "|u1") << im.line;
    EXPECT_LT(im.min, im.max) << im.line;  // rendered, not blank
  });
  EXPECT_GE(seen["video.front"], 3);  // 20 ticks of 8-step chunks
  EXPECT_EQ(seen["video.front"], seen["video.wrist"]);
}

}  // namespace
}  // namespace ocres
