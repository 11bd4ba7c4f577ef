#include "eval/failure_modes.h"

#include <algorithm>

namespace ocres::eval {

void FailureClassifier::observe(const Observation& obs, const sim::StepResult& r) {
  success_ = success_ || r.success;
  failed_ = failed_ || (r.terminated && !r.success);
  ever_grasped_ = ever_grasped_ || r.grasped;
  grasped_now_ = r.grasped;
  if (obs.num_objects > 0) min_distance_m_ = std::min(min_distance_m_, (obs.robot.X_BT.p - obs.X_BO[0] * grasp_point_O_).norm());
  max_progress_ = std::max(max_progress_, r.progress);
  final_progress_ = r.progress;
}

Outcome FailureClassifier::classify() const {
  constexpr double kNear_m = 0.05;  // the TCP came within 5 cm of where it grasps the object
  if (success_) return Outcome::kSuccess;
  if (failed_) return Outcome::kFailedTerminal;
  if (min_distance_m_ > kNear_m && !ever_grasped_) return Outcome::kNeverReached;
  if (requires_grasp_) {
    if (!ever_grasped_) return Outcome::kMissedGrasp;
    if (!grasped_now_ && max_progress_ > final_progress_ + 0.1) return Outcome::kDropped;
    if (!grasped_now_) return Outcome::kMisaligned;  // grasp attempts that never held
  }
  return final_progress_ >= 0.5 ? Outcome::kStoppedShort : Outcome::kMisaligned;
}

}  // namespace ocres::eval
