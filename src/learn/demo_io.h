#pragma once
// Episode records <-> robomimic HDF5 (io/dataset.h). env_args records task, domain, seeds, version and
// provenance, as JSON. Camera images (EpisodeRecord::images) are stored as obs/<key> uint8 [T, H, W, 3].
// EpisodeRecord::provenance, when set, is the episode's string attribute `provenance` (JSON).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "learn/demos.h"

namespace ocres::io {
class DatasetWriter;
}

namespace ocres::learn {

// Writes episodes one at a time: an episode with images holds ~300 kB per step, so a dataset need not
// fit in memory. Atomic like io::DatasetWriter: nothing appears at `path` before close(), which also
// writes the "train" mask (every episode).
class EpisodeWriter {
 public:
  EpisodeWriter(const std::string& path, const std::string& env_args_json);
  ~EpisodeWriter();
  EpisodeWriter(const EpisodeWriter&) = delete;
  EpisodeWriter& operator=(const EpisodeWriter&) = delete;
  void add(const EpisodeRecord& episode);
  void close();
  int count() const { return static_cast<int>(names_.size()); }

 private:
  std::unique_ptr<io::DatasetWriter> writer_;
  std::vector<std::string> names_;
};

void save_episodes(const std::string& path, const std::vector<EpisodeRecord>& episodes, const std::string& env_args_json);
// Throws InputError (naming the file) for a missing, truncated or malformed dataset. Camera images are
// validated but loaded only with `images`.
std::vector<EpisodeRecord> load_episodes(const std::string& path, std::string* env_args_json = nullptr, bool images = false);
// The same, one episode at a time (in file order), for datasets with images that do not fit in memory.
void read_episodes(const std::string& path, bool images, const std::function<void(EpisodeRecord&&)>& sink,
                   std::string* env_args_json = nullptr);

}  // namespace ocres::learn
