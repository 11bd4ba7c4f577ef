#include "deploy/deploy_loop.h"

#include <cmath>
#include <thread>

namespace ocres::deploy {

namespace {
float us_between(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<float, std::micro>(b - a).count();
}
}  // namespace

const char* episode_end_name(EpisodeEnd e) {
  switch (e) {
    case EpisodeEnd::kRunning: return "running";
    case EpisodeEnd::kTerminated: return "terminated";
    case EpisodeEnd::kTruncated: return "truncated";
    case EpisodeEnd::kSafetyStop: return "safety_stop";
  }
  return "?";
}

DeployLoop::DeployLoop(const DeployConfig& config, policy::ResidualModel* residual, int num_objects, RobotInterface& robot,
                       PoseSource& poses, AsyncChunkSource& base, DeployObserver* observer)
    : config_(config),
      residual_(residual),
      num_objects_(num_objects),
      robot_(robot),
      poses_(poses),
      base_(base),
      observer_(observer),
      gate_(config.gate),
      ring_(config.ring_size),
      chunk_(base.chunk_size()) {
  config_.validate();
  if (num_objects < 1 || num_objects > kMaxObjects)
    throw InputError("deploy: " + std::to_string(num_objects) + " task objects; expected 1.." + std::to_string(kMaxObjects));
  layout_.num_objects = num_objects;
  layout_.num_scalars = 0;
  if (residual_) {
    // Task scalars (e.g. the drawer's opening) arrive with the first object's estimate.
    layout_.num_scalars = residual_->layout.num_scalars;
    if (layout_.num_scalars < 0 || layout_.num_scalars > kMaxTaskScalars)
      throw InputError("deploy: the residual expects " + std::to_string(layout_.num_scalars) + " task scalars; at most " +
                       std::to_string(kMaxTaskScalars) + " are supported");
    if (residual_->layout.num_objects != num_objects)
      throw InputError("deploy: the residual expects " + std::to_string(residual_->layout.num_objects) +
                       " object poses, the pose source provides " + std::to_string(num_objects));
    if (residual_->actor.input_dim() != layout_.dim() || residual_->actor.output_dim() != policy::kResidualDim)
      throw InputError("deploy: the residual actor maps " + std::to_string(residual_->actor.input_dim()) + " -> " +
                       std::to_string(residual_->actor.output_dim()) + ", the observation has " +
                       std::to_string(layout_.dim()) + " entries");
  }
  obs_.assign(layout_.dim(), 0.0f);
  delta_.assign(policy::kResidualDim, 0.0f);
}

void DeployLoop::report(SafetyKind kind, const char* detail, double value) {
  ++result_.triggers[static_cast<int>(kind)];
  // Stops are always reported; a clamp only the first time in an episode (it may repeat every tick),
  // the rest are counted in the result.
  bool& seen = reported_[static_cast<int>(kind)];
  if (seen && !is_stop(kind)) return;
  seen = true;
  if (observer_) {
    const std::vector<TickSnapshot> recent = ring_.ordered();
    observer_->on_safety_event(SafetyEvent{kind, result_.episode, t_, detail, value}, recent);
  }
}

bool DeployLoop::stop(SafetyKind kind, const char* detail, double value) {
  report(kind, detail, value);
  robot_.stop(safety_kind_name(kind));
  result_.end = EpisodeEnd::kSafetyStop;
  result_.stop_kind = kind;
  result_.stop_detail = detail;
  return false;
}

bool DeployLoop::begin_episode(uint64_t episode, uint64_t seed, EpisodeLog* log) {
  result_ = EpisodeResult{};
  result_.episode = episode;
  result_.seed = seed;
  reported_ = {};
  ring_.clear();
  gate_.reset();
  poses_.clear();
  scalars_seen_ = {};
  t_ = 0;
  // The same policy stream as the simulation's evaluation (learn/residual_env.cc).
  Rng policy_rng(seed, /*stream=*/103);
  if (!base_.reset(policy_rng, std::chrono::milliseconds(config_.reset_timeout_ms)))
    return stop(SafetyKind::kBaseTimeout, "the base policy is still busy with an old request");
  const LinkStatus st = robot_.start_episode(episode, seed, state_);
  if (st != LinkStatus::kOk) return stop(SafetyKind::kRobotLink, link_status_name(st));
  last_stamp_s_ = episode_start_stamp_s_ = state_.stamp_s;
  last_fresh_ = Clock::now();
  last_command_ = Action{state_.robot.X_BT.p, state_.robot.X_BT.q, state_.robot.gripper_width_m};
  have_chunk_ = requested_ = awaiting_ = held_ = false;
  chunk_start_ = request_tick_ = 0;
  diverged_since_s_ = -1;
  log_ = log;
  if (log_) log_->begin(num_objects_, config_.max_ticks, seed);
  return true;
}

void DeployLoop::request_chunk() {
  base_obs_.t = t_;
  base_obs_.robot = state_.robot;
  base_obs_.num_objects = num_objects_;
  base_obs_.num_scalars = 0;
  // The built-in BC stand-in models a VLA looking at the scene: from a simulator it gets the true scene
  // (and applies its own localisation error); from a real robot, the last gated estimate.
  for (int i = 0; i < num_objects_; ++i)
    base_obs_.X_BO[i] = state_.scene.num_objects > i ? state_.scene.X_BO[i] : poses_seen_[i];
  if (state_.scene.num_objects > 0) {
    base_obs_.num_scalars = state_.scene.num_scalars;
    base_obs_.scalars = state_.scene.scalars;
  } else {
    base_obs_.num_scalars = layout_.num_scalars;
    base_obs_.scalars = scalars_seen_;
  }
  if (!base_.request(base_obs_)) return;  // still busy with the previous request: try next tick
  if (!requested_ && !awaiting_) request_time_ = Clock::now();
  awaiting_ = true;
  requested_ = true;
  request_tick_ = t_;
}

bool DeployLoop::base_action(Action& out) {
  held_ = false;
  const int H = base_.chunk_size();
  if (!requested_ && (!have_chunk_ || t_ - chunk_start_ + config_.prefetch_ticks >= H)) request_chunk();
  if (have_chunk_ && t_ - chunk_start_ < H) {
    out = chunk_[t_ - chunk_start_];
    return true;
  }
  const auto deadline = request_time_ + std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(config_.base_timeout_s));
  while (true) {
    const char* error = "";
    if (!requested_) request_chunk();
    const AsyncChunkSource::Poll p = config_.no_chunk == NoChunkPolicy::kWait ? base_.wait(chunk_, error, deadline)
                                                                               : base_.poll(chunk_, error);
    if (p == AsyncChunkSource::Poll::kReady) {
      requested_ = awaiting_ = false;
      have_chunk_ = true;
      ++result_.chunks;
      // A chunk answers the observation of request_tick_; its element k belongs to tick request_tick_ + k.
      const int k = config_.skip_elapsed ? std::min(t_ - request_tick_, H - 1) : 0;
      chunk_start_ = t_ - k;
      out = chunk_[k];
      return true;
    }
    if (p == AsyncChunkSource::Poll::kFailed || p == AsyncChunkSource::Poll::kIdle) requested_ = false;  // ask again
    if (Clock::now() >= deadline)
      return stop(SafetyKind::kBaseTimeout, p == AsyncChunkSource::Poll::kFailed ? error : "no chunk in time",
                  config_.base_timeout_s);
    if (config_.no_chunk == NoChunkPolicy::kHold) {
      held_ = true;
      out = last_command_;
      return true;
    }
    // Waiting: a failed call returns at once; do not hammer a failing server. If the deadline passes
    // meanwhile, stop with this failure's reason (e.g. the missing camera) rather than posting a retry
    // that could only end as "no chunk in time".
    if (p == AsyncChunkSource::Poll::kFailed) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      if (Clock::now() >= deadline) return stop(SafetyKind::kBaseTimeout, error, config_.base_timeout_s);
    }
  }
}

bool DeployLoop::tick(float start_jitter_us) {
  if (result_.end != EpisodeEnd::kRunning) return false;
  const Clock::time_point t0 = Clock::now();
  // 1. Fresh proprioception.
  LinkStatus st = robot_.read_state(state_);
  if (st != LinkStatus::kOk) return stop(SafetyKind::kRobotLink, link_status_name(st));
  const Clock::time_point t1 = Clock::now();
  if (state_.stamp_s > last_stamp_s_) {
    last_stamp_s_ = state_.stamp_s;
    last_fresh_ = t1;
  } else if (const double age = std::chrono::duration<double>(t1 - last_fresh_).count(); age > config_.max_state_age_s) {
    return stop(SafetyKind::kStaleState, "the robot state stopped advancing", age);
  }
  // Divergence: the last command vs where the TCP is.
  const double divergence = (last_command_.p_BT - state_.robot.X_BT.p).norm();
  result_.max_divergence_m = std::max(result_.max_divergence_m, divergence);
  if (divergence > config_.divergence_m) {
    if (diverged_since_s_ < 0) diverged_since_s_ = state_.stamp_s;
    if (state_.stamp_s - diverged_since_s_ > config_.divergence_s)
      return stop(SafetyKind::kDivergence, "commanded and measured TCP disagree", divergence);
  } else {
    diverged_since_s_ = -1;
  }
  // 2. Base action.
  Action base;
  if (!base_action(base)) return false;
  const Clock::time_point t2 = Clock::now();
  // 3. Poses through the gate, in the robot's clock.
  const double now_s = state_.stamp_s;
  const std::span<perception::PoseEstimate> est(estimates_.data(), num_objects_);
  poses_.latest(est);
  if (state_.pose_stamp_s >= 0) {
    // Lockstep simulator: the estimate published with this state is on its way on another socket.
    const Clock::time_point until = Clock::now() + std::chrono::milliseconds(config_.pose_sync_timeout_ms);
    auto arrived = [&] {
      for (const perception::PoseEstimate& e : est)
        if (e.stamp_s < state_.pose_stamp_s) return false;
      return true;
    };
    while (!arrived() && Clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::microseconds(50));
      poses_.latest(est);
    }
  }
  for (perception::PoseEstimate& e : est)
    if (e.stamp_s < episode_start_stamp_s_ || e.stamp_s > now_s + config_.max_pose_future_s) e.stamp_s = -1;
  const perception::GateStatus gate = gate_.check(now_s, est, std::span<Pose>(poses_seen_.data(), num_objects_));
  bool valid = gate == perception::GateStatus::kOk;
  if (valid && layout_.num_scalars > 0) {
    // An estimate without the joint positions the residual needs is as unusable as no estimate.
    if (est[0].num_scalars != layout_.num_scalars) {
      valid = false;
      ++result_.pose_missing_scalars_ticks;
    } else {
      scalars_seen_ = est[0].scalars;
    }
  }
  result_.pose_invalid_ticks += !valid;
  // 4. Residual, composition, safety.
  std::fill(delta_.begin(), delta_.end(), 0.0f);
  Action command = last_command_;
  if (!held_) {
    if (residual_) {
      policy::build_residual_obs(layout_, state_.robot, std::span<const Pose>(poses_seen_.data(), num_objects_),
                                 std::span<const double>(scalars_seen_.data(), layout_.num_scalars), valid, base,
                                 obs_.data());
      // In place (aliasing is allowed): dropped poses stay zero, exactly as in training.
      policy::normalize_residual_obs(layout_, residual_->obs_norm.mean, residual_->obs_norm.inv_std, obs_.data(), obs_.data());
      residual_->actor.forward_one(obs_.data(), delta_.data());
      bool finite = true;
      for (float d : delta_) finite = finite && std::isfinite(d);
      if (!finite) {
        std::fill(delta_.begin(), delta_.end(), 0.0f);
        report(SafetyKind::kResidualBound, "non-finite residual output: zeroed", 0);
      }
      float worst = 0;
      for (float& d : delta_) {
        worst = std::max(worst, std::abs(d));
        d = std::clamp(d, static_cast<float>(-config_.max_residual), static_cast<float>(config_.max_residual));
      }
      if (worst > config_.max_residual) report(SafetyKind::kResidualBound, "residual above max_residual: clamped", worst);
    }
    const policy::ResidualScales scales = residual_ ? residual_->scales : policy::ResidualScales{};
    const Action composed = policy::compose(base, delta_, scales);
    const policy::SafetyLimits& L = config_.limits;
    const Vec3 outside = (composed.p_BT - L.workspace_hi_m).cwiseMax(L.workspace_lo_m - composed.p_BT).cwiseMax(0.0);
    if (outside.maxCoeff() > 0) report(SafetyKind::kWorkspace, "target outside the workspace box", outside.norm());
    const double step_m = (composed.p_BT - last_command_.p_BT).norm();
    const double step_rad = angle_between(composed.q_BT, last_command_.q_BT);
    if (step_m > L.max_translation_per_step_m) report(SafetyKind::kStepLimit, "translation step above the limit", step_m);
    if (step_rad > L.max_rotation_per_step_rad) report(SafetyKind::kStepLimit, "rotation step above the limit", step_rad);
    command = policy::safety_clamp(composed, last_command_, L);
  } else {
    ++result_.held_ticks;
  }
  const Clock::time_point t3 = Clock::now();
  // 5. Send.
  st = robot_.send_target(++seq_, command, reply_);
  if (st != LinkStatus::kOk) return stop(SafetyKind::kRobotLink, link_status_name(st));
  const Clock::time_point t4 = Clock::now();
  timing_ = TickTiming{us_between(t0, t4), us_between(t0, t1), us_between(t1, t2), us_between(t2, t3), us_between(t3, t4),
                       start_jitter_us};
  if (log_) {
    StepRecord r;
    r.robot = &state_.robot;
    r.object_poses = poses_seen_.data();
    r.scene_poses = state_.scene.num_objects >= num_objects_ ? state_.scene.X_BO.data() : nullptr;
    r.base = base;
    r.command = command;
    r.residual = delta_.data();
    r.pose_valid = valid;
    r.held = held_;
    r.gate_status = static_cast<int>(gate);
    r.reward = reply_.episode.reward;
    const float tm[6] = {timing_.total, timing_.state_read, timing_.base_wait, timing_.compute, timing_.command_send,
                         timing_.start_jitter};
    std::copy(tm, tm + 6, r.timing_us);
    log_->record(r);
  }
  TickSnapshot snap;
  snap.t = t_;
  snap.stamp_s = state_.stamp_s;
  snap.p_measured_m = state_.robot.X_BT.p;
  snap.p_base_m = base.p_BT;
  snap.p_command_m = command.p_BT;
  snap.gripper_command_m = command.gripper_width_m;
  std::copy(delta_.begin(), delta_.end(), snap.residual.begin());
  snap.pose_valid = valid;
  snap.gate = gate;
  snap.held = held_;
  ring_.push(snap);
  last_command_ = command;
  ++t_;
  result_.ticks = t_;
  // Episode end: reported by the robot (a simulator) or max_ticks.
  if (reply_.episode.present) {
    result_.episode_return += reply_.episode.reward;
    result_.success = reply_.episode.success;
    if (reply_.episode.terminated) result_.end = EpisodeEnd::kTerminated;
    else if (reply_.episode.truncated) result_.end = EpisodeEnd::kTruncated;
  }
  if (result_.end == EpisodeEnd::kRunning && t_ >= config_.max_ticks) result_.end = EpisodeEnd::kTruncated;
  return result_.end == EpisodeEnd::kRunning;
}

EpisodeResult DeployLoop::run_episode(uint64_t episode, uint64_t seed, EpisodeLog* log) {
  if (!begin_episode(episode, seed, log)) return result_;
  const auto period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / config_.rate_hz));
  Clock::time_point next = Clock::now();
  while (true) {
    std::this_thread::sleep_until(next);
    const float jitter = us_between(next, Clock::now());
    if (!tick(jitter)) break;
    next += period;
    // After an overrun (e.g. waiting for a chunk) restart the schedule instead of bursting to catch up.
    if (const auto now = Clock::now(); next < now) next = now;
  }
  if (log) log->set_success(result_.success);
  return result_;
}

}  // namespace ocres::deploy
