#include "learn/demo_io.h"

#include "core/action_codec.h"
#include "core/error.h"
#include "io/dataset.h"

namespace ocres::learn {

void save_episodes(const std::string& path, const std::vector<EpisodeRecord>& episodes, const std::string& env_args) {
  io::DatasetWriter w(path, env_args);
  std::vector<std::string> names;
  for (const EpisodeRecord& r : episodes) {
    io::EpisodeData e;
    e.length = r.length;
    e.action_dim = kActionDim;
    e.actions = r.actions;
    e.rewards = r.rewards;
    e.dones.assign(r.dones.begin(), r.dones.end());
    for (const auto& [key, values] : r.obs) e.obs[key] = {r.obs_dims.at(key), values};
    e.seed = r.seed;
    e.success = r.success;
    names.push_back(w.add_episode(e));
  }
  w.set_mask("train", names);
  w.close();
}

std::vector<EpisodeRecord> load_episodes(const std::string& path, std::string* env_args) {
  io::DatasetReader reader(path);
  if (env_args) *env_args = reader.env_args();
  std::vector<EpisodeRecord> out;
  for (const std::string& name : reader.episodes()) {
    io::EpisodeData e = reader.read(name);
    if (e.action_dim != kActionDim)
      throw InputError(path + ": " + name + " has " + std::to_string(e.action_dim) + "-dim actions, expected " +
                       std::to_string(kActionDim) + " (TCP position, quaternion w x y z, gripper width)");
    for (const char* key : {"robot", "object_poses"})
      if (!e.obs.count(key)) throw InputError(path + ": " + name + " lacks obs/" + key);
    EpisodeRecord r;
    r.seed = e.seed;
    r.success = e.success;
    r.length = e.length;
    r.actions = std::move(e.actions);
    r.rewards = std::move(e.rewards);
    r.dones.assign(e.dones.begin(), e.dones.end());
    for (auto& [key, value] : e.obs) {
      r.obs_dims[key] = value.first;
      r.obs[key] = std::move(value.second);
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace ocres::learn
