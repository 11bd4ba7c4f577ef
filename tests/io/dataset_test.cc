#include "io/dataset.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/rng.h"

namespace ocres::io {
namespace {

std::string tmp(const std::string& name) { return "/tmp/ocres_ds_" + std::to_string(::getpid()) + "_" + name; }

EpisodeData episode(int length, float base) {
  EpisodeData e;
  e.length = length;
  e.action_dim = 8;
  for (int i = 0; i < length * 8; ++i) e.actions.push_back(base + 0.01f * i);
  for (int t = 0; t < length; ++t) {
    e.rewards.push_back(0.1f * t);
    e.dones.push_back(t + 1 == length);
  }
  e.obs["robot"] = {10, std::vector<float>(length * 10, base)};
  e.obs["object_poses"] = {7, std::vector<float>(length * 7, -base)};
  e.seed = 1234567890123ull;
  e.success = true;
  return e;
}

std::string write_example(const std::string& path) {
  DatasetWriter w(path, R"({"task": "lift", "domain": "lab", "seed": 0, "version": "0.1"})");
  std::vector<std::string> names;
  names.push_back(w.add_episode(episode(5, 1.0f)));
  names.push_back(w.add_episode(episode(3, 2.0f)));
  w.set_mask("train", names);
  w.close();
  return path;
}

TEST(Dataset, RoundTrips) {
  const std::string path = write_example(tmp("rt.hdf5"));
  DatasetReader r(path);
  EXPECT_EQ(r.total(), 8);
  ASSERT_EQ(r.episodes().size(), 2u);
  const EpisodeData e = r.read("demo_1");
  const EpisodeData want = episode(3, 2.0f);
  EXPECT_EQ(e.length, 3);
  EXPECT_EQ(e.actions, want.actions);
  EXPECT_EQ(e.rewards, want.rewards);
  EXPECT_EQ(e.dones, want.dones);
  EXPECT_EQ(e.obs.at("robot").second, want.obs.at("robot").second);
  EXPECT_EQ(e.seed, want.seed);
  EXPECT_TRUE(e.success);
  EXPECT_NE(r.env_args().find("lift"), std::string::npos);
  std::filesystem::remove(path);
}

// Two cameras, frames whose bytes encode (camera, t, pixel) so that misplaced frames show.
EpisodeData episode_with_images(int length, int h, int w) {
  EpisodeData e = episode(length, 1.0f);
  for (int cam = 0; cam < 2; ++cam) {
    ImageSeries im{h, w, 3, {}};
    for (int t = 0; t < length; ++t)
      for (int i = 0; i < h * w * 3; ++i) im.pixels.push_back(static_cast<uint8_t>(cam * 101 + t * 7 + i % 13));
    e.images[cam == 0 ? "agentview_image" : "robot0_eye_in_hand_image"] = std::move(im);
  }
  return e;
}

TEST(Dataset, ImagesRoundTripAndAreReadOnlyOnRequest) {
  const std::string path = tmp("img.hdf5");
  {
    DatasetWriter w(path, R"({"task": "lift"})");
    w.add_episode(episode_with_images(4, 24, 32));
    w.close();
  }
  DatasetReader r(path);
  const EpisodeData want = episode_with_images(4, 24, 32);
  const EpisodeData with = r.read("demo_0", /*images=*/true);
  ASSERT_EQ(with.images.size(), 2u);
  for (const auto& [key, im] : want.images) {
    const ImageSeries& got = with.images.at(key);
    EXPECT_EQ(got.height, 24);
    EXPECT_EQ(got.width, 32);
    EXPECT_EQ(got.channels, 3);
    EXPECT_EQ(got.pixels, im.pixels) << key;
  }
  EXPECT_EQ(with.obs.count("agentview_image"), 0u);  // images are not float observations
  const EpisodeData without = r.read("demo_0");
  ASSERT_EQ(without.images.size(), 2u);
  EXPECT_TRUE(without.images.at("agentview_image").pixels.empty());
  EXPECT_EQ(without.images.at("agentview_image").height, 24);
  EXPECT_EQ(without.obs.at("robot").second, want.obs.at("robot").second);
  std::filesystem::remove(path);
}

TEST(Dataset, H5pyReadsImagesAsCompressedUint8Frames) {
  if (std::system("/usr/bin/python3 -c 'import h5py' 2>/dev/null") != 0) GTEST_SKIP() << "no h5py";
  const std::string path = tmp("pyimg.hdf5");
  {
    DatasetWriter w(path, R"({"task": "lift"})");
    w.add_episode(episode_with_images(3, 20, 10));
    w.close();
  }
  const std::string check =
      "import h5py, numpy as np\n"
      "f = h5py.File('" + path + "', 'r')\n"
      "for k in ('agentview_image', 'robot0_eye_in_hand_image'):\n"
      "    d = f['data/demo_0/obs/' + k]\n"
      "    assert d.shape == (3, 20, 10, 3) and d.dtype == np.uint8, (d.shape, d.dtype)\n"
      "    assert d.compression == 'gzip' and d.chunks == (1, 20, 10, 3), (d.compression, d.chunks)\n"
      "assert f['data/demo_0/obs/agentview_image'][2, 0, 0, 0] == 14\n"
      "assert f['data/demo_0/obs/robot0_eye_in_hand_image'][0, 0, 0, 1] == 102\n";
  const std::string script = tmp("check_img.py");
  std::ofstream(script) << check;
  EXPECT_EQ(std::system(("/usr/bin/python3 " + script).c_str()), 0);
  std::filesystem::remove(script);
  std::filesystem::remove(path);
}

TEST(Dataset, H5pyReadsTheLayout) {
  if (std::system("/usr/bin/python3 -c 'import h5py' 2>/dev/null") != 0) GTEST_SKIP() << "no h5py";
  const std::string path = write_example(tmp("py.hdf5"));
  const std::string script = std::string(std::getenv("OCRES_SOURCE_DIR")) + "/tests/io/check_robomimic.py";
  EXPECT_EQ(std::system(("/usr/bin/python3 " + script + " " + path + " 2").c_str()), 0);
  std::filesystem::remove(path);
}

TEST(Dataset, AWriterThatIsNotClosedLeavesNothingBehind) {
  const std::string path = tmp("killed.hdf5");
  {
    DatasetWriter w(path, "{}");
    w.add_episode(episode(4, 1.0f));
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".partial"));
}

// Datasets written by other tools: a shape the reader does not expect is an InputError naming it,
// never a read past a buffer.
TEST(Dataset, UnexpectedShapesAreRefusedByName) {
  if (std::system("/usr/bin/python3 -c 'import h5py' 2>/dev/null") != 0) GTEST_SKIP() << "no h5py";
  const std::string path = write_example(tmp("shapes.hdf5"));
  auto rewrite = [&](const std::string& key, const std::string& value) {
    const std::string script = tmp("rewrite.py");
    std::ofstream(script) << "import h5py, numpy as np\nf = h5py.File('" << path << "', 'r+')\nif '" << key << "' in f: del f['"
                          << key << "']\nf['" << key << "'] = " << value << "\n";
    EXPECT_EQ(std::system(("/usr/bin/python3 " + script).c_str()), 0);
    std::filesystem::remove(script);
  };
  auto expect_refused = [&](const std::string& needle) {
    try {
      DatasetReader(path).read("demo_1", true);
      ADD_FAILURE() << "accepted " << needle;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  rewrite("data/demo_1/obs/robot", "np.zeros((3, 10, 4), np.float32)");
  expect_refused("rank 3");
  rewrite("data/demo_1/obs/robot", "np.zeros((3, 10), np.float32)");
  rewrite("data/demo_1/obs/agentview_image", "np.zeros((2, 8, 8, 3), np.uint8)");  // 2 frames, 3 steps
  expect_refused("agentview_image");
  rewrite("data/demo_1/obs/agentview_image", "np.zeros((3, 8, 8, 5), np.uint8)");  // 5 channels
  expect_refused("agentview_image");
  std::filesystem::remove(path);
}

TEST(Dataset, TruncatedOrCorruptFilesAreRefused) {
  const std::string path = tmp("bad.hdf5");
  // Plain vectors, and an episode with (compressed, chunked) camera frames.
  const std::string plain = read_file(write_example(path));
  {
    DatasetWriter w(path, "{}");
    w.add_episode(episode_with_images(3, 16, 16));
    w.close();
  }
  const std::string with_images = read_file(path);
  for (const std::string& bytes : {plain, with_images}) {
    for (size_t cut : {size_t{0}, size_t{100}, bytes.size() / 2, bytes.size() - 10}) {
      write_file_atomic(path, bytes.substr(0, cut));
      EXPECT_THROW(
          {
            DatasetReader r(path);
            for (const auto& n : r.episodes()) r.read(n, /*images=*/true);
          },
          InputError)
          << "truncated to " << cut;
    }
    Rng rng(1);
    for (int i = 0; i < 30; ++i) {
      std::string g = bytes;
      for (int k = 0; k < 20; ++k) g[rng.uniform_int(g.size())] = static_cast<char>(rng.next_u64());
      write_file_atomic(path, g);
      try {
        DatasetReader r(path);
        for (const auto& n : r.episodes()) r.read(n, /*images=*/true);
      } catch (const InputError&) {
      }
    }
  }
  EXPECT_THROW(DatasetReader(tmp("missing.hdf5")), InputError);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace ocres::io
