#include "deploy/zmq_robot_client.h"

#include <zmq.h>

#include <cstdio>
#include <cstring>

#include "core/error.h"

namespace ocres::deploy {

const char* link_status_name(LinkStatus s) {
  switch (s) {
    case LinkStatus::kOk: return "ok";
    case LinkStatus::kTimeout: return "timeout";
    case LinkStatus::kUnavailable: return "unavailable";
    case LinkStatus::kPeerError: return "peer_error";
    case LinkStatus::kProtocolError: return "protocol_error";
  }
  return "?";
}

void ZmqRobotConfig::validate() const {
  if (endpoint.rfind("tcp://", 0) != 0 && endpoint.rfind("ipc://", 0) != 0)
    throw InputError("robot endpoint '" + endpoint + "' must start with tcp:// or ipc://");
  if (timeout_ms < 1) throw InputError("robot timeout_ms = " + std::to_string(timeout_ms) + " must be >= 1");
  if (reset_timeout_ms < 1) throw InputError("robot reset_timeout_ms = " + std::to_string(reset_timeout_ms) + " must be >= 1");
  if (max_reply_bytes < 1024 || max_reply_bytes > (1 << 30))
    throw InputError("robot max_reply_bytes = " + std::to_string(max_reply_bytes) + " is outside 1024..2^30");
}

ZmqRobotClient::ZmqRobotClient(ZmqRobotConfig config, FrameStore* frames)
    : config_(std::move(config)), frames_(frames) {
  config_.validate();
  recv_buf_.resize(static_cast<size_t>(config_.max_reply_bytes));
  context_ = zmq_ctx_new();
  OCRES_CHECK(context_ != nullptr, "zmq_ctx_new failed");
  open_socket();
}

ZmqRobotClient::~ZmqRobotClient() {
  close_socket();
  zmq_ctx_term(context_);
}

void ZmqRobotClient::open_socket() {
  socket_ = zmq_socket(context_, ZMQ_REQ);
  OCRES_CHECK(socket_ != nullptr, "zmq_socket failed");
  const int linger = 0;
  zmq_setsockopt(socket_, ZMQ_LINGER, &linger, sizeof linger);
  const int64_t max_size = static_cast<int64_t>(recv_buf_.size());
  zmq_setsockopt(socket_, ZMQ_MAXMSGSIZE, &max_size, sizeof max_size);
  if (zmq_connect(socket_, config_.endpoint.c_str()) != 0)
    throw InputError("cannot connect to robot endpoint '" + config_.endpoint + "': " + zmq_strerror(zmq_errno()));
}

void ZmqRobotClient::close_socket() {
  if (socket_) zmq_close(socket_);
  socket_ = nullptr;
}

LinkStatus ZmqRobotClient::call(const BridgeRequest& request, BridgeState& out, int timeout_ms) {
  error_[0] = '\0';
  const size_t n = encode_request(request, send_buf_);
  OCRES_CHECK(n > 0, "a bridge request does not fit its buffer");
  const int sndtimeo = timeout_ms;
  zmq_setsockopt(socket_, ZMQ_SNDTIMEO, &sndtimeo, sizeof sndtimeo);
  auto fail = [&](LinkStatus s, const char* what) {
    std::snprintf(error_.data(), error_.size(), "%s", what);
    close_socket();  // REQ state machine is stuck (or the peer is gone): start over
    open_socket();
    return s;
  };
  if (zmq_send(socket_, send_buf_.data(), n, 0) < 0) return fail(LinkStatus::kUnavailable, "send failed");
  zmq_pollitem_t item{socket_, 0, ZMQ_POLLIN, 0};
  if (zmq_poll(&item, 1, timeout_ms) <= 0 || !(item.revents & ZMQ_POLLIN)) return fail(LinkStatus::kTimeout, "no reply in time");
  const int got = zmq_recv(socket_, recv_buf_.data(), recv_buf_.size(), 0);
  if (got < 0) return fail(LinkStatus::kUnavailable, "receive failed");
  int more = 0;
  size_t more_size = sizeof more;
  zmq_getsockopt(socket_, ZMQ_RCVMORE, &more, &more_size);
  if (more || static_cast<size_t>(got) > recv_buf_.size()) return fail(LinkStatus::kProtocolError, "reply too large or multi-part");
  DecodeError err;
  if (!decode_reply(std::span<const uint8_t>(recv_buf_.data(), static_cast<size_t>(got)), reply_, err)) {
    std::snprintf(error_.data(), error_.size(), "malformed reply: %s (key '%.*s', byte %zu)", err.what,
                  static_cast<int>(err.key.size()), err.key.data(), err.offset);
    return LinkStatus::kProtocolError;
  }
  if (reply_.is_error) {
    std::snprintf(error_.data(), error_.size(), "%s", reply_.error.data());
    return LinkStatus::kPeerError;
  }
  out = reply_.state;
  if (frames_)
    for (int i = 0; i < reply_.images.count; ++i) {
      const BridgeImage& im = reply_.images.items[static_cast<size_t>(i)];
      frames_->publish(im.camera, im.height_px, im.width_px, im.rgb, reply_.state.stamp_s);  // cameras not asked for: ignored
    }
  return LinkStatus::kOk;
}

LinkStatus ZmqRobotClient::start_episode(uint64_t episode, uint64_t seed, BridgeState& out) {
  BridgeRequest r;
  r.type = BridgeRequestType::kReset;
  r.episode = episode;
  r.seed = seed;
  if (frames_) frames_->clear();  // a frame of the last episode's scene must never answer for this one
  return call(r, out, config_.reset_timeout_ms);
}

LinkStatus ZmqRobotClient::read_state(BridgeState& out) {
  BridgeRequest r;
  r.type = BridgeRequestType::kGetState;
  r.images = config_.images;
  return call(r, out, config_.timeout_ms);
}

LinkStatus ZmqRobotClient::send_target(uint64_t seq, const Action& target, BridgeState& out) {
  BridgeRequest r;
  r.type = BridgeRequestType::kCommand;
  r.seq = seq;
  r.target = target;
  return call(r, out, config_.timeout_ms);
}

LinkStatus ZmqRobotClient::stop(const char* reason) {
  BridgeRequest r;
  r.type = BridgeRequestType::kStop;
  std::snprintf(r.reason.data(), r.reason.size(), "%s", reason);
  BridgeState ignored;
  return call(r, ignored, config_.timeout_ms);
}

}  // namespace ocres::deploy
