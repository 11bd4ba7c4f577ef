#pragma once
// Demonstrations and rollouts in memory: what gets written to (and read from) robomimic HDF5.
//
// Per episode, step t holds the observation BEFORE action t:
//   obs/robot_q       (7)      joint positions (rad)
//   obs/robot         (10)     TCP pose (7) + gripper width + finger openings (core/action_codec.h)
//   obs/object_poses  (7 * n)  true object poses in the base frame (task's object order)
//   obs/task_scalars  (m)      task scalars (e.g. drawer opening), only if the task has any
// actions (8): absolute TCP target (7) + gripper width; rewards; dones (1 on the last step).
#include <map>
#include <string>
#include <vector>

#include "core/policy_interface.h"
#include "sim/env.h"

namespace ocres::learn {

struct EpisodeRecord {
  uint64_t seed = 0;  // episode seed: reset(seed) reproduces the start state in any domain
  bool success = false;
  int length = 0;
  std::vector<float> actions;  // length x kActionDim
  std::vector<float> rewards, dones;
  std::map<std::string, std::vector<float>> obs;  // key -> length x dim(key)
  std::map<std::string, int> obs_dims;
};

// Runs one episode of `policy` from env.reset(seed) and records it.
EpisodeRecord record_episode(sim::Env& env, StepPolicy& policy, uint64_t seed);

// Re-executes `demo.actions` open-loop from env.reset(demo.seed) (teleoperation replay): same actions,
// this env's domain and observations. Runs the full recorded length (or until the env terminates).
EpisodeRecord replay_episode(sim::Env& env, const EpisodeRecord& demo);

struct DemoCollectionConfig {
  std::string task = "lift";
  std::string domain = "lab";
  int count = 30;           // successful demos to keep
  int max_attempts = 300;   // give up after this many episodes
  uint64_t seed = 0;        // episode j uses eval::episode_seed(seed, j)
  int threads = 1;
};

struct DemoCollectionResult {
  std::vector<EpisodeRecord> demos;  // successful only, in attempt order
  int attempts = 0;
};

// Teleoperator-emulated demonstrations (TeleopEmulator around the task's expert); keeps successes.
DemoCollectionResult collect_demos(const DemoCollectionConfig& config);

}  // namespace ocres::learn
