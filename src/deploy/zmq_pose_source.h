#pragma once
// The pose stream client (pose_protocol.h, docs/deploy.md): a ZeroMQ SUB socket connected to the
// estimator's PUB socket, drained by a receiving thread that keeps the latest estimate per task object.
// Messages that are malformed, non-finite, absurd, for an unknown object or in an unknown frame are
// dropped and counted. The control tick only copies the table (latest(): a mutex, no allocation).
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "deploy/interfaces.h"

namespace ocres::deploy {

struct ZmqPoseSourceConfig {
  std::string endpoint = "tcp://127.0.0.1:5561";  // the estimator's PUB socket
  std::vector<std::string> objects;               // task objects, in the residual's order
  // Frames besides "base" an estimator may report in, as X_BF (the frame's pose in the robot base
  // frame), e.g. a calibrated camera "camera": X_BC.
  std::map<std::string, Pose> frames;
  void validate() const;
};

struct PoseSourceStats {
  uint64_t received = 0, accepted = 0, malformed = 0, unknown_object = 0, unknown_frame = 0;
};

class ZmqPoseSource : public PoseSource {
 public:
  explicit ZmqPoseSource(ZmqPoseSourceConfig config);
  ~ZmqPoseSource() override;
  ZmqPoseSource(const ZmqPoseSource&) = delete;
  ZmqPoseSource& operator=(const ZmqPoseSource&) = delete;

  void latest(std::span<perception::PoseEstimate> out) override;
  void clear() override;
  PoseSourceStats stats() const;

  // Applies one raw message as the receiving thread does (exposed for tests and fuzzing).
  void handle_message(std::span<const uint8_t> bytes);

 private:
  void run(void* context);

  ZmqPoseSourceConfig config_;
  std::vector<Pose> frame_poses_;        // same order as frame_names_
  std::vector<std::string> frame_names_;
  mutable std::mutex mutex_;
  std::array<perception::PoseEstimate, kMaxObjects> latest_{};
  std::atomic<uint64_t> received_{0}, accepted_{0}, malformed_{0}, unknown_object_{0}, unknown_frame_{0};
  std::atomic<bool> stop_{false};
  void* context_ = nullptr;
  void* socket_ = nullptr;
  std::thread thread_;
};

}  // namespace ocres::deploy
