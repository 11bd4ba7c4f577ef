#include "sim/env.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "sim/robot_model.h"

namespace ocres::sim {

CompiledScene::CompiledScene(std::unique_ptr<Task> prototype, std::string mjcf)
    : prototype_(std::move(prototype)), mjcf_(std::move(mjcf)), model_(compile_mjcf(mjcf_)) {}

Env::Env(std::shared_ptr<const CompiledScene> scene, std::unique_ptr<Task> task, const DomainConfig& domain,
         const EnvConfig& config)
    : scene_(std::move(scene)),
      task_(std::move(task)),
      domain_(domain),
      config_(config),
      controller_(config.controller),
      model_(copy_model(scene_->model())),
      data_(make_data(model_.get())) {
  mjModel* m = model_.get();
  m->opt.timestep = domain_.timestep_s;
  const double period_s = 1.0 / config_.control_hz;
  substeps_ = std::max(1, static_cast<int>(std::lround(period_s / domain_.timestep_s)));
  config_.controller.control_period_s = period_s;
  controller_ = CartesianController(config_.controller);

  for (int i = 0; i < 7; ++i) {
    const int j = joint_id(m, kArmJoints[i]);
    arm_qpos_[i] = m->jnt_qposadr[j];
    arm_dof_[i] = m->jnt_dofadr[j];
    arm_act_[i] = actuator_id(m, kArmActuators[i]);
    nominal_kp_[i] = m->actuator_gainprm[arm_act_[i] * mjNGAIN];
  }
  finger_qpos_[0] = m->jnt_qposadr[joint_id(m, "finger_left")];
  finger_qpos_[1] = m->jnt_qposadr[joint_id(m, "finger_right")];
  gripper_act_ = actuator_id(m, kGripperActuator);
  nominal_gripper_kp_ = m->actuator_gainprm[gripper_act_ * mjNGAIN];
  nominal_gripper_force_ = m->actuator_forcerange[2 * gripper_act_ + 1] / 2.0;

  // Geoms by collision class (see scene.h for the bits).
  std::vector<bool> is_object_body(m->nbody, false);
  for (int g = 0; g < m->ngeom; ++g) {
    const int ct = m->geom_contype[g], ca = m->geom_conaffinity[g];
    if (ct == 1 && ca == 3) {
      object_geoms_.push_back(g);
      is_object_body[m->geom_bodyid[g]] = true;
    } else if (ct == 4) {
      pad_geoms_.push_back(g);
    } else if ((ct == 1 && ca == 1) || ct == 8) {
      table_geoms_.push_back(g);
    }
  }
  for (int b = 1; b < m->nbody; ++b)
    if (is_object_body[b]) object_bodies_.push_back(b);
  for (int j = 0; j < m->njnt; ++j) {
    const bool arm = std::find(arm_qpos_.begin(), arm_qpos_.end(), m->jnt_qposadr[j]) != arm_qpos_.end();
    const bool finger = m->jnt_qposadr[j] == finger_qpos_[0] || m->jnt_qposadr[j] == finger_qpos_[1];
    if (!arm && !finger && m->jnt_type[j] != mjJNT_FREE) fixture_dofs_.push_back(m->jnt_dofadr[j]);
  }
  nominal_friction_.assign(m->geom_friction, m->geom_friction + 3 * m->ngeom);
  nominal_body_mass_.assign(m->body_mass, m->body_mass + m->nbody);
  nominal_body_inertia_.assign(m->body_inertia, m->body_inertia + 3 * m->nbody);
  nominal_dof_damping_.assign(m->dof_damping, m->dof_damping + m->nv);

  task_->bind(m);
  obs_.num_objects = static_cast<int>(task_->info().object_names.size());
  obs_.num_scalars = static_cast<int>(task_->info().scalar_names.size());
  OCRES_CHECK(obs_.num_objects <= kMaxObjects && obs_.num_scalars <= kMaxTaskScalars, "task has too many objects");
  OCRES_CHECK(domain_.control_latency_steps < static_cast<int>(latency_ring_.size()), "latency too large");
}

void Env::apply_domain(Rng& rng) {
  mjModel* m = model_.get();
  std::copy(nominal_friction_.begin(), nominal_friction_.end(), m->geom_friction);
  std::copy(nominal_body_mass_.begin(), nominal_body_mass_.end(), m->body_mass);
  std::copy(nominal_body_inertia_.begin(), nominal_body_inertia_.end(), m->body_inertia);
  std::copy(nominal_dof_damping_.begin(), nominal_dof_damping_.end(), m->dof_damping);
  // Draw every knob in a fixed order so the stream does not depend on which knobs are randomised.
  const double f_obj = domain_.object_friction.sample(rng);
  const double f_pad = domain_.finger_friction.sample(rng);
  const double f_tab = domain_.table_friction.sample(rng);
  const double mass = domain_.object_mass_scale.sample(rng);
  const double damp = domain_.joint_damping_scale.sample(rng);
  const double kp = domain_.actuator_kp_scale.sample(rng);
  const double grip = domain_.gripper_force_N.sample(rng);
  const double fix_damp = domain_.fixture_damping_scale.sample(rng);
  for (int g : object_geoms_) m->geom_friction[3 * g] = nominal_friction_[3 * g] * f_obj;
  for (int g : pad_geoms_) m->geom_friction[3 * g] = nominal_friction_[3 * g] * f_pad;
  for (int g : table_geoms_) m->geom_friction[3 * g] = nominal_friction_[3 * g] * f_tab;
  for (int b : object_bodies_) {
    m->body_mass[b] = nominal_body_mass_[b] * mass;
    for (int k = 0; k < 3; ++k) m->body_inertia[3 * b + k] = nominal_body_inertia_[3 * b + k] * mass;
  }
  for (int i = 0; i < 7; ++i) {
    m->dof_damping[arm_dof_[i]] = nominal_dof_damping_[arm_dof_[i]] * damp;
    m->actuator_gainprm[arm_act_[i] * mjNGAIN] = nominal_kp_[i] * kp;
    m->actuator_biasprm[arm_act_[i] * mjNBIAS + 1] = -nominal_kp_[i] * kp;
  }
  for (int dof : fixture_dofs_) m->dof_damping[dof] = nominal_dof_damping_[dof] * fix_damp;
  // The gripper servo saturates at the force limit after the same squeeze distance for any force.
  const double gkp = nominal_gripper_kp_ * grip / nominal_gripper_force_;
  m->actuator_gainprm[gripper_act_ * mjNGAIN] = gkp;
  m->actuator_biasprm[gripper_act_ * mjNBIAS + 1] = -gkp;
  m->actuator_forcerange[2 * gripper_act_] = -2.0 * grip;
  m->actuator_forcerange[2 * gripper_act_ + 1] = 2.0 * grip;
  for (int i = 0; i < 7; ++i) joint_offset_[i] = rng.uniform(-1.0, 1.0) * domain_.joint_offset_rad;
}

const Observation& Env::reset(uint64_t seed) {
  Rng domain_rng(seed, /*stream=*/101);
  Rng task_rng(seed, /*stream=*/102);
  apply_domain(domain_rng);
  mjModel* m = model_.get();
  mjData* d = data_.get();
  mj_resetData(m, d);
  const franka::JointVec home = franka::to_vec(franka::kHomeQ);
  for (int i = 0; i < 7; ++i) {
    d->qpos[arm_qpos_[i]] = home[i];
    d->ctrl[arm_act_[i]] = home[i] + joint_offset_[i];
  }
  d->qpos[finger_qpos_[0]] = d->qpos[finger_qpos_[1]] = franka::kFingerMax_m;
  d->ctrl[gripper_act_] = gripper_ctrl_ = franka::kFingerMax_m;
  task_->reset(m, d, task_rng);
  mj_forward(m, d);  // kinematics, contacts and qfrc_bias for the first substep's gravity compensation
  q_cmd_ = home;
  obs_.t = 0;
  observe();
  Action hold;
  hold.p_BT = obs_.robot.X_BT.p;
  hold.q_BT = obs_.robot.X_BT.q;
  hold.gripper_width_m = franka::kGripperMaxWidth_m;
  latency_ring_.fill(hold);
  latency_head_ = 0;
  applied_ = hold;
  return obs_;
}

Action Env::sanitize(const Action& a) const {
  const bool finite = a.p_BT.allFinite() && a.q_BT.coeffs().allFinite() && std::isfinite(a.gripper_width_m);
  if (!finite) throw InputError("non-finite action (NaN or inf) at step " + std::to_string(obs_.t));
  const double qn = a.q_BT.norm();
  if (qn < 1e-6) throw InputError("action quaternion has zero norm at step " + std::to_string(obs_.t));
  Action s;
  s.p_BT = a.p_BT.cwiseMax(config_.workspace_lo).cwiseMin(config_.workspace_hi);
  s.q_BT = Quat(a.q_BT.coeffs() / qn);
  s.gripper_width_m = std::clamp(a.gripper_width_m, 0.0, franka::kGripperMaxWidth_m);
  return s;
}

namespace {
// MuJoCo counts these warnings from the last mj_resetData (Env::reset calls it), so any count means
// that this episode's state was reset by the simulator (mujoco_handles.h describes them).
bool unstable(const mjData* d) {
  return d->warning[mjWARN_BADQPOS].number + d->warning[mjWARN_BADQVEL].number + d->warning[mjWARN_BADQACC].number > 0;
}
}  // namespace

StepResult Env::step(const Action& action_in) {
  Action action = sanitize(action_in);
  // Control latency: the action takes effect `control_latency_steps` steps later.
  if (domain_.control_latency_steps > 0) {
    const int n = domain_.control_latency_steps;
    latency_ring_[(latency_head_ + n) % latency_ring_.size()] = action;
    action = latency_ring_[latency_head_];
    latency_head_ = (latency_head_ + 1) % static_cast<int>(latency_ring_.size());
  }
  applied_ = action;
  last_ik_ = controller_.solve(q_cmd_, Pose{action.p_BT, action.q_BT});
  const franka::JointVec q_from = q_cmd_;
  q_cmd_ = last_ik_.q;

  mjModel* m = model_.get();
  mjData* d = data_.get();
  const double finger_target = 0.5 * action.gripper_width_m;
  const double finger_step = 0.5 * config_.gripper_speed_m_s * m->opt.timestep;
  const double gc = 1.0 - domain_.gravity_comp_error;
  for (int k = 1; k <= substeps_; ++k) {
    const double s = static_cast<double>(k) / substeps_;
    gripper_ctrl_ += std::clamp(finger_target - gripper_ctrl_, -finger_step, finger_step);
    d->ctrl[gripper_act_] = gripper_ctrl_;
    for (int i = 0; i < 7; ++i) {
      const int dof = arm_dof_[i], act = arm_act_[i];
      const double ctrl = q_from[i] + s * (q_cmd_[i] - q_from[i]) + joint_offset_[i];
      d->ctrl[act] = ctrl;
      // Servo saturation correction (robot_model.h): the actuator applies clamp(kp*e) and the joint
      // damping -kv*qdot; a real servo applies clamp(kp*e - kv*qdot). Zero unless saturated.
      const double kp = m->actuator_gainprm[act * mjNGAIN], kv = m->dof_damping[dof];
      const double tau_max = m->actuator_forcerange[2 * act + 1];
      const double e = ctrl - d->qpos[arm_qpos_[i]], qd = d->qvel[dof];
      const double wanted = std::clamp(kp * e - kv * qd, -tau_max, tau_max);
      const double applied = std::clamp(kp * e, -tau_max, tau_max) - kv * qd;
      // Gravity/Coriolis compensation from the previous substep's bias forces (one substep of lag).
      d->qfrc_applied[dof] = gc * d->qfrc_bias[dof] + (wanted - applied);
    }
    mj_step(m, d);
    if (unstable(d)) break;  // the state was reset: stepping on would only hide it
  }
  ++obs_.t;
  observe();
  StepResult r;
  if (unstable(d)) {
    r.sim_unstable = r.terminated = true;
    return r;
  }
  const TaskEval ev = task_->evaluate(m, d, obs_);
  // A success state earns the maximal reward: a learner must never be paid more for lingering short of
  // success (e.g. holding the block over the bowl) than for completing the task. Training episodes go
  // on after a success (learn/td3.cc), so this is paid for every step the task stays solved.
  r.reward = ev.success ? 1.0 : std::clamp(ev.reward, 0.0, 1.0);
  r.success = ev.success;
  r.terminated = ev.success || ev.failed;
  r.truncated = !r.terminated && obs_.t >= horizon();
  r.grasped = ev.grasped;
  r.progress = ev.progress;
  return r;
}

void Env::observe() {
  const mjData* d = data_.get();
  RobotState& rs = obs_.robot;
  for (int i = 0; i < 7; ++i) {
    rs.q[i] = d->qpos[arm_qpos_[i]];
    rs.dq[i] = d->qvel[arm_dof_[i]];
  }
  rs.X_BT = franka::tcp_pose(rs.q);
  rs.finger_m = {d->qpos[finger_qpos_[0]], d->qpos[finger_qpos_[1]]};
  rs.gripper_width_m = rs.finger_m[0] + rs.finger_m[1];
  task_->observe(model_.get(), d, obs_);
}

}  // namespace ocres::sim
