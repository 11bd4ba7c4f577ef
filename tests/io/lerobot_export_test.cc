// tools/hdf5_to_lerobot.py in its --check mode (h5py + numpy only; no lerobot, no pyarrow): the plan it
// makes for datasets written by io::DatasetWriter is a LeRobot v2.1 dataset at 20 fps with GR00T's
// modality.json, and bad input is a clear error.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "io/dataset.h"

namespace ocres::io {
namespace {

std::string tmp(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return "/tmp/ocres_lerobot_" + std::string(info->name()) + "_" + std::to_string(::getpid()) + "_" + name;
}

bool have_h5py() { return std::system("/usr/bin/python3 -c 'import h5py, numpy' 2>/dev/null") == 0; }

struct ToolRun {
  int status = -1;
  std::string out;
};

ToolRun convert(const std::string& args) {
  const std::string tool = std::string(std::getenv("OCRES_SOURCE_DIR")) + "/tools/hdf5_to_lerobot.py";
  const std::string err = tmp("stderr.txt");
  FILE* p = popen(("/usr/bin/python3 " + tool + " " + args + " 2>" + err).c_str(), "r");
  ToolRun r;
  std::array<char, 65536> buf;
  while (p && std::fgets(buf.data(), buf.size(), p)) r.out += buf.data();
  const int raw = p ? pclose(p) : -1;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128;
  FILE* e = std::fopen(err.c_str(), "r");
  while (e && std::fgets(buf.data(), buf.size(), e)) r.out += buf.data();
  if (e) std::fclose(e);
  std::remove(err.c_str());
  return r;
}

// An episode as `ocres demos` writes it for a one-object task (lift), optionally with both cameras.
EpisodeData demo(int length, bool images, bool success = true) {
  EpisodeData e;
  e.length = length;
  e.action_dim = 8;
  for (int t = 0; t < length; ++t) {
    const float a[8] = {0.5f, 0.0f, 0.2f - 0.001f * t, 0.0f, 1.0f, 0.0f, 0.0f, 0.08f};
    e.actions.insert(e.actions.end(), a, a + 8);
    e.rewards.push_back(0.01f * t);
    e.dones.push_back(t + 1 == length);
  }
  e.obs["robot"] = {10, std::vector<float>(length * 10, 0.1f)};
  e.obs["robot_q"] = {7, std::vector<float>(length * 7, 0.2f)};
  e.obs["object_poses"] = {7, std::vector<float>(length * 7, 0.3f)};
  if (images)
    for (const char* key : {"agentview_image", "robot0_eye_in_hand_image"}) {
      ImageSeries im{16, 16, 3, std::vector<uint8_t>(static_cast<size_t>(length) * 16 * 16 * 3)};
      for (size_t i = 0; i < im.pixels.size(); ++i) im.pixels[i] = static_cast<uint8_t>(i % 251);
      e.images[key] = std::move(im);
    }
  e.success = success;
  return e;
}

std::string write(const std::string& path, const std::vector<EpisodeData>& episodes) {
  DatasetWriter w(path, R"({"task": "lift", "domain": "sim", "control_hz": 20})");
  std::vector<std::string> names;
  for (const auto& e : episodes) names.push_back(w.add_episode(e));
  w.set_mask("train", names);
  w.close();
  return path;
}

nlohmann::json check_plan(const std::string& path, const std::string& extra = "") {
  const ToolRun r = convert(path + " --check " + extra);
  EXPECT_EQ(r.status, 0) << r.out;
  const auto plan = nlohmann::json::parse(r.out.substr(0, r.out.find('\n')), nullptr, false);
  EXPECT_FALSE(plan.is_discarded()) << r.out;
  return plan;
}

TEST(LerobotExport, PlansAV21DatasetWithVideosAndGr00tModalities) {
  if (!have_h5py()) GTEST_SKIP() << "no python3-h5py";
  const std::string path = write(tmp("demos.hdf5"), {demo(5, true), demo(3, true), demo(12, true)});
  const nlohmann::json plan = check_plan(path);
  const auto& info = plan["info"];
  EXPECT_EQ(info["codebase_version"], "v2.1");
  EXPECT_EQ(info["fps"], 20);
  EXPECT_EQ(info["total_episodes"], 3);
  EXPECT_EQ(info["total_frames"], 20);
  EXPECT_EQ(info["total_tasks"], 1);
  EXPECT_EQ(info["total_videos"], 6);
  EXPECT_EQ(info["total_chunks"], 1);
  EXPECT_EQ(info["splits"]["train"], "0:3");
  EXPECT_EQ(info["data_path"], "data/chunk-{episode_chunk:03d}/episode_{episode_index:06d}.parquet");
  EXPECT_EQ(info["video_path"], "videos/chunk-{episode_chunk:03d}/{video_key}/episode_{episode_index:06d}.mp4");

  // Features: state = robot (10) + joints (7); action 8; true object poses apart; two cameras.
  const auto& f = info["features"];
  EXPECT_EQ(f["observation.state"]["shape"], nlohmann::json::array({17}));
  EXPECT_EQ(f["observation.state"]["dtype"], "float32");
  EXPECT_EQ(f["observation.state"]["names"][3], "eef_qw");
  EXPECT_EQ(f["observation.state"]["names"].size(), 17u);
  EXPECT_EQ(f["action"]["shape"], nlohmann::json::array({8}));
  EXPECT_EQ(f["action"]["names"][7], "gripper_width");
  EXPECT_EQ(f["observation.environment_state"]["shape"], nlohmann::json::array({7}));
  for (const char* cam : {"observation.images.front", "observation.images.wrist"}) {
    ASSERT_TRUE(f.contains(cam)) << cam;
    EXPECT_EQ(f[cam]["dtype"], "video");
    EXPECT_EQ(f[cam]["shape"], nlohmann::json::array({16, 16, 3}));
    EXPECT_EQ(f[cam]["info"]["video.fps"], 20);
  }
  for (const char* key : {"timestamp", "frame_index", "episode_index", "index", "task_index", "next.reward", "next.done",
                          "annotation.human.task_description"})
    EXPECT_EQ(f[key]["shape"], nlohmann::json::array({1})) << key;

  // Episodes, tasks and the files to write.
  ASSERT_EQ(plan["episodes"].size(), 3u);
  EXPECT_EQ(plan["episodes"][0]["length"], 5);
  EXPECT_EQ(plan["episodes"][1]["length"], 3);
  EXPECT_EQ(plan["episodes"][2]["length"], 12);
  EXPECT_EQ(plan["episodes"][2]["episode_index"], 2);
  EXPECT_EQ(plan["tasks"][0]["task_index"], 0);
  EXPECT_EQ(plan["episodes"][0]["tasks"][0], plan["tasks"][0]["task"]);
  const auto& files = plan["files"];
  for (const char* file : {"meta/info.json", "meta/episodes.jsonl", "meta/tasks.jsonl", "meta/episodes_stats.jsonl",
                           "meta/modality.json", "data/chunk-000/episode_000002.parquet",
                           "videos/chunk-000/observation.images.wrist/episode_000000.mp4"})
    EXPECT_NE(std::find(files.begin(), files.end(), file), files.end()) << file;

  // GR00T: index ranges into observation.state / action, cameras, the language annotation.
  const auto& m = plan["modality"];
  EXPECT_EQ(m["state"]["eef_position"], (nlohmann::json{{"start", 0}, {"end", 3}}));
  EXPECT_EQ(m["state"]["eef_quaternion"]["start"], 3);
  EXPECT_EQ(m["state"]["eef_quaternion"]["end"], 7);
  EXPECT_EQ(m["state"]["eef_quaternion"]["rotation_type"], "quaternion");
  EXPECT_EQ(m["state"]["gripper"], (nlohmann::json{{"start", 7}, {"end", 8}}));
  EXPECT_EQ(m["state"]["joint_position"], (nlohmann::json{{"start", 10}, {"end", 17}}));
  EXPECT_EQ(m["action"]["eef_position"], (nlohmann::json{{"start", 0}, {"end", 3}}));
  EXPECT_EQ(m["action"]["gripper"], (nlohmann::json{{"start", 7}, {"end", 8}}));
  EXPECT_EQ(m["video"]["front"]["original_key"], "observation.images.front");
  EXPECT_EQ(m["video"]["wrist"]["original_key"], "observation.images.wrist");
  EXPECT_TRUE(m["annotation"].contains("human.task_description"));

  // v2.1 per-episode stats: vectors per dimension, images per channel in [0, 1].
  const auto& st = plan["episodes_stats"][2];
  EXPECT_EQ(st["action"]["count"][0], 12);
  EXPECT_EQ(st["action"]["mean"].size(), 8u);
  EXPECT_FLOAT_EQ(st["action"]["min"][2].get<float>(), 0.2f - 0.001f * 11);
  EXPECT_EQ(st["observation.images.front"]["mean"].size(), 3u);
  EXPECT_LE(st["observation.images.front"]["max"][0][0][0].get<double>(), 1.0);
  EXPECT_FLOAT_EQ(st["timestamp"]["max"][0].get<float>(), 11.0f / 20.0f);
  std::filesystem::remove(path);
}

TEST(LerobotExport, WithoutImagesThereAreNoVideos) {
  if (!have_h5py()) GTEST_SKIP() << "no python3-h5py";
  const std::string path = write(tmp("plain.hdf5"), {demo(4, false), demo(6, false, /*success=*/false)});
  const nlohmann::json plan = check_plan(path);
  EXPECT_EQ(plan["info"]["total_videos"], 0);
  EXPECT_TRUE(plan["info"]["video_path"].is_null());
  EXPECT_FALSE(plan["modality"].contains("video"));
  EXPECT_EQ(plan["info"]["total_frames"], 10);
  // Deployment logs hold failures too: --only-success keeps the successful episodes.
  const nlohmann::json ok = check_plan(path, "--only-success --task-text 'lift it'");
  EXPECT_EQ(ok["info"]["total_episodes"], 1);
  EXPECT_EQ(ok["tasks"][0]["task"], "lift it");
  std::filesystem::remove(path);
}

// The writing path, with a stand-in for pyarrow that stores each "Parquet" table as JSON (the real
// pyarrow is not a Debian package): directory layout, meta files, one video per camera and episode.
TEST(LerobotExport, WritesTheDatasetLayout) {
  if (!have_h5py()) GTEST_SKIP() << "no python3-h5py";
  if (std::system("ffmpeg -version >/dev/null 2>&1") != 0) GTEST_SKIP() << "no ffmpeg";
  const std::string stub = tmp("stub");
  std::filesystem::create_directories(stub + "/pyarrow");
  {
    std::FILE* f = std::fopen((stub + "/pyarrow/__init__.py").c_str(), "w");
    std::fputs(
        "import numpy as np\n"
        "def float32():\n    return 'float32'\n"
        "def list_(t, n):\n    return ('list', t, n)\n"
        "def array(values, type=None):\n    return [np.asarray(v).tolist() for v in values]\n"
        "def table(columns):\n    return columns\n",
        f);
    std::fclose(f);
    f = std::fopen((stub + "/pyarrow/parquet.py").c_str(), "w");
    std::fputs("import json\ndef write_table(table, path):\n    json.dump(table, open(path, 'w'))\n", f);
    std::fclose(f);
  }
  const std::string path = write(tmp("demos.hdf5"), {demo(5, true), demo(3, true)});
  const std::string out = tmp("dataset");
  // Without pyarrow: a clear refusal, and nothing left behind.
  const ToolRun r = convert(path + " --out " + out);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("needs pyarrow"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(out));
  const std::string cmd = "PYTHONPATH=" + stub + " /usr/bin/python3 " + std::getenv("OCRES_SOURCE_DIR") +
                          "/tools/hdf5_to_lerobot.py " + path + " --out " + out + " 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  for (const char* file : {"meta/info.json", "meta/episodes.jsonl", "meta/tasks.jsonl", "meta/episodes_stats.jsonl",
                           "meta/stats.json", "meta/modality.json", "data/chunk-000/episode_000000.parquet",
                           "data/chunk-000/episode_000001.parquet"})
    EXPECT_TRUE(std::filesystem::exists(out + "/" + file)) << file;
  for (const char* cam : {"front", "wrist"})
    for (int e = 0; e < 2; ++e) {
      const std::string v = out + "/videos/chunk-000/observation.images." + cam + "/episode_00000" + std::to_string(e) + ".mp4";
      ASSERT_TRUE(std::filesystem::exists(v)) << v;
      EXPECT_GT(std::filesystem::file_size(v), 100u) << v;
    }
  EXPECT_FALSE(std::filesystem::exists(out + ".partial"));
  auto read_json = [](const std::string& p) {
    std::FILE* f = std::fopen(p.c_str(), "r");
    std::string s;
    char buf[4096];
    size_t n;
    while (f && (n = std::fread(buf, 1, sizeof(buf), f)) > 0) s.append(buf, n);
    if (f) std::fclose(f);
    return s;
  };
  const auto info = nlohmann::json::parse(read_json(out + "/meta/info.json"));
  EXPECT_EQ(info, check_plan(path)["info"]);
  const auto table = nlohmann::json::parse(read_json(out + "/data/chunk-000/episode_000001.parquet"));
  EXPECT_EQ(table["index"], nlohmann::json::array({5, 6, 7}));  // global rows continue across episodes
  EXPECT_EQ(table["episode_index"], nlohmann::json::array({1, 1, 1}));
  EXPECT_EQ(table["action"].size(), 3u);
  EXPECT_EQ(table["action"][0].size(), 8u);
  EXPECT_EQ(table["observation.state"][0].size(), 17u);
  EXPECT_EQ(table["next.done"], nlohmann::json::array({false, false, true}));
  const std::string episodes = read_json(out + "/meta/episodes.jsonl");
  EXPECT_EQ(std::count(episodes.begin(), episodes.end(), '\n'), 2);
  const auto stats = nlohmann::json::parse(read_json(out + "/meta/stats.json"));
  EXPECT_EQ(stats["action"]["count"][0], 8);
  std::filesystem::remove_all(out);
  std::filesystem::remove_all(stub);
  std::filesystem::remove(path);
}

TEST(LerobotExport, BadInputIsAClearError) {
  if (!have_h5py()) GTEST_SKIP() << "no python3-h5py";
  const std::string missing = tmp("missing.hdf5");
  ToolRun r = convert(missing + " --check");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("does not exist"), std::string::npos) << r.out;

  const std::string junk = tmp("junk.hdf5");
  FILE* f = std::fopen(junk.c_str(), "wb");
  std::fputs("not an HDF5 file at all", f);
  std::fclose(f);
  r = convert(junk + " --check");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("not a readable HDF5 file"), std::string::npos) << r.out;

  // Actions that are not the 8-dim absolute TCP target.
  EpisodeData e = demo(3, false);
  e.action_dim = 7;
  e.actions.resize(3 * 7);
  const std::string bad = write(tmp("bad.hdf5"), {e});
  r = convert(bad + " --check");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("actions has shape"), std::string::npos) << r.out;

  // Writing needs --out.
  r = convert(bad);
  EXPECT_NE(r.status, 0);
  for (const auto& p : {junk, bad}) std::filesystem::remove(p);
}

}  // namespace
}  // namespace ocres::io
