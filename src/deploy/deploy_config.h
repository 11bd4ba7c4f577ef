#pragma once
// Configuration of the deployment loop: a plain struct with defaults, loaded from YAML (strict: an
// unknown key is an error). Every default reproduces the in-simulation evaluation
// (learn/residual_eval), so a residual behaves on the robot as it did in `lab`.
#include <string>

#include "core/config.h"
#include "perception/pose_gate.h"
#include "policy/residual_action.h"

namespace ocres::deploy {

// What the loop does when a tick needs a base action and the next chunk has not arrived.
enum class NoChunkPolicy {
  kWait,  // block the tick until the chunk arrives (or base_timeout_s: safe stop); the robot's own
          // controller keeps the last target meanwhile. Reproduces the simulation exactly.
  kHold,  // keep ticking, re-sending the last command (no residual), until the chunk arrives (or
          // base_timeout_s: safe stop).
};
const char* no_chunk_policy_name(NoChunkPolicy p);

struct DeployConfig {
  double rate_hz = 20.0;          // control ticks per second (wall clock)
  int max_ticks = 300;            // episode length when the robot does not end the episode itself
  NoChunkPolicy no_chunk = NoChunkPolicy::kWait;
  int prefetch_ticks = 0;         // request the next chunk this many ticks before the current one ends
  bool skip_elapsed = true;       // a chunk that arrives k ticks after its request starts at element k
  double base_timeout_s = 2.0;    // no usable chunk this long after asking: safe stop
  policy::SafetyLimits limits;    // workspace box, per-tick translation/rotation limits
  double max_residual = 1.0;      // per-component bound on the residual (normalised units, <= 1)
  double max_state_age_s = 0.5;   // no fresh proprioception for this long (loop clock): safe stop
  double divergence_m = 0.20;     // commanded vs measured TCP farther than this ... (a weak BC pressing on
                                  // the table in lab reaches 0.15 m: not a fault)
  double divergence_s = 1.0;      // ... for longer than this: safe stop
  double max_pose_future_s = 0.1; // an estimate stamped further ahead of the robot clock is ignored
  // A lockstep simulator announces the stamp of the estimate it published with each state
  // (pose_stamp_s); wait at most this long for it to arrive on the pose stream. Real robots never
  // announce one, so this never delays a real tick.
  int pose_sync_timeout_ms = 100;
  perception::PoseGateConfig gate;
  int ring_size = 16;             // ticks of history dumped with every safety event
  int reset_timeout_ms = 5000;    // waiting for a busy base worker before an episode

  // Throws InputError naming the bad field.
  void validate() const;
};

// Reads the YAML map (keys as the field names; `limits` and `gate` are nested maps). Throws InputError.
DeployConfig parse_deploy_config(YamlFields fields);
DeployConfig load_deploy_config(const std::string& path);

}  // namespace ocres::deploy
