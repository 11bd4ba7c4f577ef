#pragma once
// `ocres sim-bridge`: a simulated robot (deploy_sim_robot.h: the lab -- or any -- simulation, the lab
// estimator model, optional rendered cameras) served over the robot bridge protocol and the pose stream
// (src/deploy/bridge_protocol.h, pose_protocol.h, docs/deploy.md), so the deployment runtime can be run
// end to end across processes without a robot. It lives in apps/ because it links the simulator, which
// src/deploy never does. The simulation itself is SimRobot, which `ocres deploy --robot sim` runs in
// process; this file is only the transport.
//
// Lockstep: each `command` advances the simulation by one control period (50 ms of simulated time), so
// a run does not depend on the wall-clock pace of the client. Estimates published by a reset or a
// command are sent on the pose stream before the reply, which names the newest one (pose_stamp_s).
//
// Images are rendered from the current simulation state when a get_state asks for them, so a frame
// shows exactly the state it is sent with (lockstep: nothing moves between rendering and the reply).
#include <atomic>
#include <functional>
#include <string>

#include "apps/deploy_sim_robot.h"

namespace ocres::apps {

struct SimBridgeConfig {
  SimRobotConfig sim;              // what is simulated (task, domain, poses, cameras)
  std::string host = "127.0.0.1";  // bind address; loopback unless the user names another
  int robot_port = 0;              // REP socket; 0: any free port (printed)
  int pose_port = 0;               // PUB socket; 0: any free port (printed)
};

// Serves until `stop` becomes true. Calls `ready(robot_port, pose_port)` once both sockets are bound.
// Throws InputError for a bad task/domain/address. Without cameras (sim.image_size_px 0) a get_state
// asking for images is answered without them, and a base policy that needs them reports the missing
// camera.
void run_sim_bridge(const SimBridgeConfig& config, const std::function<void(int, int)>& ready, const std::atomic<bool>& stop);

}  // namespace ocres::apps
