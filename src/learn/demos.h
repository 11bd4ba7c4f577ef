#pragma once
// Demonstrations and rollouts in memory: what gets written to (and read from) robomimic HDF5.
//
// Per episode, step t holds the observation BEFORE action t:
//   obs/robot_q       (7)      joint positions (rad)
//   obs/robot         (10)     TCP pose (7) + gripper width + finger openings (core/action_codec.h)
//   obs/object_poses  (7 * n)  true object poses in the base frame (task's object order)
//   obs/task_scalars  (m)      task scalars (e.g. drawer opening), only if the task has any
//   images (optional) camera frames of the same state, uint8 RGB (see StepCamera)
// actions (8): absolute TCP target (7) + gripper width; rewards; dones (1 on the last step).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/policy_interface.h"
#include "sim/env.h"

namespace ocres::learn {

// One camera over an episode: length x height x width x 3 bytes (RGB, top row first).
struct CameraFrames {
  int height = 0, width = 0;
  std::vector<uint8_t> rgb;
};

struct EpisodeRecord {
  uint64_t seed = 0;  // episode seed: reset(seed) reproduces the start state in any domain
  bool success = false;
  int length = 0;
  std::vector<float> actions;  // length x kActionDim
  std::vector<float> rewards, dones;
  std::map<std::string, std::vector<float>> obs;  // key -> length x dim(key)
  std::map<std::string, int> obs_dims;
  std::map<std::string, CameraFrames> images;  // dataset key (e.g. "agentview_image") -> frames
  // Where the episode comes from (JSON; learn/improve_provenance.h), stored per episode so that merged
  // datasets keep it. Empty for freshly recorded demos (their file's env_args says it).
  std::string provenance;
};

// Appends one step's observation (the obs/ keys above) to `rec`: what record_episode() stores, for
// callers that run the episode loop themselves (learn/improve.h records base + residual rollouts).
void append_observation(EpisodeRecord& rec, const Observation& obs);

// Captures camera images of the env's current state: called once per recorded step, with the state
// the step's observation was taken from, and appends one frame per camera to `rec.images`. The app
// implements it with the headless renderer (eval/render.h), an optional part of the build that this
// library does not link. Rendering must not change the simulation.
class StepCamera {
 public:
  virtual ~StepCamera() = default;
  virtual void capture(sim::Env& env, EpisodeRecord& rec) = 0;
};

// How many control steps a teleoperator keeps recording after the task's success test first holds.
// A real operator ends the recording once the motion is finished, not the instant a success test we
// defined passes. For the grasp tasks the success instant is the end of the motion, so they stop
// there (0). Close Drawer records its end: the push stops and the hand withdraws. Without those steps
// every state in the data is "still pushing", the behaviour-cloned base never learns where the push
// ends, and it cannot stop short (it pushed every drawer shut, 100%).
int steps_after_success(const std::string& task);

// Runs one episode of `policy` from env.reset(seed) and records it, up to steps_after_success() of the
// env's task past the first success (then `success` means "succeeded at some step").
// With `camera`, every step also gets camera images.
EpisodeRecord record_episode(sim::Env& env, StepPolicy& policy, uint64_t seed, StepCamera* camera = nullptr);

// Re-executes `demo.actions` open-loop from env.reset(demo.seed) (teleoperation replay): same actions,
// this env's domain and observations. Runs the full recorded length, or until the env terminates for a
// task that does not record past success.
EpisodeRecord replay_episode(sim::Env& env, const EpisodeRecord& demo, StepCamera* camera = nullptr);

// `demo` with camera images: re-executes it in `env`, which must be of the domain it was recorded in
// (the simulation is deterministic, so this reproduces the episode exactly), capturing every step.
// Throws InputError if the re-execution departs from the record (a different domain or task).
// Rendering is slow (~10 ms per camera frame), so demos are collected without images, in parallel,
// and the kept ones are re-executed with cameras one at a time.
EpisodeRecord add_images(sim::Env& env, const EpisodeRecord& demo, StepCamera& camera);

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
