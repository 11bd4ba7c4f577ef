// `ocres demos --images` and `ocres replay --images`: front and wrist camera frames per step, 224x224
// RGB uint8, gzip-compressed one frame per chunk, under robomimic's keys; checked with h5py.
// (Built only with the renderer; skipped where no headless OpenGL context can be made.)
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

std::string tmp(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return "/tmp/ocres_images_" + std::string(info->name()) + "_" + std::to_string(::getpid()) + "_" + name;
}

int run(const std::string& cmd, std::string* output) {
  const std::string log = tmp("log.txt");
  const int raw = std::system((cmd + " >" + log + " 2>&1").c_str());
  std::ifstream in(log);
  *output = std::string(std::istreambuf_iterator<char>(in), {});
  std::remove(log.c_str());
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : 128;
}

// h5py: both cameras, [T, 224, 224, 3] uint8, T = num_samples, compressed chunks of one frame; the
// frames are not blank and the two cameras see different things.
const char* kCheck = R"(
import json, sys
import h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
demos = [k for k in f["data"].keys() if k.startswith("demo_")]
assert len(demos) == 1, demos
g = f["data"][demos[0]]
n = int(g.attrs["num_samples"])
assert n > 10, n
env_args = json.loads(f["data"].attrs["env_args"])
assert env_args["cameras"] == {"agentview_image": "front", "robot0_eye_in_hand_image": "wrist"}, env_args
frames = {}
for key in ("agentview_image", "robot0_eye_in_hand_image"):
    d = g["obs/" + key]
    assert d.shape == (n, 224, 224, 3) and d.dtype == np.uint8, (key, d.shape, d.dtype)
    assert d.compression == "gzip" and d.chunks == (1, 224, 224, 3), (key, d.compression, d.chunks)
    frames[key] = d[()]
    assert frames[key][0].std() > 10, key + ": blank frame"
    assert np.abs(frames[key][0].astype(int) - frames[key][-1].astype(int)).mean() > 1, key + ": nothing moved"
assert np.abs(frames["agentview_image"][0].astype(int) - frames["robot0_eye_in_hand_image"][0].astype(int)).mean() > 10
assert g["obs/robot"].shape == (n, 10) and g["actions"].shape == (n, 8)
print("ok")
)";

TEST(DemoImages, DemosAndTheirReplayCarryFrontAndWristFrames) {
  if (std::system("/usr/bin/python3 -c 'import h5py' 2>/dev/null") != 0) GTEST_SKIP() << "no h5py";
  const std::string demos = tmp("demos.hdf5"), replay = tmp("replay.hdf5"), script = tmp("check.py");
  std::ofstream(script) << kCheck;
  std::string out;
  const int status = run(std::string(OCRES_CLI) + " demos --task lift --domain sim --count 1 --seed 4 --images --out " + demos, &out);
  if (status != 0 && out.find("EGL") != std::string::npos) GTEST_SKIP() << "no headless OpenGL here: " << out;
  ASSERT_EQ(status, 0) << out;
  EXPECT_EQ(run("/usr/bin/python3 " + script + " " + demos, &out), 0) << out;
  // The paired replay in the held-out domain, re-rendered there.
  ASSERT_EQ(run(std::string(OCRES_CLI) + " replay --demos " + demos + " --domain lab --images --out " + replay, &out), 0) << out;
  EXPECT_EQ(run("/usr/bin/python3 " + script + " " + replay, &out), 0) << out;
  for (const auto& p : {demos, replay, script}) std::filesystem::remove(p);
}

TEST(DemoImages, WithoutTheFlagThereAreNoImages) {
  if (std::system("/usr/bin/python3 -c 'import h5py' 2>/dev/null") != 0) GTEST_SKIP() << "no h5py";
  const std::string demos = tmp("demos.hdf5");
  std::string out;
  ASSERT_EQ(run(std::string(OCRES_CLI) + " demos --task lift --domain sim --count 1 --seed 4 --out " + demos, &out), 0) << out;
  EXPECT_EQ(run("/usr/bin/python3 -c \"import h5py; g = h5py.File('" + demos +
                    "', 'r')['data/demo_0/obs']; assert sorted(g.keys()) == ['object_poses', 'robot', 'robot_q'], list(g.keys())\"",
                &out),
            0)
      << out;
  std::filesystem::remove(demos);
}

}  // namespace
