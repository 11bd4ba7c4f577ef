#pragma once
// What the deployment loop talks to: a robot, an asynchronous pose source and a base-policy chunk
// source. Every failure the loop must expect (a timeout, a dead peer, garbage on the wire) is a returned
// status, never an exception (core/error.h); the loop decides to hold, zero the pose or stop.
#include <span>

#include <string>
#include <vector>

#include "core/policy_interface.h"
#include "deploy/bridge_protocol.h"
#include "deploy/camera_source.h"
#include "perception/estimator_model.h"

namespace ocres::deploy {

enum class LinkStatus {
  kOk,
  kTimeout,        // no answer in time
  kUnavailable,    // no connection / peer gone
  kPeerError,      // the peer answered with an error
  kProtocolError,  // the answer was malformed
};
const char* link_status_name(LinkStatus s);

// A robot (or a simulator playing one). Calls are made from the control thread only.
class RobotInterface {
 public:
  virtual ~RobotInterface() = default;
  // Moves to the start of an episode (a simulator resets its scene from `seed`); fills the first state.
  virtual LinkStatus start_episode(uint64_t episode, uint64_t seed, BridgeState& out) = 0;
  // The freshest measured state.
  virtual LinkStatus read_state(BridgeState& out) = 0;
  // Sends an absolute TCP target (base frame) and gripper width; `out` is the state after acceptance.
  virtual LinkStatus send_target(uint64_t seq, const Action& target, BridgeState& out) = 0;
  // Safe stop: the robot holds its measured pose. Best effort (the link may be what failed).
  virtual LinkStatus stop(const char* reason) = 0;
};

// Latest object pose estimates, delivered asynchronously (e.g. by a receiving thread).
class PoseSource {
 public:
  virtual ~PoseSource() = default;
  // Copies the latest estimate of each task object (in the task's object order) into `out`; an object
  // never seen has stamp_s < 0. Must be cheap and allocation-free: called every tick.
  virtual void latest(std::span<perception::PoseEstimate> out) = 0;
  // Forgets every estimate (episode start).
  virtual void clear() = 0;
};

// Produces base-policy chunks. Called on the base worker thread only (AsyncChunkSource), so it may
// block for as long as a remote VLA takes.
class ChunkSource {
 public:
  virtual ~ChunkSource() = default;
  virtual int chunk_size() const = 0;
  virtual void reset(Rng& rng) = 0;
  // Fills chunk[0, chunk_size()); on failure `error` (static or owned by the source) says why.
  virtual LinkStatus predict(const Observation& obs, std::span<Action> chunk, const char*& error) = 0;
  // The cameras this source looks at (e.g. a VLA's exterior and wrist views); empty for a blind one.
  virtual std::vector<std::string> camera_names() const { return {}; }
  // predict() with `frames[i]` the frame of camera_names()[i] captured with the state `obs` holds (an
  // absent frame: the camera delivered none). Sources that see override this; blind ones ignore frames.
  virtual LinkStatus predict_with_frames(const Observation& obs, std::span<const CameraFrame> frames, std::span<Action> chunk,
                                         const char*& error) {
    (void)frames;
    return predict(obs, chunk, error);
  }
};

// Any in-process BasePolicy (the built-in BC stand-in, a replay) as a ChunkSource.
class LocalChunkSource : public ChunkSource {
 public:
  explicit LocalChunkSource(BasePolicy& base) : base_(base) {}
  int chunk_size() const override { return base_.chunk_size(); }
  void reset(Rng& rng) override { base_.reset(rng); }
  LinkStatus predict(const Observation& obs, std::span<Action> chunk, const char*& error) override {
    base_.predict_chunk(obs, chunk);
    error = "";
    return LinkStatus::kOk;
  }

 private:
  BasePolicy& base_;
};

}  // namespace ocres::deploy
