#pragma once
// Self-improvement (SPEC §1, stage 4; docs/improve.md): roll out base + residual on the robot stand-in
// (`lab`: object poses reach the residual only through the pose-estimator model and the gate), keep the
// successful episodes, and re-train the base by supervised fine-tuning on the demos plus those
// residual-corrected rollouts. The control collects the same number of episodes (the same seeds) with
// the base alone and fine-tunes on the demos plus its own successes. Both re-trained bases are then
// evaluated alone and with the unchanged residual on held-out seeds.
//
// Seeds (everything derives from ImproveConfig::seed and ::eval_seed):
//   collection, round r (both arms): episode j uses episode_seed(derive_seed(seed, r, kCollectionTag), j)
//   fine-tuning, round r (both arms): BcTrainConfig::seed = derive_seed(seed, r, kFineTuneTag)
//   evaluation (every row):           episode j uses episode_seed(eval_seed, j)
// run_improve() refuses (InputError) evaluation seeds that coincide with a demo or collection seed.
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "eval/rollout.h"
#include "learn/bc_trainer.h"
#include "learn/demos.h"

namespace ocres::learn {

inline constexpr uint64_t kCollectionTag = 0xC011EC7;
inline constexpr uint64_t kFineTuneTag = 0xF17E;
// The held-out seed of `ocres eval` (apps/eval_commands.cc): by default the same episodes as its tables.
inline constexpr uint64_t kImproveEvalSeed = 2000000;

// ---------------------------------------------------------------------------------------------------
// Recording rollouts.

struct RolloutCollectionConfig {
  std::string task;
  std::string domain = "lab";  // `lab`: poses through the estimator model and the gate
  std::string base_path;
  std::string residual_path;   // empty: the base alone
  int episodes = 100;
  uint64_t seed = 0;           // episode j: episode_seed(seed, j)
  int threads = 1;
};

struct RolloutCollection {
  // Every episode in index order, recorded as demos are (learn/demos.h): obs before each step, and as
  // action the combined policy's a_base ⊕ δ (before the safety clamp; the base action without residual).
  std::vector<EpisodeRecord> episodes;
  std::vector<eval::EpisodeStats> stats;  // the same episodes as evaluate_residual reports them
};

// Runs the episodes through learn::evaluate_residual (the code `ocres eval` uses) and records them.
// `on_episode_done(done, total)` is called (from worker threads) as episodes finish.
RolloutCollection collect_rollouts(const RolloutCollectionConfig& config,
                                   const std::function<void(int, int)>& on_episode_done = nullptr);

// The success filter: the successful episodes, in their order.
std::vector<EpisodeRecord> keep_successes(std::vector<EpisodeRecord> episodes);

// ---------------------------------------------------------------------------------------------------
// The comparison.

// Fine-tuning defaults: fewer steps and a lower learning rate than training from scratch (4000, 1e-3):
// the weights start close to a solution, and the demos must not be forgotten.
inline BcTrainConfig default_fine_tune_config() {
  BcTrainConfig c;
  c.steps = 2000;
  c.lr = 3e-4;
  return c;
}

struct ImproveConfig {
  std::string task;
  std::string domain = "lab";
  std::string base_path;      // the base to improve (for `lab`: the "real VLA" stand-in)
  std::string residual_path;  // the residual trained in sim on its twin
  std::string demos_path;     // the demos the base was trained on (robomimic HDF5 of `task`)
  std::string out_dir;        // datasets and re-trained bases are written here (see docs/improve.md)
  int episodes = 100;         // collection episodes per arm and round
  int eval_episodes = 100;    // held-out episodes per evaluated row
  int rounds = 1;             // round r fine-tunes round r-1's base on the demos + successes of rounds 1..r
  uint64_t seed = 0;
  uint64_t eval_seed = kImproveEvalSeed;
  int threads = 1;
  BcTrainConfig fine_tune = default_fine_tune_config();  // its seed is replaced per round (see above)
  // An arm whose collection keeps no episode is an error, unless allowed: it is then fine-tuned on the
  // demos alone (noted in the dataset's provenance).
  bool allow_empty = false;
};

// One evaluated (base, with or without residual) pair.
struct ImproveRow {
  std::string task;
  int round = 0;            // 0: the original base
  std::string base;         // "original", "corrected", "control" or "multi-task"
  bool with_residual = false;
  std::string base_path;
  int train_demos = 0;      // episodes its fine-tuning used: demos ...
  int train_rollouts = 0;   // ... and kept rollouts
  int episodes = 0, successes = 0;
  double mean_length = 0;
  double mean_success_length = NAN;  // control steps on successes; NaN without success
  // Per held-out episode j (empty in results written before they were recorded): solved, and its length
  // in control steps. Lets improve-summary compare two bases' lengths on the episodes both solve.
  std::vector<bool> episode_success;
  std::vector<int> episode_length;
  double success_rate() const { return episodes > 0 ? static_cast<double>(successes) / episodes : 0.0; }
};

// One collection (round, arm).
struct CollectionRow {
  std::string task;
  int round = 0;
  std::string arm;  // "corrected" or "control"
  uint64_t collection_seed = 0;
  int episodes = 0, kept = 0;
  std::string dataset;  // the fine-tuning dataset written for this round and arm
  std::string base_out;  // the re-trained base
};

struct ImproveResult {
  std::vector<ImproveRow> rows;
  std::vector<CollectionRow> collections;
  std::string corrected_base, control_base;         // the last round's re-trained bases
  // The last round's fine-tuning data (demos + kept rollouts) of each arm, and their files.
  std::vector<EpisodeRecord> corrected_training_set, control_training_set;
  std::string corrected_dataset, control_dataset;
  int num_demos = 0;
};

// Progress messages for long steps (the library prints nothing; the app does).
using ImproveProgress = std::function<void(const std::string&)>;

// Checks files, tasks, layouts and seeds of `config` without running anything (InputError on bad input).
void validate_improve_inputs(const ImproveConfig& config);

// Validates every input first (files, tasks, layouts, seeds), then runs rounds of collection and
// fine-tuning and the evaluations. Writes under config.out_dir:
//   round<r>/corrected_train.hdf5, round<r>/control_train.hdf5   the fine-tuning datasets (provenance)
//   round<r>/base_corrected.safetensors, round<r>/base_control.safetensors
// Throws InputError for bad input (missing file, residual or demos of another task, empty success set).
ImproveResult run_improve(const ImproveConfig& config, const ImproveProgress& progress = nullptr);

// Evaluates `base_path` (+ `residual_path` if not empty) on episode_seed(eval_seed, j), j < episodes.
ImproveRow evaluate_pair(const std::string& task, const std::string& domain, const std::string& base_path,
                         const std::string& residual_path, int episodes, uint64_t eval_seed, int threads);

}  // namespace ocres::learn
