#pragma once
// The deployment gate (SPEC §6 step 3): the residual gets the estimated object poses only if every
// task object's latest estimate is confident, fresh and plausible; otherwise the WHOLE pose vector is
// zeroed, which triggers the fallback the residual learned through pose dropout.
#include <span>

#include "core/config.h"
#include "perception/estimator_model.h"

namespace ocres::perception {

struct PoseGateConfig {
  double min_confidence = 0.5;
  double max_age_s = 0.25;            // estimate older than this (vs now) is stale
  double max_speed_m_s = 1.5;         // faster apparent motion than this is an implausible jump...
  double max_angular_speed_rad_s = 6.0;
  double jump_margin_m = 0.02;        // ... beyond noise of this size
  int reacquire_after = 3;            // consecutive self-consistent estimates that re-anchor after a jump
};

PoseGateConfig parse_pose_gate(YamlFields fields);

enum class GateStatus { kOk, kNoEstimate, kLowConfidence, kStale, kNonFinite, kJump };
const char* gate_status_name(GateStatus s);

class PoseGate {
 public:
  static constexpr int kMaxObjects = EstimatorModel::kMaxObjects;
  explicit PoseGate(const PoseGateConfig& config = {}) : config_(config) {}
  void reset();
  // Checks the latest estimates at time now_s. Returns kOk when all pass (then `out` holds the poses);
  // otherwise the first failing reason (the caller zeroes the pose vector).
  GateStatus check(double now_s, std::span<const PoseEstimate> estimates, std::span<Pose> out);

 private:
  PoseGateConfig config_;
  std::array<PoseEstimate, kMaxObjects> anchor_{};  // last accepted estimate per object
  std::array<PoseEstimate, kMaxObjects> candidate_{};
  std::array<int, kMaxObjects> consistent_{};
  bool has_anchor_ = false;
};

}  // namespace ocres::perception
