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

TEST(Dataset, TruncatedOrCorruptFilesAreRefused) {
  const std::string path = write_example(tmp("bad.hdf5"));
  const std::string bytes = read_file(path);
  for (size_t cut : {size_t{0}, size_t{100}, bytes.size() / 2, bytes.size() - 10}) {
    write_file_atomic(path, bytes.substr(0, cut));
    EXPECT_THROW(
        {
          DatasetReader r(path);
          for (const auto& n : r.episodes()) r.read(n);
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
      for (const auto& n : r.episodes()) r.read(n);
    } catch (const InputError&) {
    }
  }
  EXPECT_THROW(DatasetReader(tmp("missing.hdf5")), InputError);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace ocres::io
