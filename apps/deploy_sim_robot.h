#pragma once
// The lab (or any) simulation as a robot, in process: a SimRobot is a deploy::RobotInterface whose
// every send_target advances the simulation one control period (lockstep), with the lab pose-estimator
// model stepping alongside it and, optionally, the scene cameras rendered headless. Two users:
//   * `ocres deploy --robot sim[:DOMAIN]` drives it directly (its pose_source() and, for a base policy
//     that looks at cameras, frames published into a deploy::FrameStore);
//   * `ocres sim-bridge` (deploy_sim_bridge.h) is a thin ZeroMQ server around the same object, sending
//     its states over the robot bridge protocol and its published() estimates over the pose stream.
// One simulation, two transports: the episodes of both paths differ only by what the wire does to the
// numbers (quaternions are renormalised on decoding), not by their logic.
//
// It lives in apps/, next to sim-bridge, because it links the simulator (sim, tasks) and the renderer
// (eval): src/deploy must never depend on those, and a library of its own would have no user besides
// these two commands.
//
// Clock and seeds (as sim-bridge always had them): state and estimate stamps are simulated time,
// monotonic across episodes (a 1 s gap at every reset), so old estimates are clearly old. Episode reset
// with seed s is env.reset(s); the estimator model draws from Rng(s, 104) exactly as
// learn::ResidualEnv does in `lab`, so a deployed episode can be compared with the in-process
// evaluation of the same seed.
//
// Threads: every call, including the pose source's, comes from the control thread (the deploy loop's,
// or the bridge server's); nothing here is shared with another thread except the FrameStore, which has
// its own lock.
#include <array>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "deploy/interfaces.h"
#include "sim/env.h"

namespace ocres::apps {

struct SimRobotConfig {
  std::string task = "lift";
  std::string domain = "lab";   // name or YAML path (sim::load_domain)
  std::string poses = "auto";   // estimator (the lab estimator model) | truth | none | auto (estimator in lab)
  bool scene_truth = true;      // put ground-truth object poses in the state (for the BC stand-in)
  // > 0: render `cameras` headless (EGL) as image_size_px square RGB frames on demand (render() for the
  // bridge, latest() for an in-process chunk request). 0: no cameras.
  int image_size_px = 0;
  std::vector<std::string> cameras = {"front", "wrist"};  // scene cameras (src/sim/scene.cc)
};

// One estimate the simulation published at its last reset or step: what a pose stream would carry.
// estimate.stamp_s is on the robot clock (the states' stamp_s).
struct SimPoseEstimate {
  int object = 0;  // index in the task's object order
  perception::PoseEstimate estimate;
};

// The in-process pose source: the latest published estimate per object, newest stamp wins (as
// deploy::ZmqPoseSource keeps them). Fed by SimRobot; no thread, no lock, no allocation.
class SimPoseSource : public deploy::PoseSource {
 public:
  void latest(std::span<perception::PoseEstimate> out) override;
  void clear() override;
  void receive(std::span<const SimPoseEstimate> published);

 private:
  std::array<perception::PoseEstimate, kMaxObjects> latest_{};
};

class SimCameras;  // the headless renderer and its frame buffers (deploy_sim_robot.cc)

// Also a camera source: a frame is rendered when the chunk request asks for it (the loop asks right
// after reading the state, so the frame shows that state), once per chunk rather than every tick.
class SimRobot : public deploy::RobotInterface, public deploy::CameraSource {
 public:
  // Throws InputError for an unknown task, domain, `poses` mode or camera (naming it), or --images
  // without the renderer in this build.
  explicit SimRobot(const SimRobotConfig& config);
  ~SimRobot() override;
  SimRobot(const SimRobot&) = delete;
  SimRobot& operator=(const SimRobot&) = delete;

  deploy::LinkStatus start_episode(uint64_t episode, uint64_t seed, deploy::BridgeState& out) override;
  deploy::LinkStatus read_state(deploy::BridgeState& out) override;
  // A command before any episode, or after stop(), is refused (kPeerError, last_error() says why).
  deploy::LinkStatus send_target(uint64_t seq, const Action& target, deploy::BridgeState& out) override;
  // The simulated robot holds still: no more steps until the next start_episode.
  deploy::LinkStatus stop(const char* reason) override;
  const char* last_error() const { return error_; }

  // The estimates published by the last start_episode / send_target (for a pose-stream publisher).
  std::span<const SimPoseEstimate> published() const { return published_; }
  // The same estimates, kept as an in-process pose source.
  deploy::PoseSource& pose_source() { return pose_source_; }
  const std::vector<std::string>& object_names() const { return object_names_; }
  // "estimator", "truth" or "none" ("auto" resolved for the domain).
  const char* pose_mode() const;

  // Cameras (image_size_px > 0 only): renders every configured camera from the current state; the
  // views stay valid until the next render. image_bytes() is the size of all frames together.
  bool has_cameras() const { return cameras_ != nullptr; }
  std::span<const deploy::BridgeImage> render();
  size_t image_bytes() const;
  // deploy::CameraSource over the configured cameras: latest() renders the current state.
  int find(std::string_view name) const override;
  bool latest(int index, deploy::CameraFrame& out) const override;

 private:
  double now_s() const;
  void publish_poses();
  void fill_state(deploy::BridgeState& out);
  deploy::LinkStatus refuse(const char* why);

  SimRobotConfig config_;
  std::unique_ptr<sim::Env> env_;
  enum class PoseMode { kEstimator, kTruth, kNone } poses_ = PoseMode::kNone;  // decided once, tested every step
  std::vector<std::string> object_names_;
  double period_s_ = 0.05;
  std::unique_ptr<SimCameras> cameras_;

  perception::EstimatorModel estimator_;  // the defaults learn::ResidualEnv uses in lab
  Rng rng_;
  std::array<double, perception::EstimatorModel::kMaxObjects> stamp_sent_{};  // per object: last published estimate
  std::vector<SimPoseEstimate> published_;
  SimPoseSource pose_source_;

  bool started_ = false, done_ = false, stopped_ = false;
  double offset_s_ = 0;              // simulated time of this episode's start
  double newest_pose_stamp_s_ = -1;  // this episode's newest published estimate (-1: none yet)
  uint64_t seq_ = 0;
  sim::StepResult last_{};
  const char* error_ = "";
};

}  // namespace ocres::apps
