#include "apps/deploy_sim_bridge.h"

#include <zmq.h>

#include <mujoco/mujoco.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "deploy/bridge_protocol.h"
#include "deploy/pose_protocol.h"
#include "perception/estimator_model.h"
#include "sim/domain.h"
#include "tasks/registry.h"
#ifdef OCRES_HAVE_RENDER  // defined by ocres_render (src/eval/render.cmake), an optional part of the build
#include "eval/render.h"
#endif

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

// The bridge's cameras: one headless renderer, one frame buffer per camera (their views go into the
// state message, so they must live until it is encoded).
class BridgeCameras {
 public:
  BridgeCameras(const sim::Env& env, int size_px, std::vector<std::string> names) : names_(std::move(names)), size_px_(size_px) {
    if (names_.empty() || static_cast<int>(names_.size()) > deploy::kMaxBridgeImages)
      throw InputError("sim-bridge: --cameras needs 1.." + std::to_string(deploy::kMaxBridgeImages) + " names");
    for (const std::string& name : names_)
      if (mj_name2id(env.model(), mjOBJ_CAMERA, name.c_str()) < 0)
        throw InputError("sim-bridge: the scene has no camera '" + name + "' (cameras: front, side, wrist)");
#ifdef OCRES_HAVE_RENDER
    renderer_ = std::make_unique<eval::Renderer>(env.model(), size_px, size_px);
#else
    throw InputError("sim-bridge: --images needs the headless renderer, which this build leaves out (src/eval/render.cmake)");
#endif
    frames_.resize(names_.size());
  }
  // Renders every camera from `env`'s current state; the views stay valid until the next render().
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

}  // namespace

void run_sim_bridge(const SimBridgeConfig& cfg, const std::function<void(int, int)>& ready, const std::atomic<bool>& stop) {
  const sim::DomainConfig domain = sim::load_domain(cfg.domain);
  auto env = tasks::make_env(tasks::compile_task(cfg.task, domain), domain);
  std::string poses = cfg.poses;
  if (poses == "auto") poses = domain.name == "lab" ? "estimator" : "truth";
  if (poses != "estimator" && poses != "truth" && poses != "none")
    throw InputError("sim-bridge: --poses '" + cfg.poses + "' is not one of estimator, truth, none, auto");
  const std::vector<std::string> names = env->task_info().object_names;
  const int n = static_cast<int>(names.size());
  const double period_s = env->config().controller.control_period_s;

  std::unique_ptr<BridgeCameras> cameras;
  if (cfg.image_size_px > 0) cameras = std::make_unique<BridgeCameras>(*env, cfg.image_size_px, cfg.cameras);

  Context ctx;
  Socket rep(ctx.c, ZMQ_REP, cfg.host, cfg.robot_port);
  Socket pub(ctx.c, ZMQ_PUB, cfg.host, cfg.pose_port);
  ready(rep.port, pub.port);

  perception::EstimatorModel estimator;  // the defaults learn::ResidualEnv uses in lab
  Rng rng;
  std::array<double, perception::EstimatorModel::kMaxObjects> published{};
  bool started = false, done = false, stopped = false;
  double offset_s = 0;  // simulated time of this episode's start (stamps are monotonic across episodes)
  double newest_pose_stamp_s = -1;  // this episode's newest published estimate (-1: none yet)
  uint64_t seq = 0;
  sim::StepResult last{};
  std::vector<uint8_t> in(64 * 1024);
  std::array<uint8_t, 4096> msg{};
  std::vector<uint8_t> out(4096 + (cameras ? cameras->bytes() + 1024 : 0));

  auto now_s = [&] { return offset_s + env->observation().t * period_s; };
  auto publish_poses = [&] {
    const Observation& o = env->observation();
    if (poses == "none") return;
    if (poses == "truth") {
      for (int i = 0; i < n; ++i) {
        // Task scalars (the drawer's opening) travel with the first object, as from the estimator model.
        const std::span<const double> scalars =
            i == 0 ? std::span<const double>(o.scalars.data(), o.num_scalars) : std::span<const double>();
        const size_t len = deploy::encode_pose_message(names[i], "base", o.X_BO[i], 1.0, now_s(), msg, scalars);
        newest_pose_stamp_s = now_s();
        zmq_send(pub.s, msg.data(), len, ZMQ_DONTWAIT);
      }
      return;
    }
    const double t_s = o.t * period_s;
    const auto& est = estimator.update(t_s, std::span<const Pose>(o.X_BO.data(), n), rng,
                                       std::span<const double>(o.scalars.data(), o.num_scalars));
    for (int i = 0; i < n; ++i) {
      if (est[i].stamp_s < 0 || est[i].stamp_s == published[i]) continue;  // nothing new
      published[i] = est[i].stamp_s;
      const size_t len = deploy::encode_pose_message(names[i], "base", est[i].X_BO, est[i].confidence, offset_s + est[i].stamp_s, msg,
                                                     std::span<const double>(est[i].scalars.data(), est[i].num_scalars));
      newest_pose_stamp_s = offset_s + est[i].stamp_s;
      zmq_send(pub.s, msg.data(), len, ZMQ_DONTWAIT);
    }
  };
  auto state = [&](bool with_images) {
    const Observation& o = env->observation();
    deploy::BridgeState s;
    s.seq = ++seq;
    s.stamp_s = now_s();
    s.robot = o.robot;
    s.episode.present = started;
    s.episode.t = static_cast<uint64_t>(o.t);
    s.episode.reward = last.reward;
    s.episode.success = last.success;
    s.episode.terminated = last.terminated;
    s.episode.truncated = last.truncated;
    s.pose_stamp_s = newest_pose_stamp_s;
    if (cfg.scene_truth) {
      s.scene.num_objects = o.num_objects;
      s.scene.X_BO = o.X_BO;
      s.scene.num_scalars = o.num_scalars;
      s.scene.scalars = o.scalars;
    }
    if (with_images && cameras) return deploy::encode_state(s, out, cameras->render(*env));
    return deploy::encode_state(s, out);
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
      switch (req.type) {
        case deploy::BridgeRequestType::kReset:
          if (started) offset_s = now_s() + 1.0;  // a gap between episodes: old stamps are clearly old
          env->reset(req.seed);
          rng.reseed(req.seed, /*stream=*/104);
          estimator.reset(rng, n);
          published.fill(-1);
          newest_pose_stamp_s = -1;
          started = true;
          done = stopped = false;
          last = sim::StepResult{};
          publish_poses();
          len = state(false);
          break;
        case deploy::BridgeRequestType::kGetState: len = state(req.images); break;
        case deploy::BridgeRequestType::kStop:
          stopped = true;  // the simulated robot holds still: no more steps until the next reset
          len = state(false);
          break;
        case deploy::BridgeRequestType::kCommand:
          if (!started) len = deploy::encode_error("no episode: send a reset first", out);
          else if (stopped) len = deploy::encode_error("stopped: send a reset to start a new episode", out);
          else {
            if (!done) {
              last = env->step(req.target);
              done = last.terminated || last.truncated;
              publish_poses();
            }
            len = state(false);
          }
          break;
      }
    }
    OCRES_CHECK(len > 0, "a bridge reply does not fit its buffer");
    zmq_send(rep.s, out.data(), len, 0);
  }
}

}  // namespace ocres::apps
