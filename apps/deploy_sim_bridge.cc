#include "apps/deploy_sim_bridge.h"

#include <zmq.h>

#include <array>
#include <string>
#include <vector>

#include "core/error.h"
#include "deploy/bridge_protocol.h"
#include "deploy/pose_protocol.h"

namespace ocres::apps {

namespace {

// A bound ZeroMQ socket; port 0 binds any free port.
struct Socket {
  void* s = nullptr;
  int port = 0;
  Socket(void* ctx, int type, const std::string& host, int want_port) {
    s = zmq_socket(ctx, type);
    const int linger = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    const std::string ep = "tcp://" + host + ":" + (want_port > 0 ? std::to_string(want_port) : std::string("*"));
    if (zmq_bind(s, ep.c_str()) != 0) {
      const std::string why = zmq_strerror(zmq_errno());
      zmq_close(s);
      throw InputError("sim-bridge: cannot bind '" + ep + "': " + why);
    }
    char buf[256];
    size_t len = sizeof buf;
    zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, buf, &len);
    const std::string last(buf);
    port = std::stoi(last.substr(last.rfind(':') + 1));
  }
  ~Socket() { zmq_close(s); }
};

struct Context {
  void* c = zmq_ctx_new();
  ~Context() { zmq_ctx_term(c); }
};

}  // namespace

void run_sim_bridge(const SimBridgeConfig& cfg, const std::function<void(int, int)>& ready, const std::atomic<bool>& stop) {
  SimRobot robot(cfg.sim);
  const std::vector<std::string>& names = robot.object_names();

  Context ctx;
  Socket rep(ctx.c, ZMQ_REP, cfg.host, cfg.robot_port);
  Socket pub(ctx.c, ZMQ_PUB, cfg.host, cfg.pose_port);
  ready(rep.port, pub.port);

  std::vector<uint8_t> in(64 * 1024);
  std::array<uint8_t, 4096> msg{};
  std::vector<uint8_t> out(4096 + (robot.has_cameras() ? robot.image_bytes() + 1024 : 0));
  deploy::BridgeState state;

  // Before the reply that announces them (pose_stamp_s), so the client finds them on the stream.
  auto publish_poses = [&] {
    for (const SimPoseEstimate& p : robot.published()) {
      const perception::PoseEstimate& e = p.estimate;
      const size_t len = deploy::encode_pose_message(names[static_cast<size_t>(p.object)], "base", e.X_BO, e.confidence, e.stamp_s,
                                                     msg, std::span<const double>(e.scalars.data(), e.num_scalars));
      zmq_send(pub.s, msg.data(), len, ZMQ_DONTWAIT);
    }
  };
  auto reply = [&](deploy::LinkStatus status, bool with_images) {
    if (status != deploy::LinkStatus::kOk) return deploy::encode_error(robot.last_error(), out);
    if (with_images && robot.has_cameras()) return deploy::encode_state(state, out, robot.render());
    return deploy::encode_state(state, out);
  };

  while (!stop) {
    zmq_pollitem_t item{rep.s, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, 100) <= 0) continue;
    const int got = zmq_recv(rep.s, in.data(), in.size(), 0);
    if (got < 0) continue;
    size_t len = 0;
    deploy::BridgeRequest req;
    deploy::DecodeError err;
    if (static_cast<size_t>(got) > in.size()) {
      len = deploy::encode_error("request too large", out);
    } else if (!deploy::decode_request(std::span<const uint8_t>(in.data(), static_cast<size_t>(got)), req, err)) {
      len = deploy::encode_error(std::string("malformed request: ") + err.what + " (key '" + std::string(err.key) + "')", out);
    } else {
      deploy::LinkStatus status = deploy::LinkStatus::kOk;
      switch (req.type) {
        case deploy::BridgeRequestType::kReset:
          status = robot.start_episode(req.episode, req.seed, state);
          publish_poses();
          len = reply(status, false);
          break;
        case deploy::BridgeRequestType::kGetState: len = reply(robot.read_state(state), req.images); break;
        case deploy::BridgeRequestType::kStop:
          robot.stop(req.reason.data());
          len = reply(robot.read_state(state), false);
          break;
        case deploy::BridgeRequestType::kCommand:
          status = robot.send_target(req.seq, req.target, state);
          if (status == deploy::LinkStatus::kOk) publish_poses();
          len = reply(status, false);
          break;
      }
    }
    OCRES_CHECK(len > 0, "a bridge reply does not fit its buffer");
    zmq_send(rep.s, out.data(), len, 0);
  }
}

}  // namespace ocres::apps
