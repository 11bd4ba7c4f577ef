#include "eval/failure_modes.h"

#include <gtest/gtest.h>

namespace ocres::eval {
namespace {

Observation obs_at(double distance_m) {
  Observation o;
  o.num_objects = 1;
  o.X_BO[0].p = Vec3(0.5, 0, 0.02);
  o.robot.X_BT.p = o.X_BO[0].p + Vec3(0, 0, distance_m);
  return o;
}

sim::StepResult step(bool grasped, double progress, bool success = false) {
  sim::StepResult r;
  r.grasped = grasped;
  r.progress = progress;
  r.success = success;
  r.terminated = success;
  return r;
}

TEST(FailureClassifier, NamesEachFailureMode) {
  {
    FailureClassifier c(true);
    c.observe(obs_at(0.2), step(false, 0));
    EXPECT_EQ(c.classify(), Outcome::kNeverReached);
  }
  {
    FailureClassifier c(true);  // came close, never closed on it: hovering / missed grasp
    c.observe(obs_at(0.03), step(false, 0));
    EXPECT_EQ(c.classify(), Outcome::kMissedGrasp);
  }
  {
    FailureClassifier c(true);
    c.observe(obs_at(0.0), step(true, 0.8));
    c.observe(obs_at(0.0), step(false, 0.0));
    EXPECT_EQ(c.classify(), Outcome::kDropped);
  }
  {
    FailureClassifier c(true);
    c.observe(obs_at(0.0), step(true, 0.7));
    EXPECT_EQ(c.classify(), Outcome::kStoppedShort);
  }
  {
    FailureClassifier c(false);  // pushing task, reached but little progress
    c.observe(obs_at(0.01), step(false, 0.2));
    EXPECT_EQ(c.classify(), Outcome::kMisaligned);
  }
  {
    FailureClassifier c(true);
    c.observe(obs_at(0.0), step(true, 1.0, true));
    EXPECT_EQ(c.classify(), Outcome::kSuccess);
  }
}

}  // namespace
}  // namespace ocres::eval
