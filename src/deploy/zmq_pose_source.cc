#include "deploy/zmq_pose_source.h"

#include <zmq.h>

#include "core/error.h"
#include "deploy/pose_protocol.h"

namespace ocres::deploy {

void ZmqPoseSourceConfig::validate() const {
  if (endpoint.rfind("tcp://", 0) != 0 && endpoint.rfind("ipc://", 0) != 0)
    throw InputError("pose endpoint '" + endpoint + "' must start with tcp:// or ipc://");
  if (objects.empty() || objects.size() > static_cast<size_t>(kMaxObjects))
    throw InputError("pose source: " + std::to_string(objects.size()) + " objects; expected 1.." + std::to_string(kMaxObjects));
}

ZmqPoseSource::ZmqPoseSource(ZmqPoseSourceConfig config) : config_(std::move(config)) {
  config_.validate();
  for (const auto& [name, X] : config_.frames) {
    frame_names_.push_back(name);
    frame_poses_.push_back(X);
  }
  clear();
  context_ = zmq_ctx_new();
  OCRES_CHECK(context_ != nullptr, "zmq_ctx_new failed");
  socket_ = zmq_socket(context_, ZMQ_SUB);
  const int linger = 0;
  zmq_setsockopt(socket_, ZMQ_LINGER, &linger, sizeof linger);
  const int64_t max_size = 64 * 1024;
  zmq_setsockopt(socket_, ZMQ_MAXMSGSIZE, &max_size, sizeof max_size);
  zmq_setsockopt(socket_, ZMQ_SUBSCRIBE, "", 0);
  if (zmq_connect(socket_, config_.endpoint.c_str()) != 0) {
    const std::string why = zmq_strerror(zmq_errno());
    zmq_close(socket_);
    zmq_ctx_term(context_);
    throw InputError("cannot connect to pose endpoint '" + config_.endpoint + "': " + why);
  }
  thread_ = std::thread([this] { run(context_); });
}

ZmqPoseSource::~ZmqPoseSource() {
  stop_ = true;
  thread_.join();
  zmq_close(socket_);
  zmq_ctx_term(context_);
}

void ZmqPoseSource::run(void*) {
  std::vector<uint8_t> buf(64 * 1024);
  while (!stop_) {
    zmq_pollitem_t item{socket_, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, 20) <= 0) continue;
    // Drain everything queued: only the latest estimate matters.
    while (true) {
      const int n = zmq_recv(socket_, buf.data(), buf.size(), ZMQ_DONTWAIT);
      if (n < 0) break;
      int more = 0;
      size_t more_size = sizeof more;
      zmq_getsockopt(socket_, ZMQ_RCVMORE, &more, &more_size);
      if (more || static_cast<size_t>(n) > buf.size()) {
        ++received_;
        ++malformed_;
        // Discard the remaining parts of a multi-part message.
        while (more) {
          zmq_recv(socket_, buf.data(), buf.size(), ZMQ_DONTWAIT);
          zmq_getsockopt(socket_, ZMQ_RCVMORE, &more, &more_size);
        }
        continue;
      }
      handle_message(std::span<const uint8_t>(buf.data(), static_cast<size_t>(n)));
    }
  }
}

void ZmqPoseSource::handle_message(std::span<const uint8_t> bytes) {
  ++received_;
  PoseMessage m;
  DecodeError err;
  if (!decode_pose_message(bytes, m, err)) {
    ++malformed_;
    return;
  }
  int index = -1;
  for (size_t i = 0; i < config_.objects.size(); ++i)
    if (config_.objects[i] == m.object) index = static_cast<int>(i);
  if (index < 0) {
    ++unknown_object_;
    return;
  }
  Pose X_BO;
  if (m.frame == "base") {
    X_BO = m.X_FO;
  } else {
    int f = -1;
    for (size_t i = 0; i < frame_names_.size(); ++i)
      if (frame_names_[i] == m.frame) f = static_cast<int>(i);
    if (f < 0) {
      ++unknown_frame_;
      return;
    }
    X_BO = frame_poses_[f] * m.X_FO;
  }
  ++accepted_;
  std::lock_guard lock(mutex_);
  perception::PoseEstimate& e = latest_[index];
  // Keep the newest by stamp: a reordered older message never replaces a newer one.
  if (m.stamp_s >= e.stamp_s) e = perception::PoseEstimate{X_BO, m.confidence, m.stamp_s, m.scalars, m.num_scalars};
}

void ZmqPoseSource::latest(std::span<perception::PoseEstimate> out) {
  std::lock_guard lock(mutex_);
  for (size_t i = 0; i < out.size(); ++i) out[i] = i < latest_.size() ? latest_[i] : perception::PoseEstimate{};
}

void ZmqPoseSource::clear() {
  std::lock_guard lock(mutex_);
  for (auto& e : latest_) e = perception::PoseEstimate{};
}

PoseSourceStats ZmqPoseSource::stats() const {
  return {received_.load(), accepted_.load(), malformed_.load(), unknown_object_.load(), unknown_frame_.load()};
}

}  // namespace ocres::deploy
