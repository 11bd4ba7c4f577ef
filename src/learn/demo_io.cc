#include "learn/demo_io.h"

#include "core/action_codec.h"
#include "core/error.h"
#include "io/dataset.h"

namespace ocres::learn {

EpisodeWriter::EpisodeWriter(const std::string& path, const std::string& env_args)
    : writer_(std::make_unique<io::DatasetWriter>(path, env_args)) {}

EpisodeWriter::~EpisodeWriter() = default;

void EpisodeWriter::add(const EpisodeRecord& r) {
  io::EpisodeData e;
  e.length = r.length;
  e.action_dim = kActionDim;
  e.actions = r.actions;
  e.rewards = r.rewards;
  e.dones.assign(r.dones.begin(), r.dones.end());
  for (const auto& [key, values] : r.obs) e.obs[key] = {r.obs_dims.at(key), values};
  for (const auto& [key, frames] : r.images) e.images[key] = {frames.height, frames.width, 3, frames.rgb};
  e.seed = r.seed;
  e.success = r.success;
  if (!r.provenance.empty()) e.string_attrs["provenance"] = r.provenance;
  names_.push_back(writer_->add_episode(e));
}

void EpisodeWriter::close() {
  writer_->set_mask("train", names_);
  writer_->close();
}

void save_episodes(const std::string& path, const std::vector<EpisodeRecord>& episodes, const std::string& env_args) {
  EpisodeWriter w(path, env_args);
  for (const EpisodeRecord& r : episodes) w.add(r);
  w.close();
}

std::vector<EpisodeRecord> load_episodes(const std::string& path, std::string* env_args, bool images) {
  std::vector<EpisodeRecord> out;
  read_episodes(path, images, [&](EpisodeRecord&& r) { out.push_back(std::move(r)); }, env_args);
  return out;
}

void read_episodes(const std::string& path, bool images, const std::function<void(EpisodeRecord&&)>& sink, std::string* env_args) {
  io::DatasetReader reader(path);
  if (env_args) *env_args = reader.env_args();
  for (const std::string& name : reader.episodes()) {
    io::EpisodeData e = reader.read(name, images);
    if (e.action_dim != kActionDim)
      throw InputError(path + ": " + name + " has " + std::to_string(e.action_dim) + "-dim actions, expected " +
                       std::to_string(kActionDim) + " (TCP position, quaternion w x y z, gripper width)");
    for (const char* key : {"robot", "object_poses"})
      if (!e.obs.count(key)) throw InputError(path + ": " + name + " lacks obs/" + key);
    EpisodeRecord r;
    r.seed = e.seed;
    r.success = e.success;
    if (const auto p = e.string_attrs.find("provenance"); p != e.string_attrs.end()) r.provenance = p->second;
    r.length = e.length;
    r.actions = std::move(e.actions);
    r.rewards = std::move(e.rewards);
    r.dones.assign(e.dones.begin(), e.dones.end());
    for (auto& [key, value] : e.obs) {
      r.obs_dims[key] = value.first;
      r.obs[key] = std::move(value.second);
    }
    if (images)
      for (auto& [key, im] : e.images) {
        if (im.channels != 3) throw InputError(path + ": " + name + " obs/" + key + " has " + std::to_string(im.channels) + " channels, expected RGB");
        r.images[key] = {im.height, im.width, std::move(im.pixels)};
      }
    sink(std::move(r));
  }
}

}  // namespace ocres::learn
