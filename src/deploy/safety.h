#pragma once
// Safety bookkeeping of the deployment loop: what triggered, and the last few ticks before it.
// A stop ends the episode (the robot is told to hold); a clamp changes the command and the episode goes
// on. Every trigger is reported with a snapshot of the recent ticks (a ring buffer, no allocation).
#include <array>
#include <span>
#include <vector>

#include "core/observation.h"
#include "perception/pose_gate.h"

namespace ocres::deploy {

enum class SafetyKind {
  // Stops.
  kRobotLink,        // the robot bridge failed to answer (timeout, dead, malformed)
  kStaleState,       // no fresh proprioception for max_state_age_s
  kBaseTimeout,      // no usable base chunk for base_timeout_s (server slow, dead or erroring)
  kDivergence,       // commanded vs measured TCP too far for too long
  // Clamps (the episode goes on).
  kWorkspace,        // the composed target left the workspace box
  kStepLimit,        // per-tick translation or rotation limit
  kResidualBound,    // the residual exceeded max_residual (or was not finite: zeroed)
  kCount
};
const char* safety_kind_name(SafetyKind k);
inline bool is_stop(SafetyKind k) { return k <= SafetyKind::kDivergence; }

// One tick as the safety log shows it.
struct TickSnapshot {
  int t = -1;
  double stamp_s = 0;        // robot clock
  Vec3 p_measured_m = Vec3::Zero();
  Vec3 p_base_m = Vec3::Zero();
  Vec3 p_command_m = Vec3::Zero();
  double gripper_command_m = 0;
  std::array<float, 7> residual{};
  bool pose_valid = false;
  perception::GateStatus gate = perception::GateStatus::kNoEstimate;
  bool held = false;         // no chunk: last command repeated
};

// Fixed-capacity ring of the most recent ticks.
class TickRing {
 public:
  explicit TickRing(int capacity) : buf_(static_cast<size_t>(capacity)) {}
  void clear() { size_ = head_ = 0; }
  void push(const TickSnapshot& s) {
    buf_[head_] = s;
    head_ = (head_ + 1) % buf_.size();
    size_ = std::min(size_ + 1, buf_.size());
  }
  // Oldest first (allocates: used only when reporting an event).
  std::vector<TickSnapshot> ordered() const {
    std::vector<TickSnapshot> out;
    for (size_t i = 0; i < size_; ++i) out.push_back(buf_[(head_ + buf_.size() - size_ + i) % buf_.size()]);
    return out;
  }

 private:
  std::vector<TickSnapshot> buf_;
  size_t size_ = 0, head_ = 0;
};

struct SafetyEvent {
  SafetyKind kind = SafetyKind::kRobotLink;
  uint64_t episode = 0;
  int t = 0;
  const char* detail = "";  // static text (e.g. the link status or the remote error)
  double value = 0;         // the offending magnitude (m, rad, s), when there is one
};

// Receives events; the app prints them, tests collect them. Called on the control thread.
class DeployObserver {
 public:
  virtual ~DeployObserver() = default;
  virtual void on_safety_event(const SafetyEvent& event, std::span<const TickSnapshot> recent) = 0;
};

}  // namespace ocres::deploy
