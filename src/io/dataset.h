#pragma once
// Demonstrations and rollouts as robomimic-layout HDF5 (what robomimic, and h5py users, read):
//   /data                 attrs: total (int64, samples over all episodes), env_args (JSON string)
//   /data/demo_N          attrs: num_samples (int64), seed (uint64), success (int8), plus optional UTF-8
//                         string attributes (EpisodeData::string_attrs; e.g. `provenance`, a JSON object)
//   /data/demo_N/actions  float32 [T, A]
//   /data/demo_N/rewards  float32 [T]
//   /data/demo_N/dones    uint8   [T]
//   /data/demo_N/obs/<key> float32 [T, D]
//   /data/demo_N/obs/<camera>_image uint8 [T, H, W, C]  RGB (C = 3), top row first; chunked one frame
//                         per chunk and gzip-compressed (robomimic's camera names: agentview_image,
//                         robot0_eye_in_hand_image)
//   /mask/<split>         variable-length strings naming episodes ("demo_0", ...)
// Writing is atomic: the file is built at <path>.partial and renamed on close(); a writer destroyed
// without close() removes the partial file. Reading validates the layout and throws InputError
// naming the file and the problem (truncated, corrupt, inconsistent lengths).
// Debian's HDF5 is not thread-safe: every call goes through one process-wide lock in dataset.cc.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ocres::io {

// Frames of one camera over an episode: length x height x width x channels, row-major.
struct ImageSeries {
  int height = 0, width = 0, channels = 3;
  std::vector<uint8_t> pixels;  // empty when read without images (the shape is still filled in)
};

struct EpisodeData {
  int length = 0;
  int action_dim = 0;
  std::vector<float> actions;  // length x action_dim, row-major
  std::vector<float> rewards;  // length
  std::vector<uint8_t> dones;  // length
  std::map<std::string, std::pair<int, std::vector<float>>> obs;  // key -> (dim, length x dim)
  std::map<std::string, ImageSeries> images;                      // obs key -> frames
  uint64_t seed = 0;
  bool success = false;
  // Extra per-episode attributes, stored as variable-length UTF-8 strings on /data/demo_N; reading
  // returns every string attribute of the group. Names must not clash with the ones above.
  std::map<std::string, std::string> string_attrs;
};

class DatasetWriter {
 public:
  DatasetWriter(const std::string& path, const std::string& env_args_json);
  ~DatasetWriter();
  DatasetWriter(const DatasetWriter&) = delete;
  DatasetWriter& operator=(const DatasetWriter&) = delete;

  // Returns the episode's name ("demo_<index>").
  std::string add_episode(const EpisodeData& episode);
  void set_mask(const std::string& split, const std::vector<std::string>& names);
  void close();

 private:
  std::string path_, partial_;
  int64_t file_ = -1;
  int64_t data_ = -1;
  int count_ = 0;
  int64_t total_ = 0;
};

class DatasetReader {
 public:
  explicit DatasetReader(const std::string& path);
  ~DatasetReader();
  DatasetReader(const DatasetReader&) = delete;
  DatasetReader& operator=(const DatasetReader&) = delete;

  const std::string& env_args() const { return env_args_; }
  int64_t total() const { return total_; }
  const std::vector<std::string>& episodes() const { return episodes_; }
  // Image datasets are validated (rank, type, length) always, but their pixels are read only with
  // `images` (a demo with two 224x224 cameras holds ~300 kB per step).
  EpisodeData read(const std::string& name, bool images = false) const;

 private:
  std::string path_;
  int64_t file_ = -1;
  std::string env_args_;
  int64_t total_ = 0;
  std::vector<std::string> episodes_;
};

}  // namespace ocres::io
