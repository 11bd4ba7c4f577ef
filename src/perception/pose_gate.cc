#include "perception/pose_gate.h"

#include <cmath>

namespace ocres::perception {

PoseGateConfig parse_pose_gate(YamlFields f) {
  PoseGateConfig c;
  f.get_in_range("min_confidence", c.min_confidence, 0, 1);
  f.get_in_range("max_age_s", c.max_age_s, 0, 10);
  f.get_in_range("max_speed_m_s", c.max_speed_m_s, 0, 100);
  f.get_in_range("max_angular_speed_rad_s", c.max_angular_speed_rad_s, 0, 100);
  f.get_in_range("jump_margin_m", c.jump_margin_m, 0, 1);
  f.get_in_range("reacquire_after", c.reacquire_after, 1, 1000);
  f.finish();
  return c;
}

const char* gate_status_name(GateStatus s) {
  switch (s) {
    case GateStatus::kOk: return "ok";
    case GateStatus::kNoEstimate: return "no_estimate";
    case GateStatus::kLowConfidence: return "low_confidence";
    case GateStatus::kStale: return "stale";
    case GateStatus::kNonFinite: return "non_finite";
    case GateStatus::kJump: return "jump";
  }
  return "?";
}

void PoseGate::reset() {
  anchor_ = {};
  candidate_ = {};
  consistent_ = {};
  has_anchor_ = false;
}

namespace {
bool plausible(const PoseEstimate& from, const PoseEstimate& to, const PoseGateConfig& c) {
  const double dt = std::max(0.0, to.stamp_s - from.stamp_s);
  const double dp = (to.X_BO.p - from.X_BO.p).norm();
  const double dr = angle_between(to.X_BO.q, from.X_BO.q);
  return dp <= c.max_speed_m_s * dt + c.jump_margin_m && dr <= c.max_angular_speed_rad_s * dt + 0.2;
}
}  // namespace

GateStatus PoseGate::check(double now_s, std::span<const PoseEstimate> est, std::span<Pose> out) {
  GateStatus status = GateStatus::kOk;
  for (size_t i = 0; i < est.size() && status == GateStatus::kOk; ++i) {
    const PoseEstimate& e = est[i];
    if (e.stamp_s < 0) status = GateStatus::kNoEstimate;
    else if (!e.X_BO.p.allFinite() || !e.X_BO.q.coeffs().allFinite() || !std::isfinite(e.confidence) ||
             std::abs(e.X_BO.q.norm() - 1.0) > 1e-3)
      status = GateStatus::kNonFinite;
    else if (e.confidence < config_.min_confidence) status = GateStatus::kLowConfidence;
    else if (now_s - e.stamp_s > config_.max_age_s) status = GateStatus::kStale;
  }
  if (status != GateStatus::kOk) return status;
  // Plausibility against the last accepted estimate; a jump is accepted only after `reacquire_after`
  // consecutive estimates agree with each other (the object really moved, e.g. it was knocked over).
  bool jump = false;
  for (size_t i = 0; i < est.size(); ++i) {
    if (!has_anchor_ || plausible(anchor_[i], est[i], config_)) {
      consistent_[i] = 0;
      continue;
    }
    if (consistent_[i] > 0 && plausible(candidate_[i], est[i], config_)) ++consistent_[i];
    else consistent_[i] = 1;
    candidate_[i] = est[i];
    if (consistent_[i] < config_.reacquire_after) jump = true;
  }
  if (jump) return GateStatus::kJump;
  for (size_t i = 0; i < est.size(); ++i) {
    anchor_[i] = est[i];
    consistent_[i] = 0;
    out[i] = est[i].X_BO;
  }
  has_anchor_ = true;
  return GateStatus::kOk;
}

}  // namespace ocres::perception
