#pragma once
// Classifies why an episode failed, from per-step signals every task reports (grasped, progress) and
// the TCP's distance to where the hand grasps the task's first object (TaskInfo::grasp_point_O). The
// categories are the base-policy failures the paper describes: hovering / missed grasp, stopped short,
// misaligned, dropped; plus never reached and timeout.
#include <string>

#include "eval/outcome.h"
#include "sim/env.h"

namespace ocres::eval {


// Accumulates one episode's signals; call observe() after every step, classify() at the end.
class FailureClassifier {
 public:
  explicit FailureClassifier(const sim::TaskInfo& task)
      : requires_grasp_(task.requires_grasp), grasp_point_O_(task.grasp_point_O) {}
  void observe(const Observation& obs, const sim::StepResult& r);
  Outcome classify() const;

 private:
  bool requires_grasp_;
  Vec3 grasp_point_O_;
  bool success_ = false, failed_ = false, ever_grasped_ = false, grasped_now_ = false;
  double min_distance_m_ = 1e9, max_progress_ = 0, final_progress_ = 0;
};

}  // namespace ocres::eval
