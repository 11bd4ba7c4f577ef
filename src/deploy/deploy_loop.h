#pragma once
// The deployment loop (SPEC §6), one tick per control period:
//   1. fresh proprioception from the robot (a failed read or a state that stops advancing: safe stop);
//   2. the base action: element k of the current chunk; chunks come from a worker thread
//      (AsyncChunkSource) and a new one is requested `prefetch_ticks` before the current one runs out;
//      with none ready the tick waits or holds (DeployConfig::no_chunk), up to base_timeout_s;
//   3. the latest object poses through the pose gate (low confidence, stale, non-finite or jumping:
//      the whole object block is zeroed, the fallback the residual learned through dropout);
//   4. δ = residual(obs) with the SAME observation layout and normaliser as training
//      (policy::build_residual_obs, ResidualModel::obs_norm), bounded; command = safety_clamp(a_base ⊕ δ);
//   5. send; log the step; stop on divergence.
// The tick allocates nothing (tests/deploy/tick_alloc_test.cc). Safety triggers go to the observer with
// the last ticks (TickRing).
#include <array>
#include <chrono>
#include <string>
#include <vector>

#include "deploy/async_chunk_source.h"
#include "deploy/deploy_config.h"
#include "deploy/episode_log.h"
#include "deploy/interfaces.h"
#include "deploy/safety.h"
#include "policy/residual_file.h"

namespace ocres::deploy {

enum class EpisodeEnd {
  kRunning,
  kTerminated,  // the robot (simulator) reported success/failure
  kTruncated,   // the robot reported its time limit, or max_ticks was reached
  kSafetyStop,  // a stop trigger (EpisodeResult::stop_kind)
};
const char* episode_end_name(EpisodeEnd e);

struct EpisodeResult {
  uint64_t episode = 0, seed = 0;
  EpisodeEnd end = EpisodeEnd::kRunning;
  SafetyKind stop_kind = SafetyKind::kCount;  // when end == kSafetyStop
  const char* stop_detail = "";
  bool success = false;  // as reported by the robot (simulators); false otherwise
  int ticks = 0;
  double episode_return = 0;
  std::array<int, static_cast<int>(SafetyKind::kCount)> triggers{};  // count per kind
  int pose_invalid_ticks = 0, held_ticks = 0, chunks = 0;
  int pose_missing_scalars_ticks = 0;  // of pose_invalid_ticks: gated pose fine, task scalars missing
  double max_divergence_m = 0;
};

// Per-tick timing (µs), also logged.
struct TickTiming {
  float total = 0, state_read = 0, base_wait = 0, compute = 0, command_send = 0, start_jitter = 0;
};

class DeployLoop {
 public:
  // `residual` may be null (base policy alone). Throws InputError if the residual does not fit
  // `num_objects`. A residual that needs task scalars (the drawer's opening) takes them from the first
  // object's estimate; an estimate without them counts as invalid.
  DeployLoop(const DeployConfig& config, policy::ResidualModel* residual, int num_objects, RobotInterface& robot,
             PoseSource& poses, AsyncChunkSource& base, DeployObserver* observer = nullptr);

  // Runs one episode at the configured rate; `log` (optional) records it.
  EpisodeResult run_episode(uint64_t episode, uint64_t seed, EpisodeLog* log);

  // The same episode tick by tick (tests, benchmarks): begin, then tick() until it returns false.
  // begin_episode returns false if the episode could not start (result().end says why).
  bool begin_episode(uint64_t episode, uint64_t seed, EpisodeLog* log);
  bool tick(float start_jitter_us = 0);
  const EpisodeResult& result() const { return result_; }
  const TickTiming& last_timing() const { return timing_; }
  const DeployConfig& config() const { return config_; }

 private:
  using Clock = std::chrono::steady_clock;
  bool stop(SafetyKind kind, const char* detail, double value = 0);
  void report(SafetyKind kind, const char* detail, double value);
  // Gets the base action for this tick; false if the episode must stop. Sets held_.
  bool base_action(Action& out);
  void request_chunk();

  DeployConfig config_;
  policy::ResidualModel* residual_;
  int num_objects_;
  RobotInterface& robot_;
  PoseSource& poses_;
  AsyncChunkSource& base_;
  DeployObserver* observer_;
  policy::ResidualObsLayout layout_;
  perception::PoseGate gate_;
  TickRing ring_;
  EpisodeLog* log_ = nullptr;
  EpisodeResult result_;
  TickTiming timing_;

  // Episode state.
  int t_ = 0;
  BridgeState state_, reply_;
  double last_stamp_s_ = 0, episode_start_stamp_s_ = 0;
  Clock::time_point last_fresh_, next_tick_;
  Action last_command_;
  bool have_chunk_ = false, requested_ = false, awaiting_ = false, held_ = false;
  int chunk_start_ = 0, request_tick_ = 0;
  Clock::time_point request_time_;
  std::vector<Action> chunk_;
  double diverged_since_s_ = -1;
  uint64_t seq_ = 0;
  std::array<bool, static_cast<int>(SafetyKind::kCount)> reported_{};

  // Fixed work buffers.
  std::array<perception::PoseEstimate, kMaxObjects> estimates_{};
  std::array<double, kMaxTaskScalars> scalars_seen_{};  // task scalars of the last usable estimate
  std::array<Pose, kMaxObjects> poses_seen_{};
  std::vector<float> obs_, delta_;
  Observation base_obs_;
};

}  // namespace ocres::deploy
