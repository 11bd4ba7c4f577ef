#pragma once
// `ocres sim-bridge`: the lab (or any) simulation serving the robot bridge protocol and the pose stream
// (src/deploy/bridge_protocol.h, pose_protocol.h, docs/deploy.md), so the deployment runtime can be run
// end to end without a robot. It lives in apps/ because it links the simulator, which src/deploy never
// does.
//
// Lockstep: each `command` advances the simulation by one control period (50 ms of simulated time), so
// a run does not depend on the wall-clock pace of the client; the state and pose stamps are simulated
// time (monotonic across episodes). Episode j reset with seed s is env.reset(s), and the pose-estimator
// model draws from Rng(s, 104) exactly as learn::ResidualEnv does in `lab`, so a deployed episode can
// be compared with the in-process evaluation of the same seed.
//
// Images are rendered from the current simulation state when a get_state asks for them, so a frame
// shows exactly the state it is sent with (lockstep: nothing moves between rendering and the reply).
#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace ocres::apps {

struct SimBridgeConfig {
  std::string task = "lift";
  std::string domain = "lab";      // name or YAML path
  std::string host = "127.0.0.1";  // bind address; loopback unless the user names another
  int robot_port = 0;              // REP socket; 0: any free port (printed)
  int pose_port = 0;               // PUB socket; 0: any free port (printed)
  std::string poses = "auto";      // estimator (the lab estimator model) | truth | none | auto (estimator in lab)
  bool scene_truth = true;         // send ground-truth object poses in the state (for the BC stand-in)
  // > 0: render `cameras` headless (EGL) as image_size_px square RGB frames and attach them to the
  // state of every get_state that asks for images ("images": true). 0: never (the request is answered
  // without images, and a base policy that needs them reports the missing camera).
  int image_size_px = 0;
  std::vector<std::string> cameras = {"front", "wrist"};  // scene cameras (src/sim/scene.cc)
};

// Serves until `stop` becomes true. Calls `ready(robot_port, pose_port)` once both sockets are bound.
// Throws InputError for a bad task/domain/address.
void run_sim_bridge(const SimBridgeConfig& config, const std::function<void(int, int)>& ready, const std::atomic<bool>& stop);

}  // namespace ocres::apps
