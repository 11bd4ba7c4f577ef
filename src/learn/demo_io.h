#pragma once
// Episode records <-> robomimic HDF5 (io/dataset.h). env_args records task, domain, seeds, version and
// provenance, as JSON.
#include <string>
#include <vector>

#include "learn/demos.h"

namespace ocres::learn {

void save_episodes(const std::string& path, const std::vector<EpisodeRecord>& episodes, const std::string& env_args_json);
// Throws InputError (naming the file) for a missing, truncated or malformed dataset.
std::vector<EpisodeRecord> load_episodes(const std::string& path, std::string* env_args_json = nullptr);

}  // namespace ocres::learn
