#pragma once
// One simulated FR3 workcell running one task in one domain. Constant description (the compiled
// scene) is shared between environments; each Env owns a copy of the model (domain randomisation
// writes into it), its mjData, its Task instance and its RNG.
//
// Control: step() takes an absolute TCP target (SPEC: a VLA's action) at 20 Hz, solves IK once, and runs
// the joint servos for 50 ms of physics (25 substeps at 2 ms), interpolating the joint command across
// the substeps and compensating gravity as the FR3's own controller does.
#include <array>
#include <vector>
#include <memory>

#include "sim/cartesian_controller.h"
#include "sim/domain.h"
#include "sim/mujoco_handles.h"
#include "sim/observation.h"
#include "sim/task.h"

namespace ocres::sim {

struct StepResult {
  double reward = 0;        // in [0, 1]
  bool success = false;     // the task's success test holds
  bool terminated = false;  // success or failure: no bootstrapping past this step
  bool truncated = false;   // time limit reached (not terminated): bootstrap from the next state
  bool grasped = false;     // diagnostics from the task (failure classification)
  double progress = 0;
  // MuJoCo found a non-finite or huge position, velocity or acceleration and reset the state to the
  // model's reference configuration (mj_checkPos/Vel/Acc): the physics of this episode is no longer
  // meaningful, so it ends here as a failure (terminated, reward 0, never a success).
  bool sim_unstable = false;
};

struct EnvConfig {
  double control_hz = 20.0;
  CartesianControllerConfig controller;
  // Safety box for TCP targets (base frame, m): targets are clamped into it.
  Vec3 workspace_lo{0.1, -0.6, -0.01};
  Vec3 workspace_hi{0.85, 0.6, 0.75};
  // The Franka Hand moves its fingers slowly (about 0.1 m/s of width); the commanded width is
  // rate-limited accordingly, so a closing command squeezes instead of slamming through the object.
  double gripper_speed_m_s = 0.1;
};

// A task compiled into a model once, for a domain; makes any number of Envs.
class CompiledScene {
 public:
  CompiledScene(std::unique_ptr<Task> prototype, std::string mjcf);
  const mjModel* model() const { return model_.get(); }
  const std::string& mjcf() const { return mjcf_; }
  const Task& prototype() const { return *prototype_; }

 private:
  std::unique_ptr<Task> prototype_;
  std::string mjcf_;
  ModelPtr model_;
};

class Env {
 public:
  // `task` must be a fresh instance of the task the scene was compiled for.
  Env(std::shared_ptr<const CompiledScene> scene, std::unique_ptr<Task> task, const DomainConfig& domain,
      const EnvConfig& config = {});

  // Starts an episode. Everything random in it (domain draws, start state) derives from `seed`.
  const Observation& reset(uint64_t seed);
  // Executes one control step. Throws InputError on a non-finite action.
  StepResult step(const Action& action);

  const Observation& observation() const { return obs_; }
  const TaskInfo& task_info() const { return task_->info(); }
  Task& task() { return *task_; }
  int horizon() const { return task_->info().horizon; }
  int t() const { return obs_.t; }
  const mjModel* model() const { return model_.get(); }
  const mjData* data() const { return data_.get(); }
  mjData* mutable_data() { return data_.get(); }
  const DomainConfig& domain() const { return domain_; }
  const EnvConfig& config() const { return config_; }
  int substeps() const { return substeps_; }
  // Target actually sent to the controller at the last step (after latency and clamping).
  const Action& applied_action() const { return applied_; }
  const IkResult& last_ik() const { return last_ik_; }

 private:
  void apply_domain(Rng& rng);
  void observe();
  Action sanitize(const Action& a) const;

  std::shared_ptr<const CompiledScene> scene_;
  std::unique_ptr<Task> task_;
  DomainConfig domain_;
  EnvConfig config_;
  CartesianController controller_;
  ModelPtr model_;
  DataPtr data_;
  int substeps_ = 25;

  // Ids resolved once.
  std::array<int, 7> arm_qpos_{}, arm_dof_{}, arm_act_{};
  int finger_qpos_[2]{}, gripper_act_ = -1;
  std::vector<int> object_geoms_, pad_geoms_, table_geoms_, object_bodies_, fixture_dofs_;
  // Nominal values restored before each episode's randomisation.
  std::vector<double> nominal_friction_, nominal_body_mass_, nominal_body_inertia_, nominal_dof_damping_;
  std::array<double, 7> nominal_kp_{};
  double nominal_gripper_kp_ = 0, nominal_gripper_force_ = 0;

  Observation obs_;
  franka::JointVec q_cmd_;               // last joint command (IK seed)
  double gripper_ctrl_ = 0;              // current (rate-limited) per-finger opening command (m)
  franka::JointVec joint_offset_;        // this episode's calibration error
  std::array<Action, 11> latency_ring_;  // actions waiting to take effect (fixed size: no allocation)
  int latency_head_ = 0;
  Action applied_;
  IkResult last_ik_;
};

}  // namespace ocres::sim
