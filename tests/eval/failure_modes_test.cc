#include "eval/failure_modes.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ocres::eval {
namespace {

Observation obs_at(double distance_m) {
  Observation o;
  o.num_objects = 1;
  o.X_BO[0].p = Vec3(0.5, 0, 0.02);
  o.robot.X_BT.p = o.X_BO[0].p + Vec3(0, 0, distance_m);
  return o;
}

sim::TaskInfo task(bool requires_grasp) {
  sim::TaskInfo info;
  info.requires_grasp = requires_grasp;
  return info;
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
    FailureClassifier c(task(true));
    c.observe(obs_at(0.2), step(false, 0));
    EXPECT_EQ(c.classify(), Outcome::kNeverReached);
  }
  {
    FailureClassifier c(task(true));  // came close, never closed on it: hovering / missed grasp
    c.observe(obs_at(0.03), step(false, 0));
    EXPECT_EQ(c.classify(), Outcome::kMissedGrasp);
  }
  {
    FailureClassifier c(task(true));
    c.observe(obs_at(0.0), step(true, 0.8));
    c.observe(obs_at(0.0), step(false, 0.0));
    EXPECT_EQ(c.classify(), Outcome::kDropped);
  }
  {
    FailureClassifier c(task(true));
    c.observe(obs_at(0.0), step(true, 0.7));
    EXPECT_EQ(c.classify(), Outcome::kStoppedShort);
  }
  {
    FailureClassifier c(task(false));  // pushing task, reached but little progress
    c.observe(obs_at(0.01), step(false, 0.2));
    EXPECT_EQ(c.classify(), Outcome::kMisaligned);
  }
  {
    FailureClassifier c(task(true));
    c.observe(obs_at(0.0), step(true, 1.0, true));
    EXPECT_EQ(c.classify(), Outcome::kSuccess);
  }
}

// Reaching is measured to where the hand grasps the object, not to its frame's origin: the cup's origin
// is the centre of its bottom disc, 6.5 cm from the body the hand closes on.
TEST(FailureClassifier, MeasuresReachingToTheGraspPoint) {
  sim::TaskInfo cup = task(true);
  cup.grasp_point_O = Vec3(0, 0, 0.065);
  Observation o;
  o.num_objects = 1;
  o.X_BO[0].p = Vec3(0.5, 0, 0.03);
  o.X_BO[0].q = Quat(Eigen::AngleAxisd(M_PI / 2, Vec3::UnitY()));  // lying: the axis along +x
  o.robot.X_BT.p = Vec3(0.565, 0, 0.04);                         // 1 cm above the grasp point
  {
    FailureClassifier c(cup);
    c.observe(o, step(false, 0));
    EXPECT_EQ(c.classify(), Outcome::kMissedGrasp);
  }
  {
    FailureClassifier c(task(true));  // measured to the origin, 6.6 cm away
    c.observe(o, step(false, 0));
    EXPECT_EQ(c.classify(), Outcome::kNeverReached);
  }
}

}  // namespace
}  // namespace ocres::eval
