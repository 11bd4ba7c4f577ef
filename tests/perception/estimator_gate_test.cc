#include <gtest/gtest.h>

#include <cmath>

#include "perception/estimator_model.h"
#include "perception/pose_gate.h"

namespace ocres::perception {
namespace {

const Pose kTruth{Vec3(0.5, 0.0, 0.02), Quat::Identity()};

TEST(EstimatorModel, ProducesBiasedNoisyLatentEstimatesWithBurstsAndOutliers) {
  EstimatorModelConfig c;
  EstimatorModel model(c);
  Rng rng(1);
  const int episodes = 40, steps = 300;
  int low_conf = 0, outliers = 0, total = 0;
  double err_sum = 0;
  for (int ep = 0; ep < episodes; ++ep) {
    model.reset(rng, 1);
    for (int t = 0; t < steps; ++t) {
      const std::array<Pose, 1> truth{kTruth};
      const auto& est = model.update(t * c.control_period_s, truth, rng);
      if (t < c.latency_steps) {
        EXPECT_LT(est[0].stamp_s, 0);  // nothing yet
        continue;
      }
      EXPECT_NEAR(est[0].stamp_s, (t - c.latency_steps) * c.control_period_s, 1e-12);
      const double err = (est[0].X_BO.p - kTruth.p).norm();
      ++total;
      if (est[0].confidence < 0.5) ++low_conf;
      if (err > 0.04 && est[0].confidence >= 0.5) ++outliers;
      else err_sum += err;
    }
  }
  const double burst_fraction = static_cast<double>(low_conf) / total;
  // Stationary burst fraction ~ p * L / (1 + p * L) = 0.074 for p = 0.01, L = 8.
  EXPECT_GT(burst_fraction, 0.03);
  EXPECT_LT(burst_fraction, 0.15);
  EXPECT_GT(outliers, 0);
  EXPECT_LT(static_cast<double>(outliers) / total, 0.01);
  // Typical error of a few millimetres (bias + drift + noise), never ground truth.
  const double mean_err = err_sum / (total - outliers);
  EXPECT_GT(mean_err, 0.004);
  EXPECT_LT(mean_err, 0.015);
}

// Task scalars (the drawer's opening) ride on the first object's estimate: same latency, the episode's
// position-noise level, and none at all for a task without scalars.
TEST(EstimatorModel, TaskScalarsTravelWithTheFirstObjectsEstimate) {
  EstimatorModelConfig c;
  c.latency_steps = 2;
  EstimatorModel model(c);
  Rng rng(5);
  model.reset(rng, 2);
  double err2 = 0;
  int n = 0;
  for (int t = 0; t < 200; ++t) {
    const std::array<Pose, 2> truth{kTruth, kTruth};
    const double opening[1] = {0.001 * t};
    const auto& e = model.update(t * c.control_period_s, truth, rng, opening);
    if (t < c.latency_steps) continue;
    ASSERT_EQ(e[0].num_scalars, 1);
    EXPECT_EQ(e[1].num_scalars, 0);
    const double err = e[0].scalars[0] - 0.001 * (t - c.latency_steps);  // what the scene was 2 steps ago
    err2 += err * err;
    ++n;
  }
  const double rms = std::sqrt(err2 / n);
  EXPECT_GT(rms, 0.5 * c.noise_position_min_m);
  EXPECT_LT(rms, 1.5 * c.noise_position_max_m);
  model.reset(rng, 1);
  const std::array<Pose, 1> truth{kTruth};
  for (int t = 0; t < 5; ++t) EXPECT_EQ(model.update(t * c.control_period_s, truth, rng)[0].num_scalars, 0);
}

PoseEstimate est(double t, const Vec3& p, double conf = 0.9) { return {Pose{p, Quat::Identity()}, conf, t}; }

TEST(PoseGate, RejectsLowConfidenceStaleNonFiniteAndMissing) {
  PoseGate gate;
  std::array<Pose, 1> out;
  std::array<PoseEstimate, 1> e{est(1.0, kTruth.p, 0.3)};
  EXPECT_EQ(gate.check(1.05, e, out), GateStatus::kLowConfidence);
  e = {est(0.5, kTruth.p)};
  EXPECT_EQ(gate.check(1.0, e, out), GateStatus::kStale);
  e = {est(1.0, Vec3(NAN, 0, 0))};
  EXPECT_EQ(gate.check(1.0, e, out), GateStatus::kNonFinite);
  e = {PoseEstimate{}};
  EXPECT_EQ(gate.check(1.0, e, out), GateStatus::kNoEstimate);
  e = {est(1.0, kTruth.p)};
  EXPECT_EQ(gate.check(1.02, e, out), GateStatus::kOk);
  EXPECT_EQ(out[0].p, kTruth.p);
}

TEST(PoseGate, RejectsImplausibleJumpsButReacquiresAConsistentNewPose) {
  PoseGate gate;
  std::array<Pose, 1> out;
  std::array<PoseEstimate, 1> e{est(0.0, kTruth.p)};
  ASSERT_EQ(gate.check(0.0, e, out), GateStatus::kOk);
  // A 20 cm jump in 50 ms: a wrong-object lock.
  const Vec3 far = kTruth.p + Vec3(0.2, 0, 0);
  e = {est(0.05, far)};
  EXPECT_EQ(gate.check(0.05, e, out), GateStatus::kJump);
  // Back to the truth: accepted at once (plausible relative to the anchor).
  e = {est(0.10, kTruth.p)};
  EXPECT_EQ(gate.check(0.10, e, out), GateStatus::kOk);
  // A persistent, self-consistent new pose (the object really moved) is re-acquired after 3 estimates.
  GateStatus s = GateStatus::kOk;
  for (int k = 0; k < 3; ++k) {
    e = {est(0.15 + 0.05 * k, far)};
    s = gate.check(0.15 + 0.05 * k, e, out);
    if (k < 2) {
      EXPECT_EQ(s, GateStatus::kJump) << k;
    }
  }
  EXPECT_EQ(s, GateStatus::kOk);
  EXPECT_EQ(out[0].p, far);
  // Normal motion (0.5 m/s) is never a jump.
  e = {est(0.30, far + Vec3(0.025, 0, 0))};
  EXPECT_EQ(gate.check(0.30, e, out), GateStatus::kOk);
}

}  // namespace
}  // namespace ocres::perception
