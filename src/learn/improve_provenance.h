#pragma once
// Provenance of the datasets that re-train a base policy (`ocres improve`, docs/improve.md): which
// checkpoints produced the episodes (path + SHA-256 of the content), in which domain, from which seeds,
// how many episodes were run and kept, and by which filter. Stored twice:
//  * per episode, as the string attribute `provenance` of /data/demo_N (a JSON object), so merging
//    datasets keeps it;
//  * per dataset, in /data env_args: {"task", "domain", "source": "merge" | "rollouts", "sources": [
//    {"provenance": <one distinct per-episode object>, "episodes": <how many episodes carry it>}, ...]}.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "learn/demos.h"

namespace ocres::learn {

// SHA-256 (FIPS 180-4) as lowercase hex, what `sha256sum` prints.
std::string sha256_hex(std::string_view bytes);
// Throws InputError naming the file if it cannot be read.
std::string sha256_file(const std::string& path);

// A file named by its path (absolute, links resolved) and content hash.
struct FileRef {
  std::string path, sha256;
};
FileRef file_ref(const std::string& path);

// The provenance of episodes collected by running a base (and optionally a residual).
struct RolloutProvenance {
  std::string task, domain;
  FileRef base;
  FileRef residual;              // path empty: the base alone
  uint64_t collection_seed = 0;  // episode j used episode_seed(collection_seed, j)
  int episodes = 0;              // episodes run
  int kept = 0;                  // episodes that passed the filter
  std::string filter = "success";
  int round = 0;                 // self-improvement round (1-based)
  std::string arm;               // "corrected" (base + residual) or "control" (base alone)
};
// {"kind": "rollouts", "task", "domain", "base": {"path", "sha256"}, "residual": {...} | null,
//  "collection_seed", "episodes", "kept", "filter", "round", "arm"}
std::string rollout_provenance_json(const RolloutProvenance& p);

// Provenance of an episode of a dataset that has none per episode (e.g. `ocres demos` output):
// {"kind": "dataset", "path", "sha256", "env_args": <the file's env_args object>}.
std::string file_provenance_json(const FileRef& file, const std::string& env_args_json);

// Loads a dataset; episodes without per-episode provenance get the file's (file_provenance_json).
// `env_args` receives the file's env_args.
std::vector<EpisodeRecord> load_with_provenance(const std::string& path, std::string* env_args = nullptr);

// env_args of a dataset made of `episodes` (all of `task`, observed in `domain`): task, domain,
// version, action and control_hz as `ocres demos` writes them, `source`, and the distinct per-episode
// provenance records with their episode counts (in order of first appearance).
// `collections`: JSON objects (rollout_provenance_json) of every collection that fed the dataset, kept
// episodes or not, under "collections" (so an empty success set is on record too).
std::string dataset_env_args(const std::string& task, const std::string& domain, const std::string& source,
                             const std::vector<EpisodeRecord>& episodes, const std::vector<std::string>& collections = {});

// Task and domain of a dataset's env_args; throws InputError naming `path` if they are missing.
struct DatasetTaskDomain {
  std::string task, domain;
};
DatasetTaskDomain dataset_task_domain(const std::string& env_args_json, const std::string& path);

// Concatenates datasets of one task and one domain into `out` (atomically, through io::DatasetWriter),
// keeping each episode's provenance. Throws InputError for a missing file, no input, or inputs of
// different tasks or domains. Returns the number of episodes written.
int merge_datasets(const std::vector<std::string>& inputs, const std::string& out);

}  // namespace ocres::learn
