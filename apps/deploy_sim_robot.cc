#include "apps/deploy_sim_robot.h"

#include <mujoco/mujoco.h>

#include "core/error.h"
#include "sim/domain.h"
#include "tasks/registry.h"
#ifdef OCRES_HAVE_RENDER  // defined by ocres_render (src/eval/render.cmake), an optional part of the build
#include "eval/render.h"
#endif

namespace ocres::apps {

// One headless renderer, one frame buffer per camera (the bridge encodes views into them, so they must
// live until the next render).
class SimCameras {
 public:
  SimCameras(const sim::Env& env, int size_px, std::vector<std::string> names) : names_(std::move(names)), size_px_(size_px) {
    if (names_.empty() || static_cast<int>(names_.size()) > deploy::kMaxBridgeImages)
      throw InputError("simulated robot: cameras need 1.." + std::to_string(deploy::kMaxBridgeImages) + " names, got " +
                       std::to_string(names_.size()));
    for (const std::string& name : names_)
      if (mj_name2id(env.model(), mjOBJ_CAMERA, name.c_str()) < 0)
        throw InputError("simulated robot: the scene has no camera '" + name + "' (cameras: front, side, wrist)");
#ifdef OCRES_HAVE_RENDER
    renderer_ = std::make_unique<eval::Renderer>(env.model(), size_px, size_px);
#else
    throw InputError("simulated robot: --images needs the headless renderer, which this build leaves out (src/eval/render.cmake)");
#endif
    frames_.resize(names_.size());
  }
  std::span<const deploy::BridgeImage> render(sim::Env& env) {
#ifdef OCRES_HAVE_RENDER
    for (size_t i = 0; i < names_.size(); ++i) {
      const std::vector<unsigned char>& rgb = renderer_->render(env.mutable_data(), names_[i]);
      frames_[i].assign(rgb.begin(), rgb.end());
      views_[i] = deploy::BridgeImage{names_[i], size_px_, size_px_, frames_[i]};
    }
#else
    (void)env;
#endif
    return std::span<const deploy::BridgeImage>(views_.data(), names_.size());
  }
  // Camera `index` only, into `out`.
  void render_one(sim::Env& env, int index, deploy::CameraFrame& out) {
#ifdef OCRES_HAVE_RENDER
    const std::vector<unsigned char>& rgb = renderer_->render(env.mutable_data(), names_[static_cast<size_t>(index)]);
    out.height_px = out.width_px = size_px_;
    out.rgb.assign(rgb.begin(), rgb.end());
#else
    (void)env, (void)index, (void)out;
#endif
  }
  int find(std::string_view name) const {
    for (size_t i = 0; i < names_.size(); ++i)
      if (names_[i] == name) return static_cast<int>(i);
    return -1;
  }
  size_t bytes() const { return names_.size() * static_cast<size_t>(size_px_) * static_cast<size_t>(size_px_) * 3; }

 private:
  std::vector<std::string> names_;
  int size_px_;
#ifdef OCRES_HAVE_RENDER
  std::unique_ptr<eval::Renderer> renderer_;
#endif
  std::vector<std::vector<uint8_t>> frames_;
  std::array<deploy::BridgeImage, deploy::kMaxBridgeImages> views_{};
};

void SimPoseSource::latest(std::span<perception::PoseEstimate> out) {
  for (size_t i = 0; i < out.size(); ++i) out[i] = i < latest_.size() ? latest_[i] : perception::PoseEstimate{};
}

void SimPoseSource::clear() { latest_.fill(perception::PoseEstimate{}); }

void SimPoseSource::receive(std::span<const SimPoseEstimate> published) {
  for (const SimPoseEstimate& p : published) {
    perception::PoseEstimate& e = latest_[static_cast<size_t>(p.object)];
    if (p.estimate.stamp_s >= e.stamp_s) e = p.estimate;  // an older stamp never replaces a newer one
  }
}

SimRobot::SimRobot(const SimRobotConfig& config) : config_(config) {
  const sim::DomainConfig domain = sim::load_domain(config_.domain);
  env_ = tasks::make_env(tasks::compile_task(config_.task, domain), domain);
  const std::string poses = config_.poses == "auto" ? (domain.name == "lab" ? "estimator" : "truth") : config_.poses;
  if (poses == "estimator") poses_ = PoseMode::kEstimator;
  else if (poses == "truth") poses_ = PoseMode::kTruth;
  else if (poses == "none") poses_ = PoseMode::kNone;
  else throw InputError("simulated robot: poses '" + config_.poses + "' is not one of estimator, truth, none, auto");
  object_names_ = env_->task_info().object_names;
  OCRES_CHECK(!object_names_.empty() && object_names_.size() <= static_cast<size_t>(perception::EstimatorModel::kMaxObjects),
              "a task has 1..4 objects");
  period_s_ = env_->config().controller.control_period_s;
  if (config_.image_size_px > 0) cameras_ = std::make_unique<SimCameras>(*env_, config_.image_size_px, config_.cameras);
  published_.reserve(object_names_.size());
}

SimRobot::~SimRobot() = default;

const char* SimRobot::pose_mode() const {
  switch (poses_) {
    case PoseMode::kEstimator: return "estimator";
    case PoseMode::kTruth: return "truth";
    case PoseMode::kNone: return "none";
  }
  return "?";
}

double SimRobot::now_s() const { return offset_s_ + env_->observation().t * period_s_; }

// Appends this step's estimates to published_ and hands them to the in-process pose source.
void SimRobot::publish_poses() {
  published_.clear();
  const Observation& o = env_->observation();
  const int n = static_cast<int>(object_names_.size());
  if (poses_ == PoseMode::kTruth) {
    for (int i = 0; i < n; ++i) {
      SimPoseEstimate p{i, perception::PoseEstimate{o.X_BO[i], 1.0, now_s(), {}, 0}};
      // Task scalars (the drawer's opening) travel with the first object, as from the estimator model.
      if (i == 0) {
        p.estimate.scalars = o.scalars;
        p.estimate.num_scalars = o.num_scalars;
      }
      published_.push_back(p);
    }
  } else if (poses_ == PoseMode::kEstimator) {
    const double t_s = o.t * period_s_;
    const auto& est = estimator_.update(t_s, std::span<const Pose>(o.X_BO.data(), n), rng_,
                                        std::span<const double>(o.scalars.data(), o.num_scalars));
    for (int i = 0; i < n; ++i) {
      if (est[i].stamp_s < 0 || est[i].stamp_s == stamp_sent_[i]) continue;  // nothing new
      stamp_sent_[i] = est[i].stamp_s;
      published_.push_back({i, est[i]});
      published_.back().estimate.stamp_s = offset_s_ + est[i].stamp_s;  // episode time -> robot clock
    }
  }
  for (const SimPoseEstimate& p : published_) newest_pose_stamp_s_ = p.estimate.stamp_s;
  pose_source_.receive(published_);
}

void SimRobot::fill_state(deploy::BridgeState& s) {
  const Observation& o = env_->observation();
  s = deploy::BridgeState{};
  s.seq = ++seq_;
  s.stamp_s = now_s();
  s.robot = o.robot;
  s.episode.present = started_;
  s.episode.t = static_cast<uint64_t>(o.t);
  s.episode.reward = last_.reward;
  s.episode.success = last_.success;
  s.episode.terminated = last_.terminated;
  s.episode.truncated = last_.truncated;
  s.pose_stamp_s = newest_pose_stamp_s_;
  if (config_.scene_truth) {
    s.scene.num_objects = o.num_objects;
    s.scene.X_BO = o.X_BO;
    s.scene.num_scalars = o.num_scalars;
    s.scene.scalars = o.scalars;
  }
}

deploy::LinkStatus SimRobot::refuse(const char* why) {
  error_ = why;
  return deploy::LinkStatus::kPeerError;
}

deploy::LinkStatus SimRobot::start_episode(uint64_t, uint64_t seed, deploy::BridgeState& out) {
  error_ = "";
  if (started_) offset_s_ = now_s() + 1.0;  // a gap between episodes: old stamps are clearly old
  env_->reset(seed);
  rng_.reseed(seed, /*stream=*/104);
  estimator_.reset(rng_, static_cast<int>(object_names_.size()));
  stamp_sent_.fill(-1);
  newest_pose_stamp_s_ = -1;
  started_ = true;
  done_ = stopped_ = false;
  last_ = sim::StepResult{};
  publish_poses();
  fill_state(out);
  return deploy::LinkStatus::kOk;
}

deploy::LinkStatus SimRobot::read_state(deploy::BridgeState& out) {
  error_ = "";
  fill_state(out);
  return deploy::LinkStatus::kOk;
}

deploy::LinkStatus SimRobot::send_target(uint64_t, const Action& target, deploy::BridgeState& out) {
  if (!started_) return refuse("no episode: send a reset first");
  if (stopped_) return refuse("stopped: send a reset to start a new episode");
  error_ = "";
  published_.clear();
  // After the episode ended the robot holds still (the loop stops at once; a bridge client may not).
  if (!done_) {
    last_ = env_->step(target);
    done_ = last_.terminated || last_.truncated;
    publish_poses();
  }
  fill_state(out);
  return deploy::LinkStatus::kOk;
}

deploy::LinkStatus SimRobot::stop(const char*) {
  error_ = "";
  published_.clear();
  stopped_ = true;
  return deploy::LinkStatus::kOk;
}

std::span<const deploy::BridgeImage> SimRobot::render() {
  OCRES_CHECK(cameras_ != nullptr, "SimRobot::render without cameras (image_size_px 0)");
  return cameras_->render(*env_);
}

int SimRobot::find(std::string_view name) const { return cameras_ ? cameras_->find(name) : -1; }

bool SimRobot::latest(int index, deploy::CameraFrame& out) const {
  OCRES_CHECK(cameras_ != nullptr && index >= 0, "SimRobot::latest: no such camera");
  cameras_->render_one(*env_, index, out);
  out.stamp_s = now_s();
  return out.present();
}

size_t SimRobot::image_bytes() const { return cameras_ ? cameras_->bytes() : 0; }

}  // namespace ocres::apps
