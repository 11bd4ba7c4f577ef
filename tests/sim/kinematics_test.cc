// The MuJoCo model's kinematics must match the FR3 DH table (core/franka.h), and the Cartesian
// controller must reach reachable targets.
#include <gtest/gtest.h>

#include "core/franka.h"
#include "core/rng.h"
#include "sim/cartesian_controller.h"
#include "sim/domain.h"
#include "sim/mujoco_handles.h"
#include "sim/robot_model.h"
#include "sim_fixture.h"
#include "tasks/common.h"
#include "tasks/registry.h"

namespace ocres::sim {
namespace {

franka::JointVec random_q(Rng& rng, double margin = 0.0) {
  franka::JointVec q;
  for (int i = 0; i < 7; ++i) q[i] = rng.uniform(franka::kQMin[i] + margin, franka::kQMax[i] - margin);
  return q;
}

TEST(Kinematics, MujocoTcpMatchesDhTableOnRandomConfigurations) {
  auto scene = tasks::compile_task("lift", DomainConfig{});
  const mjModel* m = scene->model();
  DataPtr d = make_data(m);
  const int tcp = site_id(m, kTcpSite);
  std::array<int, 7> qadr;
  for (int i = 0; i < 7; ++i) qadr[i] = m->jnt_qposadr[joint_id(m, kArmJoints[i])];
  Rng rng(11);
  double worst_p = 0, worst_r = 0;
  for (int trial = 0; trial < 100; ++trial) {
    const franka::JointVec q = random_q(rng);
    for (int i = 0; i < 7; ++i) d->qpos[qadr[i]] = q[i];
    mj_kinematics(m, d.get());
    const Vec3 p_mj(d->site_xpos[3 * tcp], d->site_xpos[3 * tcp + 1], d->site_xpos[3 * tcp + 2]);
    Mat3 R_mj;
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) R_mj(r, c) = d->site_xmat[9 * tcp + 3 * r + c];
    const Pose X_dh = franka::tcp_pose(q);
    worst_p = std::max(worst_p, (p_mj - X_dh.p).norm());
    worst_r = std::max(worst_r, angle_between(Quat(R_mj), X_dh.q));
  }
  EXPECT_LT(worst_p, 1e-3);
  EXPECT_LT(worst_r, 1e-2);
  // In fact they agree to numerical precision; a looser bound would hide a wrong DH row.
  EXPECT_LT(worst_p, 1e-9);
}

// Targets a task can ask for: in front of the robot, gripper pointing down (tilted up to 0.3 rad), any yaw.
Pose random_workspace_target(Rng& rng) {
  const Vec3 p(rng.uniform(0.3, 0.7), rng.uniform(-0.3, 0.3), rng.uniform(0.02, 0.45));
  const Quat tilt = quat_exp(Vec3(rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3), 0));
  return {p, (tilt * tasks::top_down_quat(rng.uniform(-M_PI / 2, M_PI / 2) + M_PI / 2)).normalized()};
}

TEST(CartesianController, ReachesReachableTargetsFromHome) {
  CartesianController controller;
  Rng rng(12);
  for (int trial = 0; trial < 100; ++trial) {
    const Pose target = random_workspace_target(rng);
    // The controller runs once per 20 Hz control step, seeded with its previous command.
    franka::JointVec q = franka::to_vec(franka::kHomeQ);
    IkResult r;
    for (int step = 0; step < 60; ++step) {
      r = controller.solve(q, target);
      q = r.q;
    }
    const Pose X = franka::tcp_pose(q);
    EXPECT_LT((X.p - target.p).norm(), 2e-3) << "trial " << trial;
    EXPECT_LT(angle_between(X.q, target.q), 2e-2) << "trial " << trial;
    for (int i = 0; i < 7; ++i) {
      EXPECT_GE(q[i], franka::kQMin[i]);
      EXPECT_LE(q[i], franka::kQMax[i]);
    }
  }
}

TEST(CartesianController, KeepsJointsInsideLimitsForUnreachableTargets) {
  CartesianController controller;
  franka::JointVec q = franka::to_vec(franka::kHomeQ);
  const Pose far{Vec3(2.0, 0, 0.3), tasks::top_down_quat(0)};
  IkResult r;
  for (int step = 0; step < 40; ++step) {
    r = controller.solve(q, far);
    q = r.q;
  }
  EXPECT_FALSE(r.converged);
  for (int i = 0; i < 7; ++i) {
    EXPECT_GE(q[i], franka::kQMin[i]);
    EXPECT_LE(q[i], franka::kQMax[i]);
  }
}

TEST(Env, PhysicalTcpSettlesOnStaticTargetsWithinTolerance) {
  const DomainConfig domain = load_domain("sim");
  auto scene = tasks::compile_task("lift", domain);
  auto env = tasks::make_env(scene, domain);
  Rng rng(13);
  for (int trial = 0; trial < 10; ++trial) {
    env->reset(trial);
    Pose target = random_workspace_target(rng);
    target.p.z() = std::max(target.p.z(), 0.12);  // stay clear of the block
    Action a{target.p, target.q, 0.08};
    for (int step = 0; step < 60; ++step) env->step(a);
    const Pose& X = env->observation().robot.X_BT;
    EXPECT_LT((X.p - target.p).norm(), 2e-3) << "trial " << trial;
    EXPECT_LT(angle_between(X.q, target.q), 2e-2) << "trial " << trial;
    testing::expect_no_mujoco_warnings(env->data());
  }
}

}  // namespace
}  // namespace ocres::sim
