#pragma once
// Small residual problems with known solutions, for the learners' tests (td3_test, held_ppo_test).
#include <algorithm>
#include <array>

#include "core/rng.h"
#include "learn/residual_env.h"
#include "policy/replay_base_policy.h"
#include "policy/residual_action.h"
#include "sim/domain.h"
#include "tasks/registry.h"

namespace ocres::learn {

// A residual problem with a known solution. The "arm" goes exactly where it is commanded; the base
// commands the object's position plus a per-episode bias of up to 1.5 cm per axis (a mislocalised
// VLA); reward 1 - |TCP - object| / 3 cm (clipped at 0); success within 4 mm; 10 steps. The optimal
// residual is -bias / 2 cm, readable from the observation's object-minus-base-action features.
class OffsetToy : public ResidualTrainingEnv {
 public:
  void reset(uint64_t seed, float* obs) override {
    rng_.reseed(seed, 5);
    obj_ = Vec3(rng_.uniform(0.4, 0.6), rng_.uniform(-0.1, 0.1), rng_.uniform(0.02, 0.1));
    bias_ = Vec3(rng_.uniform(-0.015, 0.015), rng_.uniform(-0.015, 0.015), rng_.uniform(-0.015, 0.015));
    tcp_ = obj_ + Vec3(0, 0, 0.1);
    t_ = 0;
    build(obs);
  }
  sim::StepResult step(const float* delta, float* next_obs, float* executed) override {
    const Action command = policy::compose(base(), std::span<const float>(delta, 7), {});
    for (int k = 0; k < 7; ++k) executed[k] = std::clamp(delta[k], -1.0f, 1.0f);
    tcp_ = command.p_BT;
    ++t_;
    const double d = (tcp_ - obj_).norm();
    sim::StepResult r;
    r.reward = std::max(0.0, 1.0 - d / 0.03);
    r.success = d < 0.004;
    r.truncated = t_ >= 10;
    build(next_obs);
    return r;
  }
  bool time_up() const override { return t_ >= 10; }
  const policy::ResidualObsLayout& layout() const override { return layout_; }

 private:
  Action base() const { return Action{obj_ + bias_, Quat(0, 1, 0, 0), 0.04}; }
  void build(float* obs) const {
    RobotState robot;
    robot.X_BT = Pose{tcp_, Quat(0, 1, 0, 0)};
    const std::array<Pose, 1> objects{Pose{obj_, Quat::Identity()}};
    policy::build_residual_obs(layout_, robot, objects, {}, true, base(), obs);
  }
  policy::ResidualObsLayout layout_{1, 0};
  Rng rng_;
  Vec3 obj_, bias_, tcp_;
  int t_ = 0;
};

// The real Cube Lift environment under a base that hovers above the table: enough to exercise training.
inline ResidualEnvFactory hover_lift_factory() {
  const sim::DomainConfig domain = sim::load_domain("sim");
  auto scene = tasks::compile_task("lift", domain);
  return [=](int, bool for_eval) {
    ResidualEnvConfig ec;
    ec.corrupt_poses = !for_eval;
    std::vector<Action> hover(400, Action{Vec3(0.45, -0.05, 0.15), Quat(0, 1, 0, 0), 0.08});
    auto env = tasks::make_env(scene, domain);
    return std::make_unique<ResidualEnv>(std::move(env), std::make_unique<policy::ReplayBasePolicy>(hover), ec);
  };
}

}  // namespace ocres::learn
