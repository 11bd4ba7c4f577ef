#include "apps/deploy_backends.h"

#include "apps/commands.h"
#include "apps/deploy_sim_robot.h"
#include "core/error.h"
#include "deploy/zmq_robot_client.h"
#include "tasks/registry.h"

namespace ocres::apps {

namespace {
bool is_endpoint(const std::string& s) { return s.rfind("tcp://", 0) == 0 || s.rfind("ipc://", 0) == 0; }
}  // namespace

bool parse_sim_robot(const std::string& robot, std::string& domain) {
  if (robot == "sim") {
    domain = "lab";
    return true;
  }
  if (robot.rfind("sim:", 0) != 0) return false;
  domain = robot.substr(4);
  if (domain.empty()) throw InputError("--robot 'sim:' names no domain: use sim (the lab domain) or sim:DOMAIN, e.g. sim:lab");
  return true;
}

DeployBackends make_deploy_backends(const DeployBackendOptions& o, deploy::FrameStore& frames) {
  DeployBackends b;
  std::string domain;
  b.in_process = parse_sim_robot(o.robot, domain);
  if (b.in_process) {
    const std::string poses = o.poses.empty() ? "auto" : o.poses;
    if (is_endpoint(poses))
      throw InputError("--poses '" + poses + "' is a network pose stream, which the in-process robot (--robot " + o.robot +
                       ") cannot use: its stamps are not the simulation's clock. Use estimator, truth, none or auto");
    if (!o.objects.empty())
      throw InputError("--objects '" + o.objects + "' names a network pose stream's objects; the in-process robot publishes the task's");
    SimRobotConfig sc;
    sc.task = o.task;
    sc.domain = domain;
    sc.poses = poses;
    if (!frames.names().empty()) {
      if (o.image_size_px <= 0)
        throw InputError("the base policy looks at camera '" + frames.names().front() + "', but --robot " + o.robot +
                         " renders no images: add --images N (square frames of N px, e.g. --images 224)");
      sc.image_size_px = o.image_size_px;
      sc.cameras = frames.names();  // exactly the cameras the base policy asks for
    }
    auto sim = std::make_unique<SimRobot>(sc);
    if (sim->has_cameras()) b.cameras = sim.get();
    b.poses = &sim->pose_source();
    b.objects = sim->object_names();
    b.description = "sim:" + domain + ", poses " + sim->pose_mode() + (sim->has_cameras() ? ", rendered cameras" : "");
    b.robot = std::move(sim);
    return b;
  }
  if (!is_endpoint(o.robot))
    throw InputError("--robot '" + o.robot + "' is neither sim[:DOMAIN] (the simulation in process) nor a robot bridge endpoint "
                     "(tcp://host:port or ipc://path)");
  if (o.poses.empty())
    throw InputError("--robot " + o.robot + " needs --poses ENDPOINT (the pose stream, e.g. tcp://127.0.0.1:5561)");
  if (!is_endpoint(o.poses))
    throw InputError("--poses '" + o.poses + "' needs the in-process robot (--robot sim[:DOMAIN]); with the robot bridge " + o.robot +
                     " give the pose stream's endpoint (tcp://host:port or ipc://path)");
  if (o.image_size_px > 0)
    throw InputError("--images " + std::to_string(o.image_size_px) + " renders the in-process robot's cameras; the robot bridge " +
                     o.robot + " sends its own (e.g. `ocres sim-bridge --images N`)");
  b.objects = o.objects.empty() ? tasks::make_task(o.task)->info().object_names : split_list(o.objects);
  // A base policy that looks at cameras (a remote VLA with `images:`) gets the frames the bridge
  // attaches to get_state replies; the robot client asks for them only then.
  deploy::ZmqRobotConfig rc{o.robot, o.robot_timeout_ms, 30000};
  if (!frames.names().empty()) {
    rc.images = true;
    rc.max_reply_bytes = 16 << 20;  // e.g. 8 cameras of 640x480 RGB
  }
  b.robot = std::make_unique<deploy::ZmqRobotClient>(rc, &frames);
  b.cameras = &frames;
  b.pose_stream = std::make_unique<deploy::ZmqPoseSource>(deploy::ZmqPoseSourceConfig{o.poses, b.objects, {}});
  b.poses = b.pose_stream.get();
  b.description = "robot " + o.robot + ", poses " + o.poses;
  return b;
}

}  // namespace ocres::apps
